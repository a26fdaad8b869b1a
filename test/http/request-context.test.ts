// Every routed request gets one RequestContext: its id is the client's x-request-id when that is
// a sane token, else a new one, and is echoed in the response (errors included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverForFile } from './harness.js';

const server = serverForFile('rc');

test('a valid x-request-id is echoed; a missing or unsafe one is replaced by a generated id', async () => {
  const given = await server.request('GET', '/v1/namespaces/rc', undefined, { 'x-request-id': 'trace-0190d5c0.1' });
  assert.equal(given.status, 200);
  assert.equal(given.headers.get('x-request-id'), 'trace-0190d5c0.1');

  const generated = await server.request('GET', '/v1/namespaces/rc');
  const id = generated.headers.get('x-request-id');
  assert.ok(id && id.length > 0, 'an id is generated');
  const other = await server.request('GET', '/v1/namespaces/rc');
  assert.notEqual(other.headers.get('x-request-id'), id, 'one per request');

  const unsafe = await server.request('GET', '/v1/namespaces/rc', undefined, { 'x-request-id': 'has spaces "and quotes"' });
  assert.notEqual(unsafe.headers.get('x-request-id'), 'has spaces "and quotes"');
  assert.ok(unsafe.headers.get('x-request-id'));
});

test('the id is echoed on errors too', async () => {
  const missing = await server.request('GET', '/v1/namespaces/nope', undefined, { 'x-request-id': 'err-1' });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('x-request-id'), 'err-1');
});
