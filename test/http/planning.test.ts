// Server-side scan planning, credentials and remote signing over real tables on disk (Avro
// manifest lists and manifests written by avsc, with data and delete manifests). Every response
// goes through the OpenAPI contract checker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planning } from '../../src/catalog/index.js';
import { SCAN_FILTER_NODES_MAX } from '../../src/config/limits.js';
import {
  avroFile, entry, listEntry, manifestSchema, MANIFEST_LIST_V2, MANIFEST_V2, metrics, put, snapshot, sv,
  type EntryOptions, type PartitionField,
} from '../fixtures/avro-table.js';
import { expectError, serverForFile, SIMPLE_SCHEMA } from './harness.js';

// the signing test's table lives in S3, outside the file warehouse, behind a local S3 endpoint
const server = serverForFile('db', { env: { FLOE_ALLOWED_LOCATIONS: 's3://bucket/wh', FLOE_AWS_ENDPOINT: 'http://localhost:9000' } });

async function commitOk(name: string, updates: unknown[]) {
  const res = await server.request('POST', `/v1/namespaces/db/tables/${name}`, { requirements: [], updates });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function create(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA, ...extra });
  assert.equal(res.status, 200, res.text);
  return res.body.metadata.location;
}

async function addSnapshot(name: string, id: number, list: string, parent?: number) {
  await commitOk(name, [
    { action: 'add-snapshot', snapshot: snapshot(id, list, parent) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id },
  ]);
}

/**
 * Three snapshots:
 *  1 (seq 1): d1 added (with stats), d0 deleted; pos-del-1 (seq 1) — applies to d1
 *  2 (seq 2): d2 added with inherited snapshot id / sequence number; eq-del-2 (seq 2) — applies
 *     to d1 (older) but not d2 (same sequence number)
 *  3 (seq 3): d3 added
 */
async function buildTable(name: string) {
  const loc = await create(name);
  const d = (f: string) => `${loc}/data/${f}`;
  const m = (f: string) => `${loc}/metadata/${f}`;
  const stats = { column_sizes: [{ key: 1, value: 10 }, { key: 2, value: 20 }], value_counts: [{ key: 1, value: 5 }], split_offsets: [4], sort_order_id: 0 };
  put(m('m1.avro'), await avroFile(MANIFEST_V2, [
    entry(1, d('d1.parquet'), 0, { recordCount: 5, fileSizeInBytes: 100, dataFile: stats }),
    entry(2, d('d0.parquet')),
  ]));
  put(m('m1-del.avro'), await avroFile(MANIFEST_V2, [entry(1, d('pos-del-1.parquet'), 1)]));
  const list1 = [listEntry(m('m1.avro'), 0, 1), listEntry(m('m1-del.avro'), 1, 1)];
  put(m('snap-1.avro'), await avroFile(MANIFEST_LIST_V2, list1));
  await addSnapshot(name, 1, m('snap-1.avro'));

  put(m('m2.avro'), await avroFile(MANIFEST_V2, [entry(1, d('d2.parquet'), 0, { snapshotId: null, sequenceNumber: null })]));
  put(m('m2-del.avro'), await avroFile(MANIFEST_V2, [
    entry(1, d('eq-del-2.parquet'), 2, { snapshotId: 2, sequenceNumber: 2, dataFile: { equality_ids: [1] } }),
  ]));
  const list2 = [...list1, listEntry(m('m2.avro'), 0, 2, 2), listEntry(m('m2-del.avro'), 1, 2, 2)];
  put(m('snap-2.avro'), await avroFile(MANIFEST_LIST_V2, list2));
  await addSnapshot(name, 2, m('snap-2.avro'), 1);

  put(m('m3.avro'), await avroFile(MANIFEST_V2, [entry(1, d('d3.parquet'), 0, { snapshotId: 3, sequenceNumber: 3 })]));
  put(m('snap-3.avro'), await avroFile(MANIFEST_LIST_V2, [...list2, listEntry(m('m3.avro'), 0, 3, 3)]));
  await addSnapshot(name, 3, m('snap-3.avro'), 2);
  return { loc, d };
}

const T = '/v1/namespaces/db/tables';

interface Task { 'data-file': { 'file-path': string }; 'delete-file-references'?: number[]; 'residual-filter'?: unknown }
interface DeleteFile { 'file-path': string; content: string }

/** file name -> names of the delete files that apply to it */
function byFile(body: { 'file-scan-tasks'?: Task[]; 'delete-files'?: DeleteFile[] }): Record<string, string[]> {
  const name = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const out: Record<string, string[]> = {};
  for (const t of body['file-scan-tasks'] ?? []) {
    out[name(t['data-file']['file-path'])] = (t['delete-file-references'] ?? []).map((i) => name(body['delete-files']![i]!['file-path'])).sort();
  }
  return out;
}

