// Named bounds on request contents (issue 9 item 4): property maps, schemas and the lists of a
// commit. Over a bound is a 400 in the Iceberg envelope and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMIT_REQUIREMENTS_MAX, COMMIT_UPDATES_MAX, IDENTIFIER_BYTES_MAX, PROPERTIES_BYTES_MAX, PROPERTIES_COUNT_MAX, PROPERTY_KEY_BYTES_MAX,
  PROPERTY_VALUE_BYTES_MAX, SCHEMA_DEPTH_MAX, SCHEMA_FIELDS_MAX,
} from '../../src/config/limits.js';
import { expectError, serverForFile, SIMPLE_SCHEMA } from './harness.js';

const server = serverForFile('lim');

const manyProperties = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));

/** A struct nested `depth` levels deep (the top-level struct is level 1). */
function nestedSchema(depth: number) {
  let type: unknown = 'long';
  let id = 1;
  for (let level = 1; level < depth; level++) type = { type: 'struct', fields: [{ id: id++, name: `f${level}`, required: false, type }] };
  return { type: 'struct', 'schema-id': 0, fields: [{ id: id++, name: 'top', required: false, type }] };
}

/** A flat struct of `count` fields. */
const wideSchema = (count: number) => ({
  type: 'struct', 'schema-id': 0,
  fields: Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `c${i}`, required: false, type: 'int' })),
});

test('namespace properties: count, key, value and total bytes are bounded', async () => {
  const seq = server.catalog.store.headSeq;
  const cases: Record<string, string>[] = [
    manyProperties(PROPERTIES_COUNT_MAX + 1),
    { ['k'.repeat(PROPERTY_KEY_BYTES_MAX + 1)]: 'v' },
    { k: 'v'.repeat(PROPERTY_VALUE_BYTES_MAX + 1) },
    Object.fromEntries(Array.from({ length: Math.ceil(PROPERTIES_BYTES_MAX / PROPERTY_VALUE_BYTES_MAX) + 1 }, (_, i) => [`k${i}`, 'v'.repeat(PROPERTY_VALUE_BYTES_MAX)])),
  ];
  for (const properties of cases) {
    expectError(await server.request('POST', '/v1/namespaces', { namespace: ['big'], properties }), 400, 'BadRequestException', 'Invalid namespace properties:');
    expectError(await server.request('POST', '/v1/namespaces/lim/properties', { updates: properties }), 400, 'BadRequestException', 'Invalid updates:');
  }
  assert.equal(server.catalog.store.headSeq, seq, 'nothing committed');
  assert.equal((await server.request('HEAD', '/v1/namespaces/big')).status, 404);
});

test('namespace properties cannot grow past the total by many small updates', async () => {
  // four updates of a quarter of the total each just fit; the fifth would go over
  const perUpdate = Math.floor(PROPERTIES_BYTES_MAX / 4 / PROPERTY_VALUE_BYTES_MAX);
  const value = 'v'.repeat(PROPERTY_VALUE_BYTES_MAX - 64);
  const update = (n: number) => Object.fromEntries(Array.from({ length: perUpdate }, (_, i) => [`u${n}_${i}`, value]));
  for (let n = 0; n < 4; n++) assert.equal((await server.request('POST', '/v1/namespaces/lim/properties', { updates: update(n) })).status, 200);
  const seq = server.catalog.store.headSeq;
  expectError(
    await server.request('POST', '/v1/namespaces/lim/properties', { updates: update(4) }),
    400, 'BadRequestException', 'Invalid namespace properties: the result would have',
  );
  assert.equal(server.catalog.store.headSeq, seq, 'nothing committed');
  // shrinking is always allowed
  const removals = [0, 1, 2, 3].flatMap((n) => Object.keys(update(n)));
  assert.equal((await server.request('POST', '/v1/namespaces/lim/properties', { removals })).status, 200);
});

test('table and view properties are bounded on create and on commit', async () => {
  const properties = manyProperties(PROPERTIES_COUNT_MAX + 1);
  expectError(await server.request('POST', '/v1/namespaces/lim/tables', { name: 't_props', schema: SIMPLE_SCHEMA, properties }), 400, 'BadRequestException', 'Invalid table properties:');
  expectError(
    await server.request('POST', '/v1/namespaces/lim/tables', { name: 't_props', schema: SIMPLE_SCHEMA, properties, 'stage-create': true }),
    400, 'BadRequestException', 'Invalid table properties:',
  );
  assert.equal((await server.request('HEAD', '/v1/namespaces/lim/tables/t_props')).status, 404);
  assert.equal((await server.request('POST', '/v1/namespaces/lim/tables', { name: 't_props', schema: SIMPLE_SCHEMA })).status, 200);
  const before = (await server.request('GET', '/v1/namespaces/lim/tables/t_props')).body['metadata-location'];
  expectError(
    await server.request('POST', '/v1/namespaces/lim/tables/t_props', { requirements: [], updates: [{ action: 'set-properties', updates: properties }] }),
    400, 'BadRequestException', 'Invalid set-properties:',
  );
  // many updates each under the bound, together over it
  const half = Math.ceil(PROPERTIES_COUNT_MAX / 2) + 1;
  const updates = [0, 1].map((n) => ({ action: 'set-properties', updates: Object.fromEntries(Array.from({ length: half }, (_, i) => [`p${n}_${i}`, 'v'])) }));
  expectError(await server.request('POST', '/v1/namespaces/lim/tables/t_props', { requirements: [], updates }), 400, 'BadRequestException', 'Invalid table properties: the result would have');
  assert.equal((await server.request('GET', '/v1/namespaces/lim/tables/t_props')).body['metadata-location'], before, 'nothing committed');

  const view = {
    name: 'v_props', schema: SIMPLE_SCHEMA, properties,
    'view-version': { 'version-id': 1, 'timestamp-ms': Date.now(), 'schema-id': 0, summary: {}, 'default-namespace': ['lim'], representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }] },
  };
  expectError(await server.request('POST', '/v1/namespaces/lim/views', view), 400, 'BadRequestException', 'Invalid view properties:');
  const summary = { ...view, properties: {}, 'view-version': { ...view['view-version'], summary: properties } };
  expectError(await server.request('POST', '/v1/namespaces/lim/views', summary), 400, 'BadRequestException', 'Invalid view version summary:');
  assert.equal((await server.request('HEAD', '/v1/namespaces/lim/views/v_props')).status, 404);
});

