// Register and unregister: a name pointed at an existing metadata file exactly as given (no new
// file, history intact), the name conflicts of §3.3, overwrite, and unregister forgetting a
// table while leaving every file in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectError, serverForFile, SIMPLE_SCHEMA, appendSnapshotCommit } from './harness.js';

const server = serverForFile('db');

/** A table with two snapshots and three metadata versions, so history is worth comparing. */
async function tableWithHistory(name: string) {
  const created = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA });
  assert.equal(created.status, 200, created.text);
  const location: string = created.body.metadata.location;
  let last = created.body;
  for (const id of [1, 2]) {
    const res = await server.request('POST', `/v1/namespaces/db/tables/${name}`, appendSnapshotCommit(location, id));
    assert.equal(res.status, 200, res.text);
    last = res.body;
  }
  return { location, metadataLocation: last['metadata-location'] as string, metadata: last.metadata };
}

/** Forgets a table (its files stay): a live table's files may not be registered under a second name. */
async function unregister(name: string) {
  const res = await server.request('POST', `/v1/namespaces/db/tables/${name}/unregister`);
  assert.equal(res.status, 200, res.text);
}

/** Copies a metadata file beside the original, as a migration tool would. */
function copyMetadata(metadataLocation: string, newName: string): string {
  const target = join(dirname(fileURLToPath(metadataLocation)), newName);
  copyFileSync(fileURLToPath(metadataLocation), target);
  return `file://${target}`;
}

const metadataDirCount = (metadataLocation: string) => readdirSync(dirname(fileURLToPath(metadataLocation))).length;

test('config advertises register and unregister', async () => {
  const res = await server.request('GET', '/v1/config');
  assert.ok(res.body.endpoints.includes('POST /v1/{prefix}/namespaces/{namespace}/register'));
  assert.ok(res.body.endpoints.includes('POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/unregister'));
});

test('register points a new name at the given file exactly; history intact', async () => {
  const source = await tableWithHistory('src');
  const copy = copyMetadata(source.metadataLocation, '00099-copied.metadata.json');
  await unregister('src');
  const filesBefore = metadataDirCount(copy);

  const res = await server.request('POST', '/v1/namespaces/db/register', { name: 'copied', 'metadata-location': copy });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body['metadata-location'], copy);
  assert.ok(res.headers.get('etag'));
  assert.deepEqual(res.body.metadata.snapshots, source.metadata.snapshots);
  assert.deepEqual(res.body.metadata['metadata-log'], source.metadata['metadata-log']);
  assert.equal(res.body.metadata['current-snapshot-id'], 2);
  assert.equal(metadataDirCount(copy), filesBefore, 'register writes no metadata file');

  const load = await server.request('GET', '/v1/namespaces/db/tables/copied');
  assert.equal(load.status, 200);
  assert.equal(load.body['metadata-location'], copy);
  assert.equal(load.headers.get('etag'), res.headers.get('etag'));
  assert.deepEqual(load.body.metadata['snapshot-log'], source.metadata['snapshot-log']);

  // the registered table is a normal table: a commit builds on the registered file
  const commit = await server.request('POST', '/v1/namespaces/db/tables/copied', {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 2 }],
    updates: [{ action: 'set-properties', updates: { moved: 'yes' } }],
  });
  assert.equal(commit.status, 200, commit.text);
  assert.equal(commit.body.metadata['metadata-log'].at(-1)['metadata-file'], copy);
});

test('register conflicts: existing table, existing view, missing namespace', async () => {
  const source = await tableWithHistory('taken');
  expectError(
    await server.request('POST', '/v1/namespaces/db/register', { name: 'taken', 'metadata-location': source.metadataLocation }),
    409, 'AlreadyExistsException', 'Table already exists: db.taken',
  );
  // a view pointer, committed directly: only the name matters here
  await server.catalog.store.commit(async () => ({
    kind: 'txn', effects: [{ op: 'view.create', ns: ['db'], name: 'aview', to: `${source.location}/metadata/view.metadata.json` }], result: undefined,
  }));
  for (const overwrite of [false, true]) {
    expectError(
      await server.request('POST', '/v1/namespaces/db/register', { name: 'aview', 'metadata-location': source.metadataLocation, overwrite }),
      409, 'AlreadyExistsException', 'View with same name already exists: db.aview',
    );
  }
  expectError(
    await server.request('POST', '/v1/namespaces/nope/register', { name: 'x', 'metadata-location': source.metadataLocation }),
    404, 'NoSuchNamespaceException', 'Namespace does not exist: nope',
  );
});