test('plans the current snapshot: live data files with the delete files that apply', async () => {
  const { d } = await buildTable('cur');
  const res = await server.request('POST', `${T}/cur/plan`, {});
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'completed');
  assert.equal(typeof res.body['plan-id'], 'string');
  assert.deepEqual(byFile(res.body), {
    'd1.parquet': ['eq-del-2.parquet', 'pos-del-1.parquet'],
    'd2.parquet': [],
    'd3.parquet': [],
  });
  const d1 = res.body['file-scan-tasks'].find((t: Task) => t['data-file']['file-path'] === d('d1.parquet'));
  // no stats-fields: no column stats (as Java's server, which copies files without stats)
  assert.deepEqual(d1['data-file'], {
    'spec-id': 0, content: 'data', 'file-path': d('d1.parquet'), 'file-format': 'parquet', partition: [],
    'file-size-in-bytes': 100, 'record-count': 5, 'split-offsets': [4], 'sort-order-id': 0,
  });
  assert.equal(d1['residual-filter'], true);
  const withStats = await server.request('POST', `${T}/cur/plan`, { 'stats-fields': ['id', 'data'] });
  const d1s = withStats.body['file-scan-tasks'].find((t: Task) => t['data-file']['file-path'] === d('d1.parquet'));
  assert.deepEqual(d1s['data-file']['column-sizes'], { keys: [1, 2], values: [10, 20] });
  assert.deepEqual(d1s['data-file']['value-counts'], { keys: [1], values: [5] });
  const onlyData = await server.request('POST', `${T}/cur/plan`, { 'stats-fields': ['data'] });
  const d1d = onlyData.body['file-scan-tasks'].find((t: Task) => t['data-file']['file-path'] === d('d1.parquet'));
  assert.deepEqual(d1d['data-file']['column-sizes'], { keys: [2], values: [20] });
  assert.equal(d1d['data-file']['value-counts'], undefined);
  const eq = res.body['delete-files'].find((f: DeleteFile) => f.content === 'equality-deletes');
  assert.deepEqual(eq['equality-ids'], [1]);
});

test('plans a given snapshot, and incremental ranges (start exclusive, end inclusive)', async () => {
  await buildTable('snap');
  const one = await server.request('POST', `${T}/snap/plan`, { 'snapshot-id': 1 });
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(byFile(one.body), { 'd1.parquet': ['pos-del-1.parquet'] });

  const inc = await server.request('POST', `${T}/snap/plan`, { 'start-snapshot-id': 1, 'end-snapshot-id': 3 });
  assert.equal(inc.status, 200, inc.text);
  assert.deepEqual(byFile(inc.body), { 'd2.parquet': [], 'd3.parquet': [] });
  const last = await server.request('POST', `${T}/snap/plan`, { 'start-snapshot-id': 2, 'end-snapshot-id': 3 });
  assert.deepEqual(byFile(last.body), { 'd3.parquet': [] });

  const filter = { type: 'not-null', term: 'id' };
  const filtered = await server.request('POST', `${T}/snap/plan`, { 'snapshot-id': 2, filter });
  assert.equal(filtered.status, 200, filtered.text);
  for (const t of filtered.body['file-scan-tasks']) assert.deepEqual(t['residual-filter'], filter);
});

test('invalid plan requests: mixed forms, half a range, unknown snapshots, non-ancestor start', async () => {
  await buildTable('bad');
  const cases: unknown[] = [
    { 'snapshot-id': 1, 'start-snapshot-id': 1, 'end-snapshot-id': 2 },
    { 'snapshot-id': 1, 'end-snapshot-id': 2 },
    { 'start-snapshot-id': 1 },
    { 'snapshot-id': 99 },
    { 'start-snapshot-id': 3, 'end-snapshot-id': 1 },
    { 'snapshot-id': 'x' },
  ];
  for (const body of cases) expectError(await server.request('POST', `${T}/bad/plan`, body), 400, 'IllegalArgumentException');
  expectError(await server.request('POST', `${T}/bad/plan`, { 'snapshot-id': 99 }), 400, 'IllegalArgumentException', 'Cannot find snapshot with ID 99');
});

