import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ANONYMOUS, runOperation, views } from '../../src/catalog/index.js';
import { silentTelemetry } from '../../src/util/index.js';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

let server: TestServer;
before(async () => {
  server = await startServer();
  for (const ns of ['ns', 'other', 'paged']) {
    assert.equal((await server.request('POST', '/v1/namespaces', { namespace: [ns] })).status, 200);
  }
});
after(() => server.close());

// The view error bodies are checked as the {"error": ErrorModel} envelope by the contract
// checker (see the spec-bug note in test/contract/openapi.ts).
assertContractAfterAll();

/** server.request, plus a strict check of the error envelope (see the spec-bug note above). */
async function request(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const res = await server.request(method, path, body, headers);
  if (res.status >= 400 && method !== 'HEAD') {
    assert.deepEqual(Object.keys(res.body ?? {}), ['error'], res.text);
    assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'type'], res.text);
    assert.equal(res.body.error.code, res.status);
    assert.equal(typeof res.body.error.message, 'string');
    assert.equal(typeof res.body.error.type, 'string');
  }
  return res;
}

const sql = (text: string, dialect = 'spark') => ({ type: 'sql', sql: text, dialect });

function viewVersion(id: number, representations = [sql('select * from ns.t')], schemaId = 0) {
  return {
    'version-id': id,
    'timestamp-ms': 1_700_000_000_000 + id,
    'schema-id': schemaId,
    summary: { 'engine-name': 'spark', 'engine-version': '3.5.1' },
    representations,
    'default-namespace': ['ns'],
  };
}

function createBody(name: string, extra: Record<string, unknown> = {}) {
  // schema-id 7 and version-id 5 on purpose: the server must renumber them to 0 and 1
  return { name, schema: { ...SIMPLE_SCHEMA, 'schema-id': 7 }, 'view-version': viewVersion(5, undefined, 7), properties: {}, ...extra };
}

async function createView(name: string, extra: Record<string, unknown> = {}, ns = 'ns') {
  const res = await request('POST', `/v1/namespaces/${ns}/views`, createBody(name, extra));
  assert.equal(res.status, 200, res.text);
  return res;
}

async function createTable(name: string, ns = 'ns') {
  const res = await request('POST', `/v1/namespaces/${ns}/tables`, { name, schema: SIMPLE_SCHEMA });
  assert.equal(res.status, 200, res.text);
  return res;
}

/** What the Java client sends for replaceView: add-schema, add-view-version, set-current(-1). */
function replaceBody(uuid: string, versionId: number, representations = [sql(`select ${versionId}`)]) {
  return {
    requirements: [{ type: 'assert-view-uuid', uuid }],
    updates: [
      { action: 'add-schema', schema: SIMPLE_SCHEMA },
      { action: 'add-view-version', 'view-version': viewVersion(versionId, representations, -1) },
      { action: 'set-current-view-version', 'view-version-id': -1 },
    ],
  };
}

const filePath = (location: string) => fileURLToPath(location);

test('create renumbers to schema 0 / version 1 and writes a gzip metadata file under <location>/metadata', async () => {
  const res = await createView('v1', { properties: { comment: 'hello' } });
  const md = res.body.metadata;
  const location: string = res.body['metadata-location'];
  assert.match(location, /\/metadata\/00000-[0-9a-f-]{36}\.gz\.metadata\.json$/);
  assert.ok(location.startsWith(`${md.location}/metadata/`));
  assert.ok(md.location.startsWith(`file://${server.warehouseDir}/ns/v1-`));
  assert.deepEqual(res.body.config, {});
  assert.equal(md['format-version'], 1);
  assert.equal(md['current-version-id'], 1);
  assert.deepEqual(md.schemas.map((s: { 'schema-id': number }) => s['schema-id']), [0]);
  assert.equal(md.versions.length, 1);
  assert.equal(md.versions[0]['version-id'], 1);
  assert.equal(md.versions[0]['schema-id'], 0);
  assert.equal(md['version-log'].length, 1);
  assert.equal(md['version-log'][0]['version-id'], 1);
  assert.equal(md.properties.comment, 'hello');
  // the file on disk is gzip and holds the same metadata
  const onDisk = JSON.parse(gunzipSync(readFileSync(filePath(location))).toString('utf8'));
  assert.equal(onDisk['view-uuid'], md['view-uuid']);
  assert.equal(onDisk['current-version-id'], 1);
});