test('overwrite=true replaces a table pointer with exactly the given location', async () => {
  const a = await tableWithHistory('ow_a');
  const b = await tableWithHistory('ow_b');
  await unregister('ow_b');
  const res = await server.request('POST', '/v1/namespaces/db/register', {
    name: 'ow_a', 'metadata-location': b.metadataLocation, overwrite: true,
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body['metadata-location'], b.metadataLocation);
  assert.equal(res.body.metadata['table-uuid'], b.metadata['table-uuid']);
  const load = await server.request('GET', '/v1/namespaces/db/tables/ow_a');
  assert.equal(load.body['metadata-location'], b.metadataLocation);
  assert.ok(existsSync(fileURLToPath(a.metadataLocation)), 'the replaced version is not deleted');
  // registering the location it already has is a no-op success
  const again = await server.request('POST', '/v1/namespaces/db/register', { name: 'ow_a', 'metadata-location': b.metadataLocation, overwrite: true });
  assert.equal(again.status, 200);
});

test('register rejects a missing or invalid metadata file and malformed requests with 400', async () => {
  const missing = `file://${server.warehouseDir}/db/none/metadata/00000-x.metadata.json`;
  expectError(
    await server.request('POST', '/v1/namespaces/db/register', { name: 'm', 'metadata-location': missing }),
    400, 'BadRequestException', `Cannot register db.m: metadata file does not exist: ${missing}`,
  );
  const junkPath = join(server.warehouseDir, 'junk.metadata.json');
  writeFileSync(junkPath, '{"not": "metadata"}');
  expectError(
    await server.request('POST', '/v1/namespaces/db/register', { name: 'm', 'metadata-location': `file://${junkPath}` }),
    400, 'BadRequestException', 'Cannot register db.m:',
  );
  expectError(await server.request('POST', '/v1/namespaces/db/register', { name: 'm' }), 400, 'BadRequestException', 'Invalid metadata-location');
  expectError(await server.request('POST', '/v1/namespaces/db/register', { 'metadata-location': missing }), 400, 'BadRequestException', 'Invalid table name');
  expectError(
    await server.request('POST', '/v1/namespaces/db/register', { name: 'm', 'metadata-location': missing, overwrite: 'yes' }),
    400, 'BadRequestException', 'Invalid overwrite',
  );
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/m')).status, 404);
});

test('unregister answers the last version, forgets the table and keeps every file', async () => {
  const t = await tableWithHistory('gone');
  const dir = dirname(fileURLToPath(t.metadataLocation));
  const files = readdirSync(dir).sort();

  const res = await server.request('POST', '/v1/namespaces/db/tables/gone/unregister');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body['metadata-location'], t.metadataLocation);
  assert.deepEqual(res.body.metadata, t.metadata);
  assert.deepEqual(readdirSync(dir).sort(), files, 'no file deleted');

  expectError(await server.request('GET', '/v1/namespaces/db/tables/gone'), 404, 'NoSuchTableException', 'Table does not exist: db.gone');
  expectError(
    await server.request('POST', '/v1/namespaces/db/tables/gone', { requirements: [], updates: [{ action: 'set-properties', updates: { a: 'b' } }] }),
    404, 'NoSuchTableException', 'Table does not exist: db.gone',
  );
  expectError(await server.request('POST', '/v1/namespaces/db/tables/gone/unregister'), 404, 'NoSuchTableException', 'Table does not exist: db.gone');
  expectError(await server.request('POST', '/v1/namespaces/nope/tables/gone/unregister'), 404, 'NoSuchTableException');

  // and it can come back (the move between catalogs, in one catalog)
  const back = await server.request('POST', '/v1/namespaces/db/register', { name: 'gone', 'metadata-location': res.body['metadata-location'] });
  assert.equal(back.status, 200, back.text);
  assert.deepEqual(back.body.metadata, t.metadata);
});

test('register and unregister under an Idempotency-Key replay their answers', async () => {
  const t = await tableWithHistory('idem_src');
  const copy = copyMetadata(t.metadataLocation, '00098-idem.metadata.json');
  await unregister('idem_src');
  const key = '0190a1b2-c3d4-7e5f-8a9b-000000000001';
  const body = { name: 'idem_reg', 'metadata-location': copy };
  const first = await server.request('POST', '/v1/namespaces/db/register', body, { 'idempotency-key': key });
  assert.equal(first.status, 200, first.text);
  const again = await server.request('POST', '/v1/namespaces/db/register', body, { 'idempotency-key': key });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body['metadata-location'], copy);

  const ukey = '0190a1b2-c3d4-7e5f-8a9b-000000000002';
  const un = await server.request('POST', '/v1/namespaces/db/tables/idem_reg/unregister', undefined, { 'idempotency-key': ukey });
  assert.equal(un.status, 200, un.text);
  const unAgain = await server.request('POST', '/v1/namespaces/db/tables/idem_reg/unregister', undefined, { 'idempotency-key': ukey });
  assert.equal(unAgain.status, 200, unAgain.text);
  assert.equal(unAgain.body['metadata-location'], copy);
  assert.deepEqual(unAgain.body.metadata.snapshots, un.body.metadata.snapshots);
});