test('a table without snapshots plans to nothing; missing tables answer NoSuchTable', async () => {
  await create('empty');
  const res = await server.request('POST', `${T}/empty/plan`, {});
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body['file-scan-tasks'], []);
  expectError(await server.request('POST', `${T}/nope/plan`, {}), 404, 'NoSuchTableException');
  expectError(await server.request('GET', `${T}/nope/plan/x`), 404, 'NoSuchTableException');
  expectError(await server.request('DELETE', `${T}/nope/plan/x`), 404, 'NoSuchTableException');
  expectError(await server.request('POST', `${T}/nope/tasks`, { 'plan-task': 'x' }), 404, 'NoSuchTableException');
  expectError(await server.request('GET', `${T}/nope/credentials`), 404, 'NoSuchTableException');
});

test('fetchPlanningResult returns the stored plan; cancel answers 204 and leaves a cancelled status', async () => {
  await buildTable('fetch');
  const plan = await server.request('POST', `${T}/fetch/plan`, {});
  const id = plan.body['plan-id'];
  const fetched = await server.request('GET', `${T}/fetch/plan/${id}`);
  assert.equal(fetched.status, 200, fetched.text);
  assert.equal(fetched.body.status, 'completed');
  assert.deepEqual(byFile(fetched.body), byFile(plan.body));
  // a plan belongs to its table
  expectError(await server.request('GET', `${T}/cur/plan/${id}`), 404, 'NoSuchPlanIdException');
  expectError(await server.request('GET', `${T}/fetch/plan/unknown`), 404, 'NoSuchPlanIdException');
  expectError(await server.request('DELETE', `${T}/fetch/plan/unknown`), 404, 'NoSuchPlanIdException');

  assert.equal((await server.request('DELETE', `${T}/fetch/plan/${id}`)).status, 204);
  assert.deepEqual((await server.request('GET', `${T}/fetch/plan/${id}`)).body, { status: 'cancelled' });
  assert.equal((await server.request('DELETE', `${T}/fetch/plan/${id}`)).status, 204, 'a repeated cancel is harmless');
});

test('large scans come back as plan tasks, served by fetchScanTasks', async () => {
  const loc = await create('big');
  const m = (f: string) => `${loc}/metadata/${f}`;
  const count = planning.PLAN_INLINE_MANIFESTS_MAX + 1;
  const list = [];
  for (let i = 0; i < count; i++) {
    put(m(`m${i}.avro`), await avroFile(MANIFEST_V2, [entry(1, `${loc}/data/f${i}.parquet`)]));
    list.push(listEntry(m(`m${i}.avro`), 0, 1));
  }
  put(m('del.avro'), await avroFile(MANIFEST_V2, [entry(1, `${loc}/data/pos-del.parquet`, 1)]));
  list.push(listEntry(m('del.avro'), 1, 1));
  put(m('snap-1.avro'), await avroFile(MANIFEST_LIST_V2, list));
  await addSnapshot('big', 1, m('snap-1.avro'));

  const plan = await server.request('POST', `${T}/big/plan`, {});
  assert.equal(plan.status, 200, plan.text);
  assert.equal(plan.body['file-scan-tasks'], undefined);
  const planTasks: string[] = plan.body['plan-tasks'];
  assert.equal(planTasks.length, count);
  const fetched = await server.request('GET', `${T}/big/plan/${plan.body['plan-id']}`);
  assert.deepEqual(fetched.body['plan-tasks'], planTasks);

  const seen: Record<string, string[]> = {};
  for (const task of planTasks) {
    const res = await server.request('POST', `${T}/big/tasks`, { 'plan-task': task });
    assert.equal(res.status, 200, res.text);
    Object.assign(seen, byFile(res.body));
  }
  assert.equal(Object.keys(seen).length, count);
  for (const deletes of Object.values(seen)) assert.deepEqual(deletes, ['pos-del.parquet']);

  expectError(await server.request('POST', `${T}/big/tasks`, { 'plan-task': 'bogus' }), 404, 'NoSuchPlanTaskException');
  expectError(await server.request('POST', `${T}/big/tasks`, {}), 400, 'IllegalArgumentException');
  assert.equal((await server.request('DELETE', `${T}/big/plan/${plan.body['plan-id']}`)).status, 204);
  expectError(await server.request('POST', `${T}/big/tasks`, { 'plan-task': planTasks[0] }), 404, 'NoSuchPlanTaskException');
});

// ---- filter pushdown and column stats ----------------------------------------------------------

const TYPED_SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'data', type: 'string', required: false },
    { id: 3, name: 'ts', type: 'timestamptz', required: false },
    { id: 4, name: 'x', type: 'double', required: false },
    { id: 5, name: 'price', type: 'decimal(9,2)', required: false },
    { id: 6, name: 'day', type: 'date', required: false },
    { id: 7, name: 'flag', type: 'boolean', required: false },
    { id: 8, name: 'u', type: 'uuid', required: false },
    { id: 9, name: 'n', type: 'int', required: false },
  ],
};

