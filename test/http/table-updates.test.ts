// Update actions at the HTTP level: gzip metadata files, replace transactions, v3 row lineage,
// statistics and schema/spec removal, each through the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

let server: TestServer;
before(async () => {
  server = await startServer();
  await server.request('POST', '/v1/namespaces', { namespace: ['u'] });
});
after(() => server.close());
assertContractAfterAll();

const commit = (name: string, body: unknown) => server.request('POST', `/v1/namespaces/u/tables/${name}`, body);
const snapshot = (id: number, seq: number, extra: Record<string, unknown> = {}) => ({
  'snapshot-id': id, 'sequence-number': seq, 'timestamp-ms': Date.now(), 'manifest-list': `file:///tmp/ml-${id}.avro`,
  summary: { operation: 'append' }, 'schema-id': 0, ...extra,
});

test('write.metadata.compression-codec=gzip writes .gz.metadata.json files that load back', async () => {
  const created = await server.request('POST', '/v1/namespaces/u/tables', { name: 'gz', schema: SIMPLE_SCHEMA, properties: { 'write.metadata.compression-codec': 'gzip' } });
  assert.equal(created.status, 200, created.text);
  assert.match(created.body['metadata-location'], /\/00000-[0-9a-f-]+\.gz\.metadata\.json$/);
  const bytes = readFileSync(fileURLToPath(created.body['metadata-location']));
  assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
  assert.equal(JSON.parse(gunzipSync(bytes).toString())['table-uuid'], created.body.metadata['table-uuid']);
  const next = await commit('gz', { requirements: [], updates: [{ action: 'set-properties', updates: { a: '1' } }] });
  assert.match(next.body['metadata-location'], /\/00001-[0-9a-f-]+\.gz\.metadata\.json$/);
  assert.equal((await server.request('GET', '/v1/namespaces/u/tables/gz')).body.metadata.properties.a, '1');
});

test('a replace transaction keeps the uuid and snapshot-log, adds one metadata-log entry, continues column ids', async () => {
  const created = await server.request('POST', '/v1/namespaces/u/tables', { name: 'rep', schema: SIMPLE_SCHEMA });
  const uuid = created.body.metadata['table-uuid'];
  const appended = await commit('rep', { requirements: [], updates: [
    { action: 'add-snapshot', snapshot: snapshot(11, 1) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 11 },
  ] });
  assert.equal(appended.status, 200, appended.text);
  const before = appended.body.metadata;
  const replaced = await commit('rep', {
    requirements: [{ type: 'assert-table-uuid', uuid }, { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 }],
    updates: [
      { action: 'remove-snapshot-ref', 'ref-name': 'main' },
      { action: 'add-schema', schema: { type: 'struct', 'schema-id': 1, fields: [{ id: 1, name: 'id', type: 'long', required: true }, { id: 3, name: 'extra', type: 'string', required: false }] }, 'last-column-id': 3 },
      { action: 'set-current-schema', 'schema-id': -1 },
      { action: 'set-default-spec', 'spec-id': 0 },
      { action: 'set-default-sort-order', 'sort-order-id': 0 },
      { action: 'add-snapshot', snapshot: snapshot(12, 2, { 'schema-id': 1 }) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 12 },
    ],
  });
  assert.equal(replaced.status, 200, replaced.text);
  const md = replaced.body.metadata;
  assert.equal(md['table-uuid'], uuid);
  assert.equal(md['last-column-id'], 3);
  assert.equal(md['current-schema-id'], 1);
  assert.equal(md['metadata-log'].length, before['metadata-log'].length + 1);
  assert.deepEqual(md['snapshot-log'].map((e: { 'snapshot-id': number }) => e['snapshot-id']), [11, 12], 'snapshot-log kept');
  assert.equal(md['current-snapshot-id'], 12);
});