test('create honours write.metadata.path and an explicit location', async () => {
  const dir = `file://${server.warehouseDir}/custom-md`;
  const res = await createView('custom', { location: `file://${server.warehouseDir}/custom-loc`, properties: { 'write.metadata.path': dir } });
  assert.ok(res.body['metadata-location'].startsWith(`${dir}/00000-`), res.body['metadata-location']);
  assert.equal(res.body.metadata.location, `file://${server.warehouseDir}/custom-loc`);
  assert.ok(existsSync(filePath(res.body['metadata-location'])));
});

test('create rejects duplicate dialects with 400 IllegalArgumentException and creates nothing', async () => {
  const res = await request('POST', '/v1/namespaces/ns/views', createBody('dupdialect', {
    'view-version': viewVersion(1, [sql('select 1', 'trino'), sql('select 2', 'spark'), sql('select 3', 'Trino')]),
  }));
  expectError(res, 400, 'IllegalArgumentException', /Invalid view version: Cannot add multiple queries for dialect trino/);
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/dupdialect')).status, 404);
});

test('create errors: 409 on view / table with the name, 404 on missing namespace', async () => {
  await createView('taken');
  expectError(await request('POST', '/v1/namespaces/ns/views', createBody('taken')), 409, 'AlreadyExistsException', 'View already exists: ns.taken');
  await createTable('tbl');
  expectError(await request('POST', '/v1/namespaces/ns/views', createBody('tbl')), 409, 'AlreadyExistsException', 'Table with same name already exists: ns.tbl');
  // and the other way round: a table cannot take a view's name
  expectError(
    await request('POST', '/v1/namespaces/ns/tables', { name: 'taken', schema: SIMPLE_SCHEMA }),
    409, 'AlreadyExistsException', 'View with same name already exists: ns.taken',
  );
  expectError(await request('POST', '/v1/namespaces/non-existing/views', createBody('x')), 404, 'NoSuchNamespaceException', 'Namespace does not exist: non-existing');
});

test('load, HEAD, 404s and a missing metadata file', async () => {
  const created = await createView('loadme');
  const res = await request('GET', '/v1/namespaces/ns/views/loadme');
  assert.equal(res.status, 200);
  assert.equal(res.body['metadata-location'], created.body['metadata-location']);
  assert.deepEqual(res.body.metadata, created.body.metadata);
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/loadme')).status, 204);
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/none')).status, 404);
  // a table is not a view
  await createTable('notaview');
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/notaview')).status, 404);
  expectError(await request('GET', '/v1/namespaces/ns/views/notaview'), 404, 'NoSuchViewException', 'View does not exist: ns.notaview');
  expectError(await request('GET', '/v1/namespaces/non-existing/views/view'), 404, 'NoSuchViewException', 'View does not exist: non-existing.view');
  expectError(await request('GET', '/v1/namespaces/non-existing/views'), 404, 'NoSuchNamespaceException', 'Namespace does not exist: non-existing');

  unlinkSync(filePath(created.body['metadata-location']));
  expectError(
    await request('GET', '/v1/namespaces/ns/views/loadme'),
    404, 'NotFoundException', `Failed to open input stream for file: ${created.body['metadata-location']}`,
  );
});

