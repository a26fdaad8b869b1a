// Server-side scan planning, credentials and remote signing over real tables on disk (Avro
// manifest lists and manifests written by avsc, with data and delete manifests). Every response
// goes through the OpenAPI contract checker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planning } from '../../src/catalog/index.js';
import { avroFile, entry, listEntry, MANIFEST_LIST_V2, MANIFEST_V2, put, snapshot } from '../fixtures/avro-table.js';
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
  assert.deepEqual(d1['data-file'], {
    'spec-id': 0, content: 'data', 'file-path': d('d1.parquet'), 'file-format': 'parquet', partition: [],
    'file-size-in-bytes': 100, 'record-count': 5, 'split-offsets': [4], 'sort-order-id': 0,
    'column-sizes': { keys: [1, 2], values: [10, 20] }, 'value-counts': { keys: [1], values: [5] },
  });
  assert.equal(d1['residual-filter'], true);
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
