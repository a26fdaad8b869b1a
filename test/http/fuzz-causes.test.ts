// The causes of 5xx the fuzzer (test/fuzz) found in route and parameter parsing and in the
// Iceberg parsers, each as the smallest request that hit it: every one is now a clear 4xx in the
// Iceberg envelope that changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