test('list with and without pagination', async () => {
  for (const name of ['c', 'a', 'b']) await createView(name, {}, 'paged');
  await createTable('tableonly', 'paged');
  const all = await request('GET', '/v1/namespaces/paged/views');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.identifiers, ['a', 'b', 'c'].map((name) => ({ namespace: ['paged'], name })));
  assert.equal('next-page-token' in all.body, false, 'no token when the client does not paginate');

  const first = await request('GET', '/v1/namespaces/paged/views?pageToken=&pageSize=2');
  assert.deepEqual(first.body.identifiers.map((i: { name: string }) => i.name), ['a', 'b']);
  assert.equal(typeof first.body['next-page-token'], 'string');
  const second = await request('GET', `/v1/namespaces/paged/views?pageSize=2&pageToken=${encodeURIComponent(first.body['next-page-token'])}`);
  assert.deepEqual(second.body.identifiers.map((i: { name: string }) => i.name), ['c']);
  assert.equal(second.body['next-page-token'], null);
  expectError(await request('GET', '/v1/namespaces/paged/views?pageSize=0'), 400, 'BadRequestException');
});

test('replace: assert-view-uuid, new gzip file, version-log; 409 on a uuid mismatch; 400 on unknown updates', async () => {
  const created = await createView('rep');
  const uuid = created.body.metadata['view-uuid'];
  const res = await request('POST', '/v1/namespaces/ns/views/rep', replaceBody(uuid, 2));
  assert.equal(res.status, 200, res.text);
  assert.match(res.body['metadata-location'], /\/metadata\/00001-[0-9a-f-]{36}\.gz\.metadata\.json$/);
  assert.ok(existsSync(filePath(res.body['metadata-location'])));
  assert.equal(res.body.metadata['current-version-id'], 2);
  assert.deepEqual(res.body.metadata['version-log'].map((e: { 'version-id': number }) => e['version-id']), [1, 2]);
  // the same schema re-sent is re-used, not added
  assert.equal(res.body.metadata.schemas.length, 1);
  assert.equal((await request('GET', '/v1/namespaces/ns/views/rep')).body['metadata-location'], res.body['metadata-location']);

  const mismatch = await request('POST', '/v1/namespaces/ns/views/rep', replaceBody('00000000-0000-0000-0000-000000000000', 3));
  expectError(mismatch, 409, 'CommitFailedException', 'Requirement failed: view UUID does not match');
  expectError(
    await request('POST', '/v1/namespaces/ns/views/rep', { requirements: [{ type: 'assert-table-uuid', uuid }], updates: [] }),
    400, 'IllegalArgumentException',
  );
  assert.equal((await request('POST', '/v1/namespaces/ns/views/rep', { updates: [{ action: 'do-something' }] })).status, 400);
  expectError(await request('POST', '/v1/namespaces/ns/views/rep', { requirements: [] }), 400, 'BadRequestException', 'Invalid commit');
  assert.equal((await request('POST', '/v1/namespaces/ns/views/rep', { updates: [{ action: 'add-snapshot', snapshot: {} }] })).status, 400);
  // none of the failures moved the pointer
  assert.equal((await request('GET', '/v1/namespaces/ns/views/rep')).body['metadata-location'], res.body['metadata-location']);
  // an update that changes nothing writes nothing
  const noop = await request('POST', '/v1/namespaces/ns/views/rep', { requirements: [{ type: 'assert-view-uuid', uuid }], updates: [] });
  assert.equal(noop.status, 200);
  assert.equal(noop.body['metadata-location'], res.body['metadata-location']);
  expectError(await request('POST', '/v1/namespaces/ns/views/missing', { updates: [] }), 404, 'NoSuchViewException', 'View does not exist: ns.missing');
});

test('two concurrent replaces of version 1 both succeed: the second is retried and becomes version 3', async () => {
  const created = await createView('race');
  const uuid = created.body.metadata['view-uuid'];
  const [a, b] = await Promise.all([
    request('POST', '/v1/namespaces/ns/views/race', replaceBody(uuid, 2, [sql('select a')])),
    request('POST', '/v1/namespaces/ns/views/race', replaceBody(uuid, 2, [sql('select b')])),
  ]);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  const md = (await request('GET', '/v1/namespaces/ns/views/race')).body.metadata;
  assert.equal(md['current-version-id'], 3);
  assert.deepEqual(md.versions.map((v: { 'version-id': number }) => v['version-id']).sort(), [1, 2, 3]);
  const sqls = md.versions.filter((v: { 'version-id': number }) => v['version-id'] > 1).map((v: { representations: { sql: string }[] }) => v.representations[0]!.sql);
  assert.deepEqual(sqls.sort(), ['select a', 'select b'], 'both replaces landed');
  assert.deepEqual(md['version-log'].map((e: { 'version-id': number }) => e['version-id']), [1, 2, 3]);
});