test('int64 snapshot ids survive register and unregister digit for digit', async () => {
  const created = await server.request('POST', '/v1/namespaces/db/tables', { name: 'bigid', schema: SIMPLE_SCHEMA });
  assert.equal(created.status, 200, created.text);
  const location: string = created.body.metadata.location;
  const bigId = '8744736658442914487';
  const commit = await server.request('POST', '/v1/namespaces/db/tables/bigid', `{"requirements":[],"updates":[
    {"action":"add-snapshot","snapshot":{"snapshot-id":${bigId},"sequence-number":1,"timestamp-ms":${Date.now()},
     "manifest-list":"${location}/metadata/snap.avro","summary":{"operation":"append"},"schema-id":0}},
    {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${bigId}}]}`);
  assert.equal(commit.status, 200, commit.text);
  const copy = copyMetadata(commit.body['metadata-location'], '00097-big.metadata.json');
  await unregister('bigid');
  const reg = await server.request('POST', '/v1/namespaces/db/register', { name: 'bigid_copy', 'metadata-location': copy });
  assert.equal(reg.status, 200, reg.text);
  assert.ok(reg.text.includes(`"current-snapshot-id":${bigId}`), reg.text);
  const un = await server.request('POST', '/v1/namespaces/db/tables/bigid_copy/unregister');
  assert.equal(un.status, 200, un.text);
  assert.ok(un.text.includes(`"snapshot-id":${bigId}`), un.text);
});

// issue 10 item 2: the warehouse cache was keyed by location only, so with a warm cache a
// table's file registered as a view (or the reverse) was committed and answered 500 forever.
test('a metadata file of the wrong kind is refused with 400 and nothing is committed, warm or cold', async () => {
  const table = await server.request('POST', '/v1/namespaces/db/tables', { name: 'kind_t', schema: SIMPLE_SCHEMA });
  assert.equal(table.status, 200, table.text);
  const view = await server.request('POST', '/v1/namespaces/db/views', {
    name: 'kind_v', schema: SIMPLE_SCHEMA, properties: {},
    'view-version': {
      'version-id': 1, 'timestamp-ms': Date.now(), 'schema-id': 0, summary: {}, 'default-namespace': ['db'],
      representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }],
    },
  });
  assert.equal(view.status, 200, view.text);
  // warm: the server wrote (and cached) these files; cold: copies it has never read
  const tableFiles = { warm: table.body['metadata-location'] as string, cold: copyMetadata(table.body['metadata-location'], '00042-cold-table.metadata.json') };
  const viewFiles = { warm: view.body['metadata-location'] as string, cold: copyMetadata(view.body['metadata-location'], '00042-cold-view.gz.metadata.json') };
  for (const temperature of ['warm', 'cold'] as const) {
    const seq = server.catalog.store.headSeq;
    const asView = await server.request('POST', '/v1/namespaces/db/register-view', { name: `v_${temperature}`, 'metadata-location': tableFiles[temperature] });
    expectError(asView, 400, 'BadRequestException', /not a valid view metadata file/);
    const asTable = await server.request('POST', '/v1/namespaces/db/register', { name: `t_${temperature}`, 'metadata-location': viewFiles[temperature] });
    expectError(asTable, 400, 'BadRequestException', /not a valid table metadata file/);
    assert.equal(server.catalog.store.headSeq, seq, `${temperature}: nothing committed`);
    assert.equal((await server.request('HEAD', `/v1/namespaces/db/views/v_${temperature}`)).status, 404);
    assert.equal((await server.request('HEAD', `/v1/namespaces/db/tables/t_${temperature}`)).status, 404);
  }
  // the originals still load as what they are, whatever was attempted with their files
  assert.equal((await server.request('GET', '/v1/namespaces/db/tables/kind_t')).status, 200);
  assert.equal((await server.request('GET', '/v1/namespaces/db/views/kind_v')).status, 200);
});
