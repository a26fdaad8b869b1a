// The causes of 5xx the fuzzer (test/fuzz) found in route and parameter parsing and in the
// Iceberg parsers, each as the smallest request that hit it: every one is now a clear 4xx in the
// Iceberg envelope that changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDENTIFIER_BYTES_MAX, LOCATION_SEGMENT_CHARS_MAX, NAMESPACE_LEVELS_MAX, REQUEST_JSON_DEPTH_MAX, SCHEMA_DEPTH_MAX } from '../../src/config/limits.js';
import { expectError, serverForFile, SIMPLE_SCHEMA } from './harness.js';

const server = serverForFile('db');

test('a repeated query parameter is a 400, not a 500 or a guess', async () => {
  await server.request('POST', '/v1/namespaces', { namespace: ['db', 'a'] });
  await server.request('POST', '/v1/namespaces/db/tables', { name: 'dup', schema: SIMPLE_SCHEMA });
  expectError(await server.request('GET', '/v1/namespaces?parent=db&parent=other'), 400, 'BadRequestException', 'Invalid query parameter parent: given more than once');
  expectError(await server.request('GET', '/v1/namespaces?pageSize=1&pageSize=2'), 400, 'BadRequestException', 'Invalid query parameter pageSize');
  expectError(await server.request('GET', '/v1/namespaces/db/tables?pageToken=a&pageToken=b'), 400, 'BadRequestException', 'Invalid query parameter pageToken');
  expectError(await server.request('GET', '/v1/namespaces/db/views?pageSize=1&pageSize=1'), 400, 'BadRequestException', 'Invalid query parameter pageSize');
  expectError(await server.request('GET', '/v1/namespaces/db/tables/dup?snapshots=refs&snapshots=all'), 400, 'BadRequestException', 'Invalid query parameter snapshots');
  // purgeRequested=true&purgeRequested=false used to read as "not true": a silent plain drop
  expectError(await server.request('DELETE', '/v1/namespaces/db/tables/dup?purgeRequested=true&purgeRequested=false'), 400, 'BadRequestException', 'Invalid query parameter purgeRequested');
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/dup')).status, 204, 'the table is still there');
  const listed = await server.request('GET', '/v1/namespaces?parent=db');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.namespaces, [['db', 'a']]);
});

test('a table metadata file registered as a view (and the reverse) is a 400 and registers nothing', async () => {
  const table = await server.request('POST', '/v1/namespaces/db/tables', { name: 'src_t', schema: SIMPLE_SCHEMA });
  assert.equal(table.status, 200, table.text);
  const view = await server.request('POST', '/v1/namespaces/db/views', {
    name: 'src_v',
    schema: SIMPLE_SCHEMA,
    'view-version': {
      'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, 'default-namespace': ['db'],
      representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }],
    },
    properties: {},
  });
  assert.equal(view.status, 200, view.text);
  // the files were just written, so both are in the server's metadata cache: the cached value of
  // one kind used to be handed to the other kind's reader (a 500 on the register-view, and on
  // every later load of the registered view)
  expectError(
    await server.request('POST', '/v1/namespaces/db/register-view', { name: 'as_view', 'metadata-location': table.body['metadata-location'] }),
    400, 'BadRequestException', /not a valid view metadata file/,
  );
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/views/as_view')).status, 404);
  expectError(
    await server.request('POST', '/v1/namespaces/db/register', { name: 'as_table', 'metadata-location': view.body['metadata-location'] }),
    400, 'BadRequestException', /not a valid table metadata file/,
  );
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/as_table')).status, 404);
  assert.equal((await server.request('GET', '/v1/namespaces/db/tables/src_t')).status, 200);
  assert.equal((await server.request('GET', '/v1/namespaces/db/views/src_v')).status, 200);
});

/** A schema whose types nest `levels` deep (the root struct is level 1), as JSON text. */
function nestedSchema(levels: number): string {
  let type = '"long"';
  for (let i = levels; i > 1; i--) type = `{"type":"struct","fields":[{"id":${i + 1},"name":"n","type":${type},"required":false}]}`;
  return `{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"n","type":${type},"required":false}]}`;
}