interface TableFile { name: string; options?: EntryOptions; content?: 0 | 1 | 2 }

/**
 * A table with one snapshot: its data files in one manifest (partitioned as the created table
 * when `partition` gives the manifest's partition fields), delete files in another.
 */
async function tableWith(name: string, files: TableFile[], create: Record<string, unknown> = {}, partition: PartitionField[] = []) {
  const res = await server.request('POST', T, { name, schema: TYPED_SCHEMA, ...create });
  assert.equal(res.status, 200, res.text);
  const loc: string = res.body.metadata.location;
  const m = (f: string) => `${loc}/metadata/${f}`;
  const schema = manifestSchema(2, partition);
  const data = files.filter((f) => (f.content ?? 0) === 0);
  const deletes = files.filter((f) => (f.content ?? 0) !== 0);
  put(m('data.avro'), await avroFile(schema, data.map((f) => entry(1, `${loc}/data/${f.name}`, 0, f.options))));
  const list = [listEntry(m('data.avro'), 0, 1)];
  if (deletes.length > 0) {
    put(m('deletes.avro'), await avroFile(schema, deletes.map((f) => entry(1, `${loc}/data/${f.name}`, f.content, f.options))));
    list.push(listEntry(m('deletes.avro'), 1, 1));
  }
  put(m('snap-1.avro'), await avroFile(MANIFEST_LIST_V2, list));
  await addSnapshot(name, 1, m('snap-1.avro'));
  return res.body.metadata;
}

/** Names of the data files a plan with `filter` returns, sorted; the residual must be the filter. */
async function planned(table: string, filter: unknown, extra: Record<string, unknown> = {}): Promise<string[]> {
  const res = await server.request('POST', `${T}/${table}/plan`, { filter, ...extra });
  assert.equal(res.status, 200, res.text);
  for (const t of res.body['file-scan-tasks'] as Task[]) assert.deepEqual(t['residual-filter'], filter);
  return Object.keys(byFile(res.body)).sort();
}