test('replaces prepared against the same head are re-prepared; their unused files are discarded', async () => {
  const created = await createView('retry');
  const uuid = created.body.metadata['view-uuid'];
  const id = { namespace: ['ns'], name: 'retry' };
  // Called directly and in one tick, so the 2nd..4th land in one committer batch prepared against
  // the same head: all but one must be re-prepared (the server-side retry), deterministically.
  const warehouse = server.catalog.warehouse;
  const write = warehouse.write.bind(warehouse);
  let writes = 0;
  warehouse.write = (kind, location, json, value) => {
    writes++;
    return write(kind, location, json, value);
  };
  try {
    const req = { requestId: 'direct', principal: ANONYMOUS, log: silentTelemetry.log, audit: {} };
    const commitView = (i: number) => runOperation(server.catalog, req, views.commitView(id, replaceBody(uuid, 2, [sql(`select ${i}`)])), { idempotencyLifetimeMs: 60_000 });
    const results = await Promise.all([1, 2, 3, 4].map(commitView));
    assert.equal(results.length, 4);
    assert.ok(results.every((r) => r.kind === 'reply'), 'every replace answered');
  } finally {
    warehouse.write = write;
  }
  assert.ok(writes > 4, `some attempts were re-prepared (${writes} writes)`);
  const md = (await request('GET', '/v1/namespaces/ns/views/retry')).body.metadata;
  assert.equal(md['current-version-id'], 5);
  assert.deepEqual(md.versions.map((v: { 'version-id': number }) => v['version-id']).sort(), [1, 2, 3, 4, 5]);
  const texts = md.versions.filter((v: { 'version-id': number }) => v['version-id'] > 1).map((v: { representations: { sql: string }[] }) => v.representations[0]!.sql);
  assert.deepEqual(texts.sort(), ['select 1', 'select 2', 'select 3', 'select 4']);
  // the files of attempts that lost were deleted: one file per landed version
  const dir = filePath(`${md.location}/metadata`);
  assert.equal(readdirSync(dir).length, 5, readdirSync(dir).join(', '));
});

test('replace that loses a dialect is 400 unless replace.drop-dialect.allowed=true', async () => {
  const strict = await createView('dialects', { 'view-version': viewVersion(1, [sql('select 1', 'spark'), sql('select 1', 'trino')]) });
  const lossy = await request('POST', '/v1/namespaces/ns/views/dialects', replaceBody(strict.body.metadata['view-uuid'], 2, [sql('select 2', 'spark')]));
  expectError(lossy, 400, 'IllegalStateException', /Cannot replace view due to loss of view dialects/);
  assert.equal((await request('GET', '/v1/namespaces/ns/views/dialects')).body.metadata['current-version-id'], 1);

  const lenient = await createView('dialects2', {
    'view-version': viewVersion(1, [sql('select 1', 'spark'), sql('select 1', 'trino')]),
    properties: { 'replace.drop-dialect.allowed': 'true' },
  });
  const ok = await request('POST', '/v1/namespaces/ns/views/dialects2', replaceBody(lenient.body.metadata['view-uuid'], 2, [sql('select 2', 'spark')]));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.metadata['current-version-id'], 2);
});

test('version.history.num-entries trims old versions and their version-log entries', async () => {
  const created = await createView('hist', { properties: { 'version.history.num-entries': '2' } });
  const uuid = created.body.metadata['view-uuid'];
  for (const id of [2, 3]) {
    assert.equal((await request('POST', '/v1/namespaces/ns/views/hist', replaceBody(uuid, id))).status, 200);
  }
  const md = (await request('GET', '/v1/namespaces/ns/views/hist')).body.metadata;
  assert.equal(md['current-version-id'], 3);
  assert.deepEqual(md.versions.map((v: { 'version-id': number }) => v['version-id']).sort(), [2, 3]);
  assert.deepEqual(md['version-log'].map((e: { 'version-id': number }) => e['version-id']), [2, 3]);
});