test('v3 row lineage: first-row-id behind next-row-id is a 409 to retry', async () => {
  const created = await server.request('POST', '/v1/namespaces/u/tables', { name: 'v3', schema: SIMPLE_SCHEMA, properties: { 'format-version': '3' } });
  assert.equal(created.body.metadata['next-row-id'], 0);
  const first = await commit('v3', { requirements: [], updates: [
    { action: 'add-snapshot', snapshot: snapshot(21, 1, { 'first-row-id': 0, 'added-rows': 10 }) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 21 },
  ] });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.metadata['next-row-id'], 10);
  const stale = await commit('v3', { requirements: [], updates: [{ action: 'add-snapshot', snapshot: snapshot(22, 2, { 'parent-snapshot-id': 21, 'first-row-id': 5, 'added-rows': 1 }) }] });
  expectError(stale, 409, 'CommitFailedException');
  const staleSeq = await commit('v3', { requirements: [], updates: [{ action: 'add-snapshot', snapshot: snapshot(23, 1, { 'parent-snapshot-id': 21, 'first-row-id': 10, 'added-rows': 1 }) }] });
  expectError(staleSeq, 409, 'CommitFailedException');
});

test('statistics, schema and spec removal through commits', async () => {
  await server.request('POST', '/v1/namespaces/u/tables', { name: 'st', schema: SIMPLE_SCHEMA });
  let res = await commit('st', { requirements: [], updates: [
    { action: 'add-snapshot', snapshot: snapshot(31, 1) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 31 },
    { action: 'set-statistics', statistics: { 'snapshot-id': 31, 'statistics-path': 'file:///tmp/s.puffin', 'file-size-in-bytes': 10, 'file-footer-size-in-bytes': 5, 'blob-metadata': [] } },
    { action: 'add-schema', schema: { type: 'struct', 'schema-id': 1, fields: [{ id: 1, name: 'id', type: 'long', required: true }] } },
    { action: 'add-spec', spec: { 'spec-id': 1, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'id_b', transform: 'bucket[2]' }] } },
  ] });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.metadata.statistics.length, 1);
  res = await commit('st', { requirements: [], updates: [{ action: 'remove-schemas', 'schema-ids': [1] }, { action: 'remove-partition-specs', 'spec-ids': [1] }, { action: 'remove-statistics', 'snapshot-id': 31 }] });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.metadata.schemas.map((s: { 'schema-id': number }) => s['schema-id']), [0]);
  assert.deepEqual(res.body.metadata['partition-specs'].map((s: { 'spec-id': number }) => s['spec-id']), [0]);
  assert.deepEqual(res.body.metadata.statistics, []);
  const current = await commit('st', { requirements: [], updates: [{ action: 'remove-schemas', 'schema-ids': [0] }] });
  assert.equal(current.status, 400, 'the current schema cannot be removed');
});

test("Spark's ALTER TABLE DROP COLUMN of the newest column: add-schema with the deprecated last-column-id below the table's", async () => {
  const created = await server.request('POST', '/v1/namespaces/u/tables', { name: 'dropcol', schema: SIMPLE_SCHEMA });
  assert.equal(created.status, 200, created.text);
  const uuid = created.body.metadata['table-uuid'];
  assert.equal(created.body.metadata['last-column-id'], 2);
  // exactly what Java 1.8+ sends (SchemaUpdate + UpdateRequirements): the schema without the
  // column with the highest id, last-column-id = that schema's highest id, -1 to select it
  const dropped = await commit('dropcol', {
    requirements: [
      { type: 'assert-table-uuid', uuid },
      { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 },
      { type: 'assert-current-schema-id', 'current-schema-id': 0 },
    ],
    updates: [
      { action: 'add-schema', schema: { type: 'struct', 'schema-id': 1, fields: [{ id: 1, name: 'id', type: 'long', required: true }] }, 'last-column-id': 1 },
      { action: 'set-current-schema', 'schema-id': -1 },
    ],
  });
  assert.equal(dropped.status, 200, dropped.text);
  const md = dropped.body.metadata;
  assert.equal(md['current-schema-id'], 1);
  assert.equal(md['last-column-id'], 2, 'field id 2 is never reused');
  const loaded = await server.request('GET', '/v1/namespaces/u/tables/dropcol');
  const current = loaded.body.metadata.schemas.find((s: { 'schema-id': number }) => s['schema-id'] === loaded.body.metadata['current-schema-id']);
  assert.deepEqual(current.fields.map((f: { name: string }) => f.name), ['id']);
});