test('filters prune data files by column metrics; files without metrics are always kept', async () => {
  await tableWith('metrics', [
    // ids 1..10, data apple..banana, x finite, n only nulls
    { name: 'low.parquet', options: { recordCount: 5, dataFile: metrics({
      valueCounts: { 1: 5, 2: 5, 4: 5, 9: 5 }, nullCounts: { 1: 0, 2: 0, 4: 0, 9: 5 }, nanCounts: { 4: 0 },
      lower: { 1: sv.long(1), 2: sv.string('apple'), 4: sv.double(1.5) },
      upper: { 1: sv.long(10), 2: sv.string('banana'), 4: sv.double(2.5) },
    }) } },
    // ids 100..200, data cherry..date, x only NaN, n in 1..3
    { name: 'high.parquet', options: { recordCount: 5, dataFile: metrics({
      valueCounts: { 1: 5, 2: 5, 4: 5, 9: 5 }, nullCounts: { 1: 0, 2: 0, 4: 0, 9: 0 }, nanCounts: { 4: 5 },
      lower: { 1: sv.long(100), 2: sv.string('cherry'), 9: sv.int(1) },
      upper: { 1: sv.long(200), 2: sv.string('date'), 9: sv.int(3) },
    }) } },
    { name: 'bare.parquet', options: { recordCount: 5 } },
  ]);
  const all = ['bare.parquet', 'high.parquet', 'low.parquet'];
  const cases: [unknown, string[]][] = [
    [true, all],
    [{ type: 'lt', term: 'id', value: 50 }, ['bare.parquet', 'low.parquet']],
    [{ type: 'gt-eq', left: { type: 'reference', name: 'id' }, right: { type: 'literal', value: 150 } }, ['bare.parquet', 'high.parquet']],
    [{ type: 'eq', term: 'id', value: 50 }, ['bare.parquet']],
    [{ type: 'in', term: 'id', values: [5, 150] }, all],
    [{ type: 'in', term: 'id', values: [50, 60] }, ['bare.parquet']],
    [{ type: 'not-in', term: 'id', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, all],
    [{ type: 'not-eq', term: 'id', value: 1 }, all],
    [{ type: 'starts-with', term: 'data', value: 'ch' }, ['bare.parquet', 'high.parquet']],
    [{ type: 'starts-with', term: 'data', value: 'b' }, ['bare.parquet', 'low.parquet']],
    [{ type: 'starts-with', term: 'data', value: 'z' }, ['bare.parquet']],
    [{ type: 'not-starts-with', term: 'data', value: 'x' }, all],
    [{ type: 'is-null', term: 'n' }, ['bare.parquet', 'low.parquet']],
    [{ type: 'not-null', term: 'n' }, ['bare.parquet', 'high.parquet']],
    [{ type: 'eq', term: 'n', value: 2 }, ['bare.parquet', 'high.parquet']],
    [{ type: 'is-nan', term: 'x' }, ['bare.parquet', 'high.parquet']],
    [{ type: 'not-nan', term: 'x' }, ['bare.parquet', 'low.parquet']],
    [{ type: 'gt', term: 'x', value: 0 }, ['bare.parquet', 'low.parquet']],
    [{ type: 'not', child: { type: 'lt', term: 'id', value: 50 } }, ['bare.parquet', 'high.parquet']],
    [{ type: 'or', left: { type: 'lt', term: 'id', value: 5 }, right: { type: 'gt', term: 'id', value: 150 } }, all],
    [{ type: 'and', left: { type: 'gt', term: 'id', value: 5 }, right: { type: 'starts-with', term: 'data', value: 'd' } }, ['bare.parquet', 'high.parquet']],
    [false, []],
  ];
  for (const [filter, expected] of cases) assert.deepEqual(await planned('metrics', filter), expected, JSON.stringify(filter));
  // a filter larger than the per-file evaluation bound is answered unpruned
  const huge = Array.from({ length: SCAN_FILTER_NODES_MAX }, (_, i) => 1000 + i);
  assert.deepEqual(await planned('metrics', { type: 'and', left: { type: 'eq', term: 'id', value: 50 }, right: { type: 'in', term: 'id', values: [50] } }), ['bare.parquet']);
  assert.deepEqual(await planned('metrics', { type: 'and', left: { type: 'eq', term: 'id', value: 50 }, right: { type: 'in', term: 'id', values: huge } }), all);
});

test('filters bind case-insensitively only when asked; unknown fields and malformed filters are 400', async () => {
  await tableWith('binding', [
    { name: 'a.parquet', options: { dataFile: metrics({ lower: { 1: sv.long(1) }, upper: { 1: sv.long(2) } }) } },
  ]);
  const upper = { type: 'gt', term: 'ID', value: 5 };
  expectError(await server.request('POST', `${T}/binding/plan`, { filter: upper }), 400, 'ValidationException', "Cannot find field 'ID'");
  assert.deepEqual(await planned('binding', upper, { 'case-sensitive': false }), []);
  assert.deepEqual(await planned('binding', { type: 'gt', term: 'ID', value: 1 }, { 'case-sensitive': false }), ['a.parquet']);
  expectError(await server.request('POST', `${T}/binding/plan`, { filter: { type: 'lt', term: 'id' } }), 400, 'IllegalArgumentException', 'Invalid filter');
  expectError(await server.request('POST', `${T}/binding/plan`, { filter: { type: 'bogus' } }), 400, 'IllegalArgumentException', 'Invalid filter');
  expectError(await server.request('POST', `${T}/binding/plan`, { 'stats-fields': ['nope'] }), 400, 'ValidationException', "Cannot find field 'nope'");
  expectError(await server.request('POST', `${T}/binding/plan`, { 'case-sensitive': 'no' }), 400, 'IllegalArgumentException');
  // a literal the column cannot hold exactly never prunes
  assert.deepEqual(await planned('binding', { type: 'gt', term: 'id', value: 2.5 }), ['a.parquet']);
  assert.deepEqual(await planned('binding', { type: 'eq', left: { type: 'apply', function: 'f', arguments: [] }, right: 1 }), ['a.parquet']);
});

test('partitioned by identity and day: files are pruned on partition values', async () => {
  const partition: PartitionField[] = [
    { name: 'data', type: 'string', 'field-id': 1000 },
    { name: 'ts_day', type: { type: 'int', logicalType: 'date' }, 'field-id': 1001 },
  ];
  const spec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'data', transform: 'identity' }, { 'source-id': 3, 'field-id': 1001, name: 'ts_day', transform: 'day' }] };
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
  const md = await tableWith('byday', [
    { name: 'p1.parquet', options: { partition: { data: 'a', ts_day: day('2024-01-01') } } },
    { name: 'p2.parquet', options: { partition: { data: 'b', ts_day: day('2024-01-02') } } },
    { name: 'p3.parquet', options: { partition: { data: null, ts_day: day('2024-01-03') } } },
  ], { 'partition-spec': spec }, partition);
  assert.deepEqual(md['partition-specs'][0].fields.map((f: { 'field-id': number }) => f['field-id']), [1000, 1001]);
  const cases: [unknown, string[]][] = [
    [{ type: 'eq', term: 'data', value: 'a' }, ['p1.parquet']],
    [{ type: 'is-null', term: 'data' }, ['p3.parquet']],
    [{ type: 'not-null', term: 'data' }, ['p1.parquet', 'p2.parquet']],
    [{ type: 'in', term: 'data', values: ['b', 'c'] }, ['p2.parquet']],
    [{ type: 'not-in', term: 'data', values: ['a'] }, ['p2.parquet', 'p3.parquet']],
    [{ type: 'starts-with', term: 'data', value: 'a' }, ['p1.parquet']],
    [{ type: 'gt-eq', term: 'ts', value: '2024-01-02T00:00:00+00:00' }, ['p2.parquet', 'p3.parquet']],
    [{ type: 'lt', term: 'ts', value: '2024-01-02T00:00:00+00:00' }, ['p1.parquet']],
    [{ type: 'eq', term: 'ts', value: '2024-01-03T12:00:00+00:00' }, ['p3.parquet']],
    [{ type: 'eq', term: { type: 'transform', transform: 'day', term: 'ts' }, value: '2024-01-02' }, ['p2.parquet']],
    [{ type: 'and', left: { type: 'eq', term: 'data', value: 'a' }, right: { type: 'gt', term: 'ts', value: '2024-01-01T12:00:00+00:00' } }, ['p1.parquet']],
    [{ type: 'and', left: { type: 'eq', term: 'data', value: 'b' }, right: { type: 'lt', term: 'ts', value: '2024-01-01T12:00:00+00:00' } }, []],
    [{ type: 'eq', term: 'id', value: 1 }, ['p1.parquet', 'p2.parquet', 'p3.parquet']],
  ];
  for (const [filter, expected] of cases) assert.deepEqual(await planned('byday', filter), expected, JSON.stringify(filter));
});

