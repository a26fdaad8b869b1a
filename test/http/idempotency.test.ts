import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
assertContractAfterAll();

const key = (n: number) => `0190d5c0-0000-7000-8000-${String(n).padStart(12, '0')}`;

test('config advertises idempotency-key-lifetime', async () => {
  assert.equal((await server.request('GET', '/v1/config')).body['idempotency-key-lifetime'], 'PT30M');
});

test('a retried create gets the same answer and applies once', async () => {
  const headers = { 'idempotency-key': key(1) };
  const first = await server.request('POST', '/v1/namespaces', { namespace: ['idem'] }, headers);
  assert.equal(first.status, 200);
  const seq = server.catalog.store.headSeq;
  const again = await server.request('POST', '/v1/namespaces', { namespace: ['idem'] }, headers);
  assert.equal(again.status, 200, 'replayed 200, not 409');
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(server.catalog.store.headSeq, seq, 'nothing applied twice');
  // without the key the duplicate is a 409
  expectError(await server.request('POST', '/v1/namespaces', { namespace: ['idem'] }), 409, 'AlreadyExistsException');
});

test('a deterministic 4xx is recorded and replayed; the same key on another request is 400', async () => {
  const headers = { 'idempotency-key': key(2) };
  expectError(await server.request('DELETE', '/v1/namespaces/ghost', undefined, headers), 404, 'NoSuchNamespaceException');
  await server.request('POST', '/v1/namespaces', { namespace: ['ghost'] });
  // the namespace exists now, but the retry still gets the recorded 404
  expectError(await server.request('DELETE', '/v1/namespaces/ghost', undefined, headers), 404, 'NoSuchNamespaceException');
  assert.equal((await server.request('HEAD', '/v1/namespaces/ghost')).status, 204);
  expectError(await server.request('POST', '/v1/namespaces', { namespace: ['other'] }, headers), 400, 'BadRequestException', /already used for a different request/);
});

test('table commits replay the committed metadata', async () => {
  await server.request('POST', '/v1/namespaces', { namespace: ['it'] });
  const created = await server.request('POST', '/v1/namespaces/it/tables', { name: 't', schema: SIMPLE_SCHEMA }, { 'idempotency-key': key(3) });
  const replayed = await server.request('POST', '/v1/namespaces/it/tables', { name: 't', schema: SIMPLE_SCHEMA }, { 'idempotency-key': key(3) });
  assert.equal(replayed.status, 200);
  assert.equal(replayed.body['metadata-location'], created.body['metadata-location']);
  const body = { requirements: [], updates: [{ action: 'set-properties', updates: { a: '1' } }] };
  const headers = { 'idempotency-key': key(4) };
  const [c1, c2] = await Promise.all([
    server.request('POST', '/v1/namespaces/it/tables/t', body, headers),
    server.request('POST', '/v1/namespaces/it/tables/t', body, headers),
  ]);
  assert.equal(c1.status, 200);
  assert.equal(c2.status, 200);
  assert.equal(c1.body['metadata-location'], c2.body['metadata-location'], 'concurrent duplicates wait for the first');
  const loaded = await server.request('GET', '/v1/namespaces/it/tables/t');
  assert.equal(loaded.body.metadata['metadata-log'].length, 1, 'applied once');
});

test('invalid keys are refused', async () => {
  expectError(await server.request('POST', '/v1/namespaces', { namespace: ['x'] }, { 'idempotency-key': 'bad key with spaces' }), 400, 'BadRequestException');
});

test('replay survives a restart (the record is in the log)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-idem-'));
  const first = await startServer({ storage: `file://${dir}` });
  const headers = { 'idempotency-key': key(5) };
  assert.equal((await first.request('POST', '/v1/namespaces', { namespace: ['durable'] }, headers)).status, 200);
  await first.close();
  const second = await startServer({ storage: `file://${dir}` });
  const again = await second.request('POST', '/v1/namespaces', { namespace: ['durable'] }, headers);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  await second.close();
});