test('a schema nested deeper than SCHEMA_DEPTH_MAX is a 400 (it overflowed the stack: a 500)', async () => {
  const viewVersion = '{"version-id":1,"timestamp-ms":1,"schema-id":0,"summary":{},"default-namespace":["db"],"representations":[{"type":"sql","sql":"select 1","dialect":"spark"}]}';
  const schema = nestedSchema(SCHEMA_DEPTH_MAX + 1);
  expectError(
    await server.request('POST', '/v1/namespaces/db/tables', `{"name":"deep","schema":${schema}}`),
    400, 'BadRequestException', new RegExp(`nested more than ${SCHEMA_DEPTH_MAX} levels deep`),
  );
  expectError(
    await server.request('POST', '/v1/namespaces/db/views', `{"name":"deepv","schema":${schema},"view-version":${viewVersion},"properties":{}}`),
    400, 'BadRequestException', new RegExp(`nested more than ${SCHEMA_DEPTH_MAX} levels deep`),
  );
  // far deeper bodies are refused at the door, before anything walks them
  for (const levels of [1500, 5000]) {
    expectError(
      await server.request('POST', '/v1/namespaces/db/tables', `{"name":"deep","schema":${nestedSchema(levels)}}`),
      400, 'BadRequestException', new RegExp(`JSON nested deeper than ${REQUEST_JSON_DEPTH_MAX} levels`),
    );
  }
  for (const body of ['['.repeat(100_000) + ']'.repeat(100_000), '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)]) {
    expectError(await server.request('POST', '/v1/namespaces', body), 400, 'BadRequestException', /JSON nested deeper than/);
  }
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/deep')).status, 404);
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/views/deepv')).status, 404);
  // exactly at the limit is fine, and so is the commit that adds it
  const created = await server.request('POST', '/v1/namespaces/db/tables', `{"name":"deep","schema":${nestedSchema(SCHEMA_DEPTH_MAX)}}`);
  assert.equal(created.status, 200, created.text);
  const tooDeep = await server.request('POST', '/v1/namespaces/db/tables/deep', `{"requirements":[],"updates":[{"action":"add-schema","schema":${nestedSchema(SCHEMA_DEPTH_MAX + 1)}}]}`);
  expectError(tooDeep, 400, 'BadRequestException', new RegExp(`nested more than ${SCHEMA_DEPTH_MAX} levels deep`));
  const views = await server.request('POST', '/v1/namespaces/db/views', `{"name":"deepv","schema":${nestedSchema(SCHEMA_DEPTH_MAX)},"view-version":${viewVersion},"properties":{}}`);
  assert.equal(views.status, 200, views.text);
});

test('an int64 beyond 2^53 where the view parser words an error is a 400 (JSON.stringify threw on the bigint)', async () => {
  const version = '{"version-id":1,"timestamp-ms":1,"schema-id":0,"summary":{},"default-namespace":["db"],"representations":[{"type":"sql","sql":"select 1","dialect":"spark"}]}';
  const badIds = await server.request('POST', '/v1/namespaces/db/views', `{"name":"big","schema":{"type":"struct","fields":[],"identifier-field-ids":[-9223372036854775809]},"view-version":${version},"properties":{}}`);
  expectError(badIds, 400, 'IllegalArgumentException', 'Cannot parse identifier-field-ids from non-integer array: [-9223372036854775809]');
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/views/big')).status, 404);
  const created = await server.request('POST', '/v1/namespaces/db/views', `{"name":"big","schema":{"type":"struct","fields":[]},"view-version":${version},"properties":{}}`);
  assert.equal(created.status, 200, created.text);
  const commit = await server.request('POST', '/v1/namespaces/db/views/big', '{"requirements":[],"updates":[{"action":9223372036854775808}]}');
  expectError(commit, 400, 'IllegalArgumentException', 'Cannot parse metadata update, missing action: {"action":9223372036854775808}');
  const requirement = await server.request('POST', '/v1/namespaces/db/views/big', '{"requirements":[{"type":9223372036854775808}],"updates":[]}');
  expectError(requirement, 400, 'IllegalArgumentException', 'Cannot parse view requirement, unknown type: 9223372036854775808');
});

test('a name of IDENTIFIER_BYTES_MAX bytes gets a location every file system takes (it was a 500)', async () => {
  const warehouse = `file://${server.warehouseDir}`;
  const names = ['x'.repeat(IDENTIFIER_BYTES_MAX), 'é'.repeat(IDENTIFIER_BYTES_MAX / 2), '😀'.repeat(IDENTIFIER_BYTES_MAX / 4)];
  const long = Array.from({ length: NAMESPACE_LEVELS_MAX }, (_, i) => `${i}${'n'.repeat(200)}`);
  for (let depth = 1; depth <= long.length; depth++) {
    const created = await server.request('POST', '/v1/namespaces', { namespace: long.slice(0, depth) });
    assert.equal(created.status, 200, created.text);
  }
  for (const [levels, name] of [...names.map((n) => [['db'], n] as const), [long, names[1]!] as const]) {
    const ns = levels.map(encodeURIComponent).join('%1F');
    const created = await server.request('POST', `/v1/namespaces/${ns}/tables`, { name, schema: SIMPLE_SCHEMA });
    assert.equal(created.status, 200, created.text.slice(0, 300));
    const location: string = created.body.metadata.location;
    assert.ok(location.startsWith(`${warehouse}/`), location);
    const segments = location.slice(warehouse.length + 1).split('/');
    assert.ok(segments.every((s) => s.length <= LOCATION_SEGMENT_CHARS_MAX + 33), location);
    assert.equal(decodeURIComponent(segments.at(-1)!).slice(0, 4), name.slice(0, 4), 'the name is recognisable');
    const loaded = await server.request('GET', `/v1/namespaces/${ns}/tables/${encodeURIComponent(name)}`);
    assert.equal(loaded.status, 200);
    const view = await server.request('POST', `/v1/namespaces/${ns}/views`, {
      name: name.replace(/^./u, "v"),
      schema: SIMPLE_SCHEMA,
      'view-version': { 'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, 'default-namespace': ['db'], representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }] },
      properties: {},
    });
    assert.equal(view.status, 200, view.text.slice(0, 300));
    assert.equal((await server.request('DELETE', `/v1/namespaces/${ns}/tables/${encodeURIComponent(name)}?purgeRequested=true`)).status, 204);
  }
});