test('partitioned by bucket: equality and IN prune to the matching buckets', async () => {
  const partition: PartitionField[] = [{ name: 'id_bucket', type: 'int', 'field-id': 1000 }];
  const spec = { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'id_bucket', transform: 'bucket[4]' }] };
  await tableWith('bucketed', [0, 1, 2, 3].map((b) => ({ name: `b${b}.parquet`, options: { partition: { id_bucket: b } } })), { 'partition-spec': spec }, partition);
  // bucket(34) = 2017239379 mod 4 (format/spec.md Appendix B)
  assert.deepEqual(await planned('bucketed', { type: 'eq', term: 'id', value: 34 }), ['b3.parquet']);
  assert.deepEqual(await planned('bucketed', { type: 'in', term: 'id', values: [34] }), ['b3.parquet']);
  assert.deepEqual(await planned('bucketed', { type: 'lt', term: 'id', value: 34 }), ['b0.parquet', 'b1.parquet', 'b2.parquet', 'b3.parquet']);
});

test('bounds and counts come back in the spec encoding for the requested stats fields', async () => {
  const stats = metrics({
    columnSizes: { 1: 11, 2: 22 },
    valueCounts: { 1: 3, 2: 3, 4: 3 },
    nullCounts: { 1: 0, 2: 1, 4: 0 },
    nanCounts: { 4: 1 },
    lower: {
      1: sv.long(-2), 2: sv.string('héllo'), 3: sv.timestamp('2017-11-16T22:31:08Z'), 4: sv.double(1.5),
      5: sv.decimal(1420n), 6: sv.date('2017-11-16'), 7: sv.boolean(true), 8: sv.uuid('f79c3e09-677c-4bbd-a479-3f349cb785e7'), 9: sv.int(7),
    },
    upper: { 1: sv.long(5), 9: sv.int(9) },
  });
  await tableWith('encoded', [
    { name: 'd.parquet', options: { recordCount: 3, dataFile: stats } },
    { name: 'eq-del.parquet', content: 2, options: { sequenceNumber: 2, dataFile: { ...stats, equality_ids: [1] } } },
  ]);
  const all = ['id', 'data', 'ts', 'x', 'price', 'day', 'flag', 'u', 'n'];
  const res = await server.request('POST', `${T}/encoded/plan`, { 'stats-fields': all });
  assert.equal(res.status, 200, res.text);
  const file = res.body['file-scan-tasks'][0]['data-file'];
  assert.deepEqual(file['column-sizes'], { keys: [1, 2], values: [11, 22] });
  assert.deepEqual(file['value-counts'], { keys: [1, 2, 4], values: [3, 3, 3] });
  assert.deepEqual(file['null-value-counts'], { keys: [1, 2, 4], values: [0, 1, 0] });
  assert.deepEqual(file['nan-value-counts'], { keys: [4], values: [1] });
  // Java's ContentFileParser writes bounds as map<int, binary>: upper-case hex of the single-value bytes
  assert.deepEqual(file['lower-bounds'], {
    keys: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    values: [
      'FEFFFFFFFFFFFFFF', // long -2, little-endian
      '68C3A96C6C6F', // "héllo", UTF-8
      '00C3262D215E0500', // timestamptz, micros since the epoch
      '000000000000F83F', // double 1.5
      '058C', // decimal(9,2) 14.20: unscaled 1420, big-endian
      '4E440000', // date 2017-11-16: day 17486
      '01', // boolean true
      'F79C3E09677C4BBDA4793F349CB785E7', // uuid, big-endian
      '07000000', // int 7
    ],
  });
  assert.deepEqual(file['upper-bounds'], { keys: [1, 9], values: ['0500000000000000', '09000000'] });
  const del = res.body['delete-files'][0];
  assert.equal(del.content, 'equality-deletes');
  assert.deepEqual(del['lower-bounds'].keys, [1, 2, 3, 4, 5, 6, 7, 8, 9], 'delete files carry the requested stats too');

  const some = await server.request('POST', `${T}/encoded/plan`, { 'stats-fields': ['N', 'data'], 'case-sensitive': false });
  const f2 = some.body['file-scan-tasks'][0]['data-file'];
  assert.deepEqual(f2['lower-bounds'], { keys: [2, 9], values: ['68C3A96C6C6F', '07000000'] });
  assert.deepEqual(f2['upper-bounds'], { keys: [9], values: ['09000000'] });
  assert.equal(f2['nan-value-counts'], undefined);
  const none = await server.request('POST', `${T}/encoded/plan`, {});
  for (const key of ['column-sizes', 'value-counts', 'null-value-counts', 'nan-value-counts', 'lower-bounds', 'upper-bounds']) {
    assert.equal(none.body['file-scan-tasks'][0]['data-file'][key], undefined, key);
    assert.equal(none.body['delete-files'][0][key], undefined, key);
  }
});

