import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertContractAfterAll, expectError, startServer, type TestServer } from './harness.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
assertContractAfterAll();

test('config lists exactly the served endpoints and the separator', async () => {
  const res = await server.request('GET', '/v1/config');
  assert.equal(res.status, 200);
  assert.equal(res.body.overrides['namespace-separator'], '%1F');
  assert.ok(res.body.endpoints.includes('GET /v1/{prefix}/namespaces'));
  assert.ok(res.body.endpoints.includes('HEAD /v1/{prefix}/namespaces/{namespace}'));
  assert.ok(res.body.endpoints.includes('POST /v1/{prefix}/namespaces/{namespace}/tables/{table}'));
  // every advertised endpoint answers something other than 404-no-route / 405
  for (const endpoint of res.body.endpoints as string[]) {
    const [method, path] = endpoint.split(' ');
    const concrete = path!.replace('/{prefix}', '').replace(/\{[^}]+\}/g, 'zz');
    const probe = await fetch(server.url + concrete, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
    assert.notEqual(probe.status, 405, endpoint);
    if (probe.status === 404 && method !== 'HEAD') {
      const body = (await probe.json()) as { error: { message: string } };
      assert.doesNotMatch(body.error.message, /No route/, endpoint);
    }
  }
});

test('create, load, exists, list, drop a namespace', async () => {
  let res = await server.request('POST', '/v1/namespaces', { namespace: ['db'], properties: { owner: 'me' } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { namespace: ['db'], properties: { owner: 'me' } });
  res = await server.request('GET', '/v1/namespaces/db');
  assert.deepEqual(res.body, { namespace: ['db'], properties: { owner: 'me' } });
  assert.equal((await server.request('HEAD', '/v1/namespaces/db')).status, 204);
  assert.equal((await server.request('HEAD', '/v1/namespaces/nope')).status, 404);
  res = await server.request('GET', '/v1/namespaces');
  assert.deepEqual(res.body.namespaces, [['db']]);
  expectError(await server.request('POST', '/v1/namespaces', { namespace: ['db'] }), 409, 'AlreadyExistsException', 'Namespace already exists: db');
  assert.equal((await server.request('DELETE', '/v1/namespaces/db')).status, 204);
  expectError(await server.request('GET', '/v1/namespaces/db'), 404, 'NoSuchNamespaceException', 'Namespace does not exist: db');
  expectError(await server.request('DELETE', '/v1/namespaces/db'), 404, 'NoSuchNamespaceException');
});

test('nested namespaces: parent must exist, list by parent, not-empty drop', async () => {
  expectError(await server.request('POST', '/v1/namespaces', { namespace: ['p', 'c'] }), 400, 'BadRequestException', 'Namespace does not exist: p');
  assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['p'] })).status, 200);
  assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['p', 'c'] })).status, 200);
  assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['p', 'c', 'g'] })).status, 200);
  let res = await server.request('GET', '/v1/namespaces?parent=p');
  assert.deepEqual(res.body.namespaces, [['p', 'c']]);
  res = await server.request('GET', `/v1/namespaces?parent=${encodeURIComponent('p\u001fc')}`);
  assert.deepEqual(res.body.namespaces, [['p', 'c', 'g']]);
  assert.equal((await server.request('GET', '/v1/namespaces/p%1Fc%1Fg')).status, 200);
  expectError(await server.request('GET', '/v1/namespaces?parent=non-existing'), 404, 'NoSuchNamespaceException');
  assert.equal((await server.request('GET', '/v1/namespaces?parent=non-existing')).body.error.message, 'Namespace does not exist: non-existing');
  expectError(await server.request('DELETE', '/v1/namespaces/p'), 409, 'NamespaceNotEmptyException', /is not empty/);
});

test('properties: updated, removed, missing; 422 on overlap; 404 on missing namespace', async () => {
  await server.request('POST', '/v1/namespaces', { namespace: ['props'], properties: { a: '1', b: '2' } });
  const res = await server.request('POST', '/v1/namespaces/props/properties', { updates: { c: '3' }, removals: ['a', 'zz'] });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { updated: ['c'], removed: ['a'], missing: ['zz'] });
  assert.deepEqual((await server.request('GET', '/v1/namespaces/props')).body.properties, { b: '2', c: '3' });
  expectError(await server.request('POST', '/v1/namespaces/props/properties', { updates: { b: 'x' }, removals: ['b'] }), 422, 'UnprocessableEntityException');
  assert.deepEqual((await server.request('GET', '/v1/namespaces/props')).body.properties, { b: '2', c: '3' }, 'a 422 changes nothing');
  expectError(await server.request('POST', '/v1/namespaces/nope/properties', { updates: {} }), 404, 'NoSuchNamespaceException', 'Namespace does not exist: nope');
});

test('bad input is a 400 envelope and changes nothing', async () => {
  expectError(await server.request('POST', '/v1/namespaces', '{not json'), 400, 'BadRequestException');
  expectError(await server.request('POST', '/v1/namespaces', { namespace: 'flat' }), 400, 'BadRequestException');
  expectError(await server.request('POST', '/v1/namespaces', { namespace: ['ok'], properties: { a: 1 } }), 400, 'BadRequestException');
  expectError(await server.request('POST', '/v1/namespaces', { namespace: ['nul\u0000'] }), 400, 'BadRequestException');
  assert.equal((await server.request('HEAD', '/v1/namespaces/ok')).status, 404);
});

test('unknown routes are 404 and wrong methods 405, both with the envelope', async () => {
  const missing = await fetch(server.url + '/v1/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: number } }).error.code, 404);
  const wrong = await fetch(server.url + '/v1/namespaces', { method: 'PUT' });
  assert.equal(wrong.status, 405);
  assert.match(wrong.headers.get('allow') ?? '', /GET/);
  assert.equal(((await wrong.json()) as { error: { code: number } }).error.code, 405);
});

test('an unknown route is 404 whatever its body: the body is never parsed', async () => {
  // what a client configured with `credential=` sends to the (not served) OAuth endpoint
  const form = await fetch(server.url + '/v1/oauth/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=a&client_secret=b&scope=catalog',
  });
  assert.equal(form.status, 404);
  assert.deepEqual(await form.json(), { error: { message: 'No route for POST /v1/oauth/tokens', type: 'NotFoundException', code: 404 } });
  const wrong = await fetch(server.url + '/v1/namespaces', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{not json' });
  assert.equal(wrong.status, 405);
});
