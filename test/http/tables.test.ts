import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

let server: TestServer;
before(async () => {
  server = await startServer();
  await server.request('POST', '/v1/namespaces', { namespace: ['db'] });
  await server.request('POST', '/v1/namespaces', { namespace: ['other'] });
});
after(() => server.close());
assertContractAfterAll();

async function createTable(name: string, extra: Record<string, unknown> = {}) {
  const res = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA, ...extra });
  assert.equal(res.status, 200, res.text);
  return res;
}

test('create writes version 0 with fresh ids and answers LoadTableResult with an ETag', async () => {
  const res = await createTable('t1', {
    'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 5, name: 'id_bucket', transform: 'bucket[4]' }] },
  });
  const md = res.body.metadata;
  assert.match(res.body['metadata-location'], /\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);
  assert.ok(existsSync(fileURLToPath(res.body['metadata-location'])), 'metadata file written to the table location');
  assert.equal(md['format-version'], 2);
  assert.deepEqual(md.schemas[0].fields.map((f: { id: number }) => f.id), [1, 2]);
  assert.equal(md['partition-specs'][0].fields[0]['field-id'], 1000);
  assert.equal(md['last-partition-id'], 1000);
  assert.deepEqual(md['metadata-log'], []);
  assert.ok(res.headers.get('etag'));
  assert.ok(md.location.startsWith(`file://${server.warehouseDir}/db/t1-`));
});

test('unpartitioned create has last-partition-id 999', async () => {
  const res = await createTable('unpart');
  assert.equal(res.body.metadata['last-partition-id'], 999);
});

test('load, exists, list, ETag / If-None-Match, snapshots=refs', async () => {
  await createTable('t2');
  const res = await server.request('GET', '/v1/namespaces/db/tables/t2');
  assert.equal(res.status, 200);
  const etag = res.headers.get('etag')!;
  assert.equal((await server.request('GET', '/v1/namespaces/db/tables/t2', undefined, { 'if-none-match': etag })).status, 304);
  const refs = await server.request('GET', '/v1/namespaces/db/tables/t2?snapshots=refs');
  assert.equal(refs.status, 200);
  assert.notEqual(refs.headers.get('etag'), etag, 'refs mode has its own ETag');
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/t2')).status, 204);
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/none')).status, 404);
  const list = await server.request('GET', '/v1/namespaces/db/tables');
  assert.ok(list.body.identifiers.some((i: { name: string }) => i.name === 't2'));
  expectError(await server.request('GET', '/v1/namespaces/db/tables/none'), 404, 'NoSuchTableException', 'Table does not exist: db.none');
  expectError(await server.request('GET', '/v1/namespaces/nons/tables/none'), 404, 'NoSuchTableException', 'Table does not exist: nons.none');
  expectError(await server.request('GET', '/v1/namespaces/nons/tables'), 404, 'NoSuchNamespaceException');
});

test('create errors: duplicate 409, missing namespace 404, bad body 400', async () => {
  await createTable('dup');
  expectError(await server.request('POST', '/v1/namespaces/db/tables', { name: 'dup', schema: SIMPLE_SCHEMA }), 409, 'AlreadyExistsException', 'Table already exists: db.dup');
  expectError(await server.request('POST', '/v1/namespaces/non-existing/tables', { name: 'x', schema: SIMPLE_SCHEMA }), 404, 'NoSuchNamespaceException', /Namespace does not exist: non-existing/);
  const bad = await server.request('POST', '/v1/namespaces/db/tables', { name: 'x' });
  assert.equal(bad.status, 400);
});

test('commit: requirements, updates, metadata-log, server-side retry', async () => {
  const created = await createTable('c1');
  const uuid = created.body.metadata['table-uuid'];
  let res = await server.request('POST', '/v1/namespaces/db/tables/c1', {
    requirements: [{ type: 'assert-table-uuid', uuid }],
    updates: [{ action: 'set-properties', updates: { k: 'v' } }],
  });
  assert.equal(res.status, 200, res.text);
  assert.match(res.body['metadata-location'], /\/00001-/);
  assert.equal(res.body.metadata.properties.k, 'v');
  assert.equal(res.body.metadata['metadata-log'].length, 1);
  assert.equal(res.body.metadata['metadata-log'][0]['metadata-file'], created.body['metadata-location']);
  expectError(
    await server.request('POST', '/v1/namespaces/db/tables/c1', { requirements: [{ type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }], updates: [] }),
    409, 'CommitFailedException', 'Requirement failed: UUID does not match',
  );
  const unknownRequirement = await server.request('POST', '/v1/namespaces/db/tables/c1', { requirements: [{ type: 'assert-whatever' }], updates: [] });
  assert.equal(unknownRequirement.status, 400);
  const unknownUpdate = await server.request('POST', '/v1/namespaces/db/tables/c1', { requirements: [], updates: [{ action: 'do-something' }] });
  assert.equal(unknownUpdate.status, 400);
  // concurrent commits on one table with non-conflicting requirements all land (server-side retry)
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      server.request('POST', '/v1/namespaces/db/tables/c1', {
        requirements: [{ type: 'assert-table-uuid', uuid }],
        updates: [{ action: 'set-properties', updates: { [`p${i}`]: String(i) } }],
      }),
    ),
  );
  assert.deepEqual(results.map((r) => r.status), Array(8).fill(200));
  res = await server.request('GET', '/v1/namespaces/db/tables/c1');
  for (let i = 0; i < 8; i++) assert.equal(res.body.metadata.properties[`p${i}`], String(i));
  assert.equal(res.body.metadata['metadata-log'].length, 9);
  expectError(await server.request('POST', '/v1/namespaces/db/tables/missing', { requirements: [], updates: [] }), 404, 'NoSuchTableException');
});