test('use-snapshot-schema binds names in the snapshot\'s schema, otherwise in the current one', async () => {
  await tableWith('evolved', [
    { name: 'a.parquet', options: { dataFile: metrics({ lower: { 2: sv.string('apple') }, upper: { 2: sv.string('avocado') } }) } },
  ]);
  const renamed = { ...TYPED_SCHEMA, 'schema-id': 1, fields: TYPED_SCHEMA.fields.map((f) => (f.id === 2 ? { ...f, name: 'payload' } : f)) };
  await commitOk('evolved', [{ action: 'add-schema', schema: renamed }, { action: 'set-current-schema', 'schema-id': -1 }]);
  const old = { type: 'starts-with', term: 'data', value: 'b' };
  assert.deepEqual(await planned('evolved', old, { 'snapshot-id': 1, 'use-snapshot-schema': true }), []);
  assert.deepEqual(await planned('evolved', { ...old, value: 'a' }, { 'snapshot-id': 1, 'use-snapshot-schema': true }), ['a.parquet']);
  expectError(await server.request('POST', `${T}/evolved/plan`, { filter: old }), 400, 'ValidationException', "Cannot find field 'data'");
  assert.deepEqual(await planned('evolved', { type: 'starts-with', term: 'payload', value: 'b' }), []);
});

test('plan tasks are pruned too', async () => {
  const loc = await create('bigfilter');
  const m = (f: string) => `${loc}/metadata/${f}`;
  const count = planning.PLAN_INLINE_MANIFESTS_MAX + 1;
  const list = [];
  for (let i = 0; i < count; i++) {
    const bounds = metrics({ lower: { 1: sv.long(i) }, upper: { 1: sv.long(i) } });
    put(m(`m${i}.avro`), await avroFile(MANIFEST_V2, [entry(1, `${loc}/data/f${i}.parquet`, 0, { dataFile: bounds })]));
    list.push(listEntry(m(`m${i}.avro`), 0, 1));
  }
  put(m('snap-1.avro'), await avroFile(MANIFEST_LIST_V2, list));
  await addSnapshot('bigfilter', 1, m('snap-1.avro'));
  const filter = { type: 'in', term: 'id', values: [3, 7] };
  const plan = await server.request('POST', `${T}/bigfilter/plan`, { filter });
  assert.equal(plan.status, 200, plan.text);
  const seen: string[] = [];
  for (const task of plan.body['plan-tasks'] as string[]) {
    const res = await server.request('POST', `${T}/bigfilter/tasks`, { 'plan-task': task });
    assert.equal(res.status, 200, res.text);
    for (const t of res.body['file-scan-tasks'] as Task[]) assert.deepEqual(t['residual-filter'], filter);
    seen.push(...Object.keys(byFile(res.body)));
  }
  assert.deepEqual(seen.sort(), ['f3.parquet', 'f7.parquet']);
});