test('schemas are bounded in depth and field count, on create and in add-schema', async () => {
  const seq = server.catalog.store.headSeq;
  for (const [schema, why] of [[nestedSchema(SCHEMA_DEPTH_MAX + 1), 'nested more than'], [nestedSchema(1000), 'nested deeper than'], [wideSchema(SCHEMA_FIELDS_MAX + 1), 'more than']] as const) {
    const res = await server.request('POST', '/v1/namespaces/lim/tables', { name: 'deep', schema });
    // far deeper bodies are refused before parsing, at the request's JSON depth bound
    expectError(res, 400, 'BadRequestException', /^(Invalid table schema:|Malformed request: JSON nested deeper)/);
    assert.ok(res.body.error.message.includes(why), res.text);
  }
  assert.equal(server.catalog.store.headSeq, seq, 'nothing committed');
  // at the bound it is fine
  assert.equal((await server.request('POST', '/v1/namespaces/lim/tables', { name: 'deep', schema: nestedSchema(SCHEMA_DEPTH_MAX) })).status, 200);
  const before = (await server.request('GET', '/v1/namespaces/lim/tables/deep')).body['metadata-location'];
  expectError(
    await server.request('POST', '/v1/namespaces/lim/tables/deep', { requirements: [], updates: [{ action: 'add-schema', schema: nestedSchema(SCHEMA_DEPTH_MAX + 1) }] }),
    400, 'BadRequestException', 'Invalid add-schema schema: nested more than',
  );
  assert.equal((await server.request('GET', '/v1/namespaces/lim/tables/deep')).body['metadata-location'], before);
});

test('the update and requirement lists of a commit are bounded', async () => {
  assert.equal((await server.request('POST', '/v1/namespaces/lim/tables', { name: 'lists', schema: SIMPLE_SCHEMA })).status, 200);
  const updates = Array.from({ length: COMMIT_UPDATES_MAX + 1 }, (_, i) => ({ action: 'set-properties', updates: { [`k${i % 10}`]: 'v' } }));
  expectError(await server.request('POST', '/v1/namespaces/lim/tables/lists', { requirements: [], updates }), 400, 'BadRequestException', 'Invalid commit:');
  const requirements = Array.from({ length: COMMIT_REQUIREMENTS_MAX + 1 }, () => ({ type: 'assert-create' }));
  expectError(await server.request('POST', '/v1/namespaces/lim/tables/lists', { requirements, updates: [] }), 400, 'BadRequestException', 'Invalid commit:');
  expectError(
    await server.request('POST', '/v1/transactions/commit', { 'table-changes': [{ identifier: { namespace: ['lim'], name: 'lists' }, requirements: [], updates }] }),
    400, 'BadRequestException', 'Invalid commit:',
  );
});

test('names up to IDENTIFIER_BYTES_MAX work, however long their encoded path segment; longer ones are 400', async () => {
  for (const name of ['a'.repeat(IDENTIFIER_BYTES_MAX), 'é'.repeat(IDENTIFIER_BYTES_MAX / 2), '表'.repeat(Math.floor(IDENTIFIER_BYTES_MAX / 3))]) {
    const ns = await server.request('POST', '/v1/namespaces', { namespace: ['lim', name] });
    assert.equal(ns.status, 200, ns.text.slice(0, 300));
    const encodedNs = `lim%1F${encodeURIComponent(name)}`;
    const table = await server.request('POST', `/v1/namespaces/${encodedNs}/tables`, { name, schema: SIMPLE_SCHEMA });
    assert.equal(table.status, 200, table.text.slice(0, 300));
    assert.equal((await server.request('GET', `/v1/namespaces/${encodedNs}/tables/${encodeURIComponent(name)}`)).status, 200);
    const view = await server.request('POST', `/v1/namespaces/${encodedNs}/views`, {
      name: `${name.slice(0, -1)}v`, schema: SIMPLE_SCHEMA, properties: {},
      'view-version': { 'version-id': 1, 'timestamp-ms': Date.now(), 'schema-id': 0, summary: {}, 'default-namespace': ['lim'], representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }] },
    });
    assert.equal(view.status, 200, view.text.slice(0, 300));
  }
  expectError(await server.request('POST', '/v1/namespaces/lim/tables', { name: 'a'.repeat(IDENTIFIER_BYTES_MAX + 1), schema: SIMPLE_SCHEMA }), 400, 'BadRequestException', /longer than/);
});