test('a missing metadata file answers 404 NotFoundException', async () => {
  const created = await createTable('gone');
  unlinkSync(fileURLToPath(created.body['metadata-location']));
  expectError(await server.request('GET', '/v1/namespaces/db/tables/gone'), 404, 'NotFoundException', /Failed to open input stream for file: /);
});

test('rename and drop; re-create after drop gets a new location', async () => {
  const first = await createTable('r1');
  assert.equal((await server.request('POST', '/v1/tables/rename', { source: { namespace: ['db'], name: 'r1' }, destination: { namespace: ['other'], name: 'r2' } })).status, 204);
  expectError(await server.request('GET', '/v1/namespaces/db/tables/r1'), 404, 'NoSuchTableException');
  assert.equal((await server.request('GET', '/v1/namespaces/other/tables/r2')).body['metadata-location'], first.body['metadata-location']);
  expectError(await server.request('POST', '/v1/tables/rename', { source: { namespace: ['db'], name: 'r1' }, destination: { namespace: ['db'], name: 'r3' } }), 404, 'NoSuchTableException', /Table does not exist/);
  expectError(await server.request('POST', '/v1/tables/rename', { source: { namespace: ['other'], name: 'r2' }, destination: { namespace: ['non_existing'], name: 'r3' } }), 404, 'NoSuchNamespaceException', /Namespace does not exist: non_existing/);
  await createTable('r1');
  const again = await server.request('GET', '/v1/namespaces/db/tables/r1');
  assert.notEqual(again.body.metadata.location, first.body.metadata.location, 'no location collision after rename');
  expectError(await server.request('POST', '/v1/tables/rename', { source: { namespace: ['other'], name: 'r2' }, destination: { namespace: ['db'], name: 'r1' } }), 409, 'AlreadyExistsException', /Table already exists/);
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/r1')).status, 204);
  expectError(await server.request('DELETE', '/v1/namespaces/db/tables/r1'), 404, 'NoSuchTableException');
});

test('hostile names stay inside the warehouse and do not collide', async () => {
  const names = ['../escape', 'a/b', '%2F', '...', 'ünï', 'a%2Fb'];
  // '.' and '..' are never names: WHATWG URL clients turn them (even as %2E%2E) into path steps
  for (const name of ['.', '..']) {
    expectError(await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA }), 400, 'BadRequestException', "Invalid table name: '.' and '..' are not allowed");
  }
  const locations = new Set<string>();
  for (const name of names) {
    const res = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA });
    assert.equal(res.status, 200, `${name}: ${res.text}`);
    const location: string = res.body.metadata.location;
    assert.ok(location.startsWith(`file://${server.warehouseDir}/db/`), location);
    assert.ok(!location.slice(`file://${server.warehouseDir}/db/`.length).includes('/'), `one segment: ${location}`);
    locations.add(location);
    // WHATWG URL clients turn a '..' segment (even %2E%2E) into "parent": unreachable by path
    if (/^\.+$/.test(name)) continue;
    const loaded = await server.request('GET', `/v1/namespaces/db/tables/${encodeURIComponent(name).replace(/\./g, '%2E')}`);
    assert.equal(loaded.status, 200, name);
  }
  assert.equal(locations.size, names.length);
});

test('metrics report is accepted with 204', async () => {
  await createTable('m1');
  const res = await server.request('POST', '/v1/namespaces/db/tables/m1/metrics', { 'report-type': 'scan-report', 'table-name': 'db.m1', 'snapshot-id': 1, filter: true, 'schema-id': 0, 'projected-field-ids': [], 'projected-field-names': [], metrics: {} });
  assert.equal(res.status, 204);
});