test('config advertises the planning, credentials and sign endpoints', async () => {
  const res = await server.request('GET', '/v1/config');
  for (const e of ['POST /plan', 'GET /plan/{plan-id}', 'DELETE /plan/{plan-id}', 'POST /tasks', 'GET /credentials', 'POST /sign']) {
    const [verb, suffix] = e.split(' ');
    assert.ok(res.body.endpoints.includes(`${verb} /v1/{prefix}/namespaces/{namespace}/tables/{table}${suffix}`), e);
  }
});

test('loadCredentials vends none', async () => {
  await create('creds');
  const res = await server.request('GET', `${T}/creds/credentials?planId=abc`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { 'storage-credentials': [] });
});

// ---- remote signing ----------------------------------------------------------------------------

async function withAwsEnv<T>(values: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const CREDS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: undefined };

test('sign: requests inside the table location are signed with SigV4, others refused', async () => {
  await create('s3t', { location: 's3://bucket/wh/db/s3t', properties: { 'write.metadata.path': `file://${server.warehouseDir}/s3t-meta` } });
  const sign = (uri: string, method = 'GET', extra: Record<string, unknown> = {}) =>
    server.request('POST', `${T}/s3t/sign`, { region: 'eu-west-1', uri, method, headers: { 'User-Agent': ['test'] }, ...extra });

  await withAwsEnv(CREDS, async () => {
    const virtual = await sign('https://bucket.s3.eu-west-1.amazonaws.com/wh/db/s3t/data/f%201.parquet');
    assert.equal(virtual.status, 200, virtual.text);
    assert.equal(virtual.body.uri, 'https://bucket.s3.eu-west-1.amazonaws.com/wh/db/s3t/data/f%201.parquet');
    const auth: string = virtual.body.headers.authorization[0];
    assert.match(auth, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    assert.deepEqual(virtual.body.headers['x-amz-content-sha256'], ['UNSIGNED-PAYLOAD']);
    assert.match(virtual.body.headers['x-amz-date'][0], /^\d{8}T\d{6}Z$/);

    assert.equal((await sign('http://localhost:9000/bucket/wh/db/s3t/metadata/x.avro', 'PUT')).status, 200, 'path style');
    assert.equal((await sign('https://bucket.s3.amazonaws.com/?list-type=2&prefix=wh/db/s3t/data/')).status, 200, 'listing inside');
    const body = '<Delete><Object><Key>wh/db/s3t/data/a</Key></Object></Delete>';
    const del = await sign('https://bucket.s3.amazonaws.com/?delete', 'POST', { body });
    assert.equal(del.status, 200, del.text);
    assert.notEqual(del.body.headers['x-amz-content-sha256'][0], 'UNSIGNED-PAYLOAD', 'the shown body is bound into the signature');

    const refused = [
      sign('https://bucket.s3.amazonaws.com/wh/db/other/data/f.parquet'),
      sign('https://bucket.s3.amazonaws.com/wh/db/s3t2/f.parquet'),
      sign('https://bucket.s3.amazonaws.com/wh/db/s3t/../other/f'),
      sign('https://bucket.s3.amazonaws.com/wh/db/s3t/%2e%2e/other/f'),
      sign('https://other.s3.amazonaws.com/wh/db/s3t/data/f'),
      sign('http://localhost:9000/other/wh/db/s3t/data/f'),
      sign('https://bucket.s3.amazonaws.com/?list-type=2&prefix=wh/db/s3t'),
      sign('https://bucket.s3.amazonaws.com/?delete', 'POST', { body: '<Delete><Object><Key>wh/x</Key></Object></Delete>' }),
      sign('https://bucket.s3.amazonaws.com/wh/db/s3t/data/f', 'PATCH'),
    ];
    for (const res of await Promise.all(refused)) expectError(res, 403, 'ForbiddenException');
    expectError(await sign('not a uri'), 400, 'BadRequestException');
  });

  await withAwsEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, async () => {
    expectError(await sign('https://bucket.s3.amazonaws.com/wh/db/s3t/data/f'), 501, 'NotImplementedException', 'Remote signing is not configured');
  });
  // a table outside S3 cannot be signed for
  await create('local');
  await withAwsEnv(CREDS, async () => {
    const res = await server.request('POST', `${T}/local/sign`, { region: 'us-east-1', uri: 'https://b.s3.amazonaws.com/k', method: 'GET', headers: {} });
    expectError(res, 403, 'ForbiddenException');
  });
});
