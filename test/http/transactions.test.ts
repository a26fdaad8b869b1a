import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

let server: TestServer;
before(async () => {
  server = await startServer();
  await server.request('POST', '/v1/namespaces', { namespace: ['tx'] });
});
after(() => server.close());
assertContractAfterAll();

async function create(name: string) {
  const res = await server.request('POST', '/v1/namespaces/tx/tables', { name, schema: SIMPLE_SCHEMA });
  assert.equal(res.status, 200, res.text);
  return res.body as { 'metadata-location': string; metadata: { 'table-uuid': string } };
}

const change = (name: string, uuid: string, props: Record<string, string>) => ({
  identifier: { namespace: ['tx'], name },
  requirements: [{ type: 'assert-table-uuid', uuid }],
  updates: [{ action: 'set-properties', updates: props }],
});

test('a multi-table commit moves every pointer in one log entry', async () => {
  const a = await create('a');
  const b = await create('b');
  const before = server.catalog.store.headSeq;
  const res = await server.request('POST', '/v1/transactions/commit', {
    'table-changes': [change('a', a.metadata['table-uuid'], { x: '1' }), change('b', b.metadata['table-uuid'], { y: '2' })],
  });
  assert.equal(res.status, 204, res.text);
  assert.equal(server.catalog.store.headSeq, before + 1, 'one log entry for both tables');
  assert.equal((await server.request('GET', '/v1/namespaces/tx/tables/a')).body.metadata.properties.x, '1');
  assert.equal((await server.request('GET', '/v1/namespaces/tx/tables/b')).body.metadata.properties.y, '2');
});

test('one failing requirement fails the whole transaction and changes nothing', async () => {
  const c = await create('c');
  const d = await create('d');
  const res = await server.request('POST', '/v1/transactions/commit', {
    'table-changes': [change('c', c.metadata['table-uuid'], { z: '1' }), change('d', '00000000-0000-0000-0000-000000000000', { z: '1' })],
  });
  expectError(res, 409, 'CommitFailedException', 'Requirement failed: UUID does not match');
  assert.equal((await server.request('GET', '/v1/namespaces/tx/tables/c')).body['metadata-location'], c['metadata-location']);
  assert.equal((await server.request('GET', '/v1/namespaces/tx/tables/d')).body['metadata-location'], d['metadata-location']);
  const missing = await server.request('POST', '/v1/transactions/commit', {
    'table-changes': [change('c', c.metadata['table-uuid'], { z: '1' }), change('nope', c.metadata['table-uuid'], {})],
  });
  expectError(missing, 404, 'NoSuchTableException', 'Table does not exist: tx.nope');
  assert.equal((await server.request('GET', '/v1/namespaces/tx/tables/c')).body['metadata-location'], c['metadata-location']);
});

test('malformed transactions are 400', async () => {
  expectError(await server.request('POST', '/v1/transactions/commit', {}), 400, 'BadRequestException');
  expectError(await server.request('POST', '/v1/transactions/commit', { 'table-changes': [{ requirements: [], updates: [] }] }), 400, 'BadRequestException');
  const e = await create('e');
  const dup = change('e', e.metadata['table-uuid'], {});
  expectError(await server.request('POST', '/v1/transactions/commit', { 'table-changes': [dup, dup] }), 400, 'BadRequestException', /more than once/);
});

test('concurrent multi-table commits are all-or-nothing', async () => {
  const names = ['acct0', 'acct1', 'acct2', 'acct3'];
  const uuids = new Map<string, string>();
  for (const n of names) uuids.set(n, (await create(n)).metadata['table-uuid']);
  // 16 concurrent transactions, each marking two tables; every third one carries a failing
  // requirement on its second table and must leave no mark anywhere
  const plans = Array.from({ length: 16 }, (_, i) => ({ i, a: names[i % 4]!, b: names[(i + 1 + (i % 3)) % 4]!, fails: i % 3 === 0 }));
  const results = await Promise.all(
    plans.map((p) =>
      server.request('POST', '/v1/transactions/commit', {
        'table-changes': [
          change(p.a, uuids.get(p.a)!, { [`m${p.i}`]: '1' }),
          change(p.b, p.fails ? '00000000-0000-0000-0000-000000000000' : uuids.get(p.b)!, { [`m${p.i}`]: '1' }),
        ],
      }),
    ),
  );
  const props = new Map<string, Record<string, string>>();
  for (const n of names) props.set(n, (await server.request('GET', `/v1/namespaces/tx/tables/${n}`)).body.metadata.properties);
  for (const [k, p] of plans.entries()) {
    assert.equal(results[k]!.status, p.fails ? 409 : 204, results[k]!.text);
    const marks = [p.a, p.b].map((n) => props.get(n)![`m${p.i}`] === '1');
    assert.deepEqual(marks, p.fails ? [false, false] : [true, true], `transaction ${p.i}`);
  }
});

test('stage-create returns metadata without persisting; assert-create commits it', async () => {
  const staged = await server.request('POST', '/v1/namespaces/tx/tables', { name: 'ctas', schema: SIMPLE_SCHEMA, 'stage-create': true });
  assert.equal(staged.status, 200, staged.text);
  assert.equal(staged.body['metadata-location'], undefined);
  assert.equal((await server.request('HEAD', '/v1/namespaces/tx/tables/ctas')).status, 404, 'nothing persisted');
  const md = staged.body.metadata;
  const updates = [
    { action: 'assign-uuid', uuid: md['table-uuid'] },
    { action: 'upgrade-format-version', 'format-version': 2 },
    { action: 'add-schema', schema: md.schemas[0], 'last-column-id': md['last-column-id'] },
    { action: 'set-current-schema', 'schema-id': -1 },
    { action: 'add-spec', spec: md['partition-specs'][0] },
    { action: 'set-default-spec', 'spec-id': -1 },
    { action: 'add-sort-order', 'sort-order': md['sort-orders'][0] },
    { action: 'set-default-sort-order', 'sort-order-id': -1 },
    { action: 'set-location', location: md.location },
    { action: 'set-properties', updates: md.properties },
  ];
  const created = await server.request('POST', '/v1/namespaces/tx/tables/ctas', { requirements: [{ type: 'assert-create' }], updates });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body.metadata['table-uuid'], md['table-uuid']);
  assert.deepEqual(created.body.metadata['metadata-log'], []);
  assert.match(created.body['metadata-location'], /\/00000-/);
  const again = await server.request('POST', '/v1/namespaces/tx/tables/ctas', { requirements: [{ type: 'assert-create' }], updates });
  expectError(again, 409, 'CommitFailedException', 'Requirement failed: table already exists');
  const mixed = await server.request('POST', '/v1/namespaces/tx/tables/other', { requirements: [{ type: 'assert-create' }, { type: 'assert-table-uuid', uuid: md['table-uuid'] }], updates });
  assert.equal(mixed.status, 400);
});

test('create-by-commit at format versions 1 and 3', async () => {
  for (const version of [1, 3]) {
    const name = `v${version}`;
    const res = await server.request('POST', `/v1/namespaces/tx/tables/${name}`, {
      requirements: [{ type: 'assert-create' }],
      updates: [
        { action: 'assign-uuid', uuid: `0000000${version}-0000-4000-8000-000000000000` },
        { action: 'upgrade-format-version', 'format-version': version },
        { action: 'add-schema', schema: SIMPLE_SCHEMA },
        { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'add-spec', spec: { 'spec-id': 0, fields: [] } },
        { action: 'set-default-spec', 'spec-id': -1 },
        { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } },
        { action: 'set-default-sort-order', 'sort-order-id': -1 },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.metadata['format-version'], version);
  }
});