test('drop deletes the metadata file; 404 afterwards', async () => {
  const created = await createView('dropme');
  const file = filePath(created.body['metadata-location']);
  assert.ok(existsSync(file));
  assert.equal((await request('DELETE', '/v1/namespaces/ns/views/dropme')).status, 204);
  assert.equal(existsSync(file), false, 'metadata file deleted');
  expectError(await request('GET', '/v1/namespaces/ns/views/dropme'), 404, 'NoSuchViewException', 'View does not exist: ns.dropme');
  expectError(await request('DELETE', '/v1/namespaces/ns/views/dropme'), 404, 'NoSuchViewException', 'View does not exist: ns.dropme');
  expectError(
    await request('POST', '/v1/namespaces/ns/views/dropme', { updates: [{ action: 'set-properties', updates: { a: 'b' } }] }),
    404, 'NoSuchViewException', 'View does not exist: ns.dropme',
  );
  // a table of the same name is not dropped through the view endpoint
  await createTable('droptable');
  expectError(await request('DELETE', '/v1/namespaces/ns/views/droptable'), 404, 'NoSuchViewException');
  assert.equal((await request('HEAD', '/v1/namespaces/ns/tables/droptable')).status, 204);
});

test('drop keeps the file with gc.enabled=false, and register-view re-registers it', async () => {
  const created = await createView('keep', { properties: { 'gc.enabled': 'false' } });
  const location: string = created.body['metadata-location'];
  assert.equal((await request('DELETE', '/v1/namespaces/ns/views/keep')).status, 204);
  assert.ok(existsSync(filePath(location)), 'gc.enabled=false keeps the metadata file');
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/keep')).status, 404);

  const registered = await request('POST', '/v1/namespaces/other/register-view', { name: 'kept', 'metadata-location': location });
  assert.equal(registered.status, 200, registered.text);
  assert.equal(registered.body['metadata-location'], location);
  assert.deepEqual(registered.body.metadata, created.body.metadata);
  const loaded = await request('GET', '/v1/namespaces/other/views/kept');
  assert.equal(loaded.body['metadata-location'], location);
  // a replace of the registered view continues the file numbering
  const replaced = await request('POST', '/v1/namespaces/other/views/kept', replaceBody(created.body.metadata['view-uuid'], 2));
  assert.equal(replaced.status, 200, replaced.text);
  assert.match(replaced.body['metadata-location'], /\/00001-[0-9a-f-]{36}\.gz\.metadata\.json$/);
});

test('register-view errors: 409 for a view or table with the name, 404 for a missing file or namespace', async () => {
  const created = await createView('regsrc');
  const location: string = created.body['metadata-location'];
  expectError(
    await request('POST', '/v1/namespaces/ns/register-view', { name: 'regsrc', 'metadata-location': location }),
    409, 'AlreadyExistsException', 'View already exists: ns.regsrc',
  );
  await createTable('regtable');
  expectError(
    await request('POST', '/v1/namespaces/ns/register-view', { name: 'regtable', 'metadata-location': location }),
    409, 'AlreadyExistsException', 'Table with same name already exists: ns.regtable',
  );
  const missing = `file://${server.warehouseDir}/nowhere/00000-x.gz.metadata.json`;
  expectError(
    await request('POST', '/v1/namespaces/ns/register-view', { name: 'regmissing', 'metadata-location': missing }),
    404, 'NotFoundException', `Failed to open input stream for file: ${missing}`,
  );
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/regmissing')).status, 404);
  expectError(
    await request('POST', '/v1/namespaces/non-existing/register-view', { name: 'r', 'metadata-location': location }),
    404, 'NoSuchNamespaceException', 'Namespace does not exist: non-existing',
  );
  expectError(await request('POST', '/v1/namespaces/ns/register-view', { name: 'r' }), 400, 'BadRequestException');
});

test('rename across namespaces, and the 404 / 409 messages across tables and views', async () => {
  const created = await createView('viewOne');
  const rename = (from: [string, string], to: [string, string]) =>
    request('POST', '/v1/views/rename', { source: { namespace: [from[0]], name: from[1] }, destination: { namespace: [to[0]], name: to[1] } });

  assert.equal((await rename(['ns', 'viewOne'], ['other', 'moved'])).status, 204);
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/viewOne')).status, 404);
  const moved = await request('GET', '/v1/namespaces/other/views/moved');
  assert.equal(moved.body['metadata-location'], created.body['metadata-location']);
  assert.equal((await rename(['other', 'moved'], ['ns', 'viewOne'])).status, 204);

  await createView('viewTwo');
  await createTable('table');
  expectError(await rename(['ns', 'viewOne'], ['ns', 'viewTwo']), 409, 'AlreadyExistsException', 'Cannot rename ns.viewOne to ns.viewTwo. View already exists');
  expectError(await rename(['ns', 'viewOne'], ['ns', 'table']), 409, 'AlreadyExistsException', 'Cannot rename ns.viewOne to ns.table. Table already exists');
  const tableToView = await request('POST', '/v1/tables/rename', { source: { namespace: ['ns'], name: 'table' }, destination: { namespace: ['ns'], name: 'viewOne' } });
  expectError(tableToView, 409, 'AlreadyExistsException', 'Cannot rename ns.table to ns.viewOne. View already exists');
  expectError(await rename(['ns', 'nope'], ['ns', 'x']), 404, 'NoSuchViewException', 'View does not exist: ns.nope');
  // a table is not renamed through the view endpoint
  expectError(await rename(['ns', 'table'], ['ns', 'x']), 404, 'NoSuchViewException', 'View does not exist: ns.table');
  expectError(await rename(['ns', 'viewOne'], ['non_existing', 'x']), 404, 'NoSuchNamespaceException', 'Namespace does not exist: non_existing');
  // nothing moved
  assert.equal((await request('HEAD', '/v1/namespaces/ns/views/viewOne')).status, 204);
  assert.equal((await request('HEAD', '/v1/namespaces/ns/tables/table')).status, 204);
});

test('Idempotency-Key: a retried create / replace replays the LoadViewResult instead of failing or re-applying', async () => {
  const key = { 'idempotency-key': 'view-create-1' };
  const first = await request('POST', '/v1/namespaces/ns/views', createBody('idem'), key);
  assert.equal(first.status, 200, first.text);
  const again = await request('POST', '/v1/namespaces/ns/views', createBody('idem'), key);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body['metadata-location'], first.body['metadata-location']);
  assert.deepEqual(again.body.metadata, first.body.metadata);
  assert.deepEqual(again.body.config, {});

  const body = replaceBody(first.body.metadata['view-uuid'], 2);
  const replaced = await request('POST', '/v1/namespaces/ns/views/idem', body, { 'idempotency-key': 'view-replace-1' });
  const replay = await request('POST', '/v1/namespaces/ns/views/idem', body, { 'idempotency-key': 'view-replace-1' });
  assert.equal(replay.status, 200, replay.text);
  assert.equal(replay.body['metadata-location'], replaced.body['metadata-location']);
  assert.equal(replay.body.metadata['current-version-id'], 2, 'applied once, not twice');
  assert.equal((await request('GET', '/v1/namespaces/ns/views/idem')).body.metadata.versions.length, 2);
});

test('a namespace holding a view is not empty', async () => {
  await request('POST', '/v1/namespaces', { namespace: ['withview'] });
  await createView('v', {}, 'withview');
  expectError(await request('DELETE', '/v1/namespaces/withview'), 409, 'NamespaceNotEmptyException');
  assert.equal((await request('DELETE', '/v1/namespaces/withview/views/v')).status, 204);
  assert.equal((await request('DELETE', '/v1/namespaces/withview')).status, 204);
});
