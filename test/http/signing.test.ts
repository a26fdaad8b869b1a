// Remote signing cannot be steered (issue 9): the host and path signed are exactly the ones
// checked. Each request below produced a valid SigV4 signature outside the table before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

const CREDS: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: undefined,
};
const saved: Record<string, string | undefined> = {};
const metaDir = mkdtempSync(join(tmpdir(), 'floe-sign-'));
let server: TestServer;

before(async () => {
  for (const [k, v] of Object.entries(CREDS)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  server = await startServer({
    warehouse: `file://${metaDir}`,
    env: { FLOE_ALLOWED_LOCATIONS: 's3://bkt/wh', FLOE_AWS_ENDPOINT: 'http://minio.local:9000' },
  });
  assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
  const created = await server.request('POST', '/v1/namespaces/db/tables', {
    name: 'tbl', schema: SIMPLE_SCHEMA, location: 's3://bkt/wh/db/tbl', properties: { 'write.metadata.path': `file://${metaDir}/tbl-meta` },
  });
  assert.equal(created.status, 200, created.text);
});
after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await server.close();
  rmSync(metaDir, { recursive: true, force: true });
});
assertContractAfterAll();

const sign = (uri: string, method = 'GET', headers: Record<string, string[]> = {}) =>
  server.request('POST', '/v1/namespaces/db/tables/tbl/sign', { region: 'us-east-1', uri, method, headers });

test('requests inside the table on its endpoints are signed, for the host in the uri', async () => {
  for (const uri of [
    'https://bkt.s3.amazonaws.com/wh/db/tbl/data/f.parquet',
    'https://s3.us-east-1.amazonaws.com/bkt/wh/db/tbl/data/f.parquet',
    'http://minio.local:9000/bkt/wh/db/tbl/data/f.parquet',
    'http://bkt.minio.local:9000/wh/db/tbl/data/f.parquet',
  ]) {
    const res = await sign(uri, 'DELETE');
    assert.equal(res.status, 200, `${uri}: ${res.text}`);
    assert.deepEqual(res.body.headers.host, [new URL(uri).host]);
    assert.match(res.body.headers.authorization[0], /SignedHeaders=[^,]*host/);
  }
});

test('a uri the URL parser would rewrite is refused: backslashes, dot and encoded-dot segments, empty segments', async () => {
  for (const uri of [
    'https://bkt.s3.amazonaws.com/wh/db/tbl/..\\..\\other/f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl\\..\\other/f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl/%2e%2e/%2e%2e/other/f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl/.%2E/other/f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl/%2E./other/f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl/%2e%2e%2fother/f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl/../other/f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl/./f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl//f',
    'https://bkt.s3.amazonaws.com/wh/db/tbl/a b',
    'http://minio.local:9000/bkt/wh/db/tbl/..\\..\\..\\other-bkt/f',
  ]) {
    expectError(await sign(uri, 'DELETE'), 403, 'ForbiddenException');
  }
});

test('a client host header is never signed: the host is the checked one', async () => {
  const uri = 'https://bkt.s3.amazonaws.com/wh/db/tbl/data/f.parquet';
  for (const name of ['host', 'Host', 'HOST']) {
    const res = await sign(uri, 'DELETE', { [name]: ['other-bkt.s3.amazonaws.com'] });
    assert.equal(res.status, 200, res.text);
    const hosts = Object.entries(res.body.headers as Record<string, string[]>).filter(([k]) => k.toLowerCase() === 'host');
    assert.deepEqual(hosts, [['host', ['bkt.s3.amazonaws.com']]], `signed for ${JSON.stringify(hosts)}`);
  }
});

test('hosts other than the configured endpoint and AWS S3 are refused', async () => {
  for (const uri of [
    'https://bkt.attacker.example/wh/db/tbl/f',
    'https://attacker.example/bkt/wh/db/tbl/f',
    'https://bkt.s3.amazonaws.com.attacker.example/wh/db/tbl/f',
    'http://bkt.s3.amazonaws.com/wh/db/tbl/f',
    'https://bkt.s3.amazonaws.com:8443/wh/db/tbl/f',
    'http://minio.local:9001/bkt/wh/db/tbl/f',
    'https://minio.local:9000/bkt/wh/db/tbl/f',
    'http://evil.local:9000/bkt/wh/db/tbl/f',
    'http://bkt.evil.local:9000/wh/db/tbl/f',
    'https://user:pw@bkt.s3.amazonaws.com/wh/db/tbl/f',
    'https://other.s3.amazonaws.com/wh/db/tbl/f',
  ]) {
    expectError(await sign(uri, 'DELETE'), 403, 'ForbiddenException');
  }
});

test('bucket-level requests are confined too', async () => {
  assert.equal((await sign('https://bkt.s3.amazonaws.com/?list-type=2&prefix=wh/db/tbl/data/')).status, 200);
  expectError(await sign('https://bkt.s3.amazonaws.com/?list-type=2&prefix=wh/db/tbl/../other/'), 403, 'ForbiddenException');
  const body = (key: string) => `<Delete><Object><Key>${key}</Key></Object></Delete>`;
  const del = (key: string) =>
    server.request('POST', '/v1/namespaces/db/tables/tbl/sign', { region: 'us-east-1', uri: 'https://bkt.s3.amazonaws.com/?delete', method: 'POST', headers: {}, body: body(key) });
  assert.equal((await del('wh/db/tbl/data/a')).status, 200);
  expectError(await del('wh/db/tbl/../other/a'), 403, 'ForbiddenException');
  expectError(await del('wh/db/tbl//a'), 403, 'ForbiddenException');
});

test('a copy is signed only from a source inside the table', async () => {
  const uri = 'https://bkt.s3.amazonaws.com/wh/db/tbl/data/copy.parquet';
  assert.equal((await sign(uri, 'PUT', { 'x-amz-copy-source': ['bkt/wh/db/tbl/data/f.parquet'] })).status, 200);
  for (const source of ['other/wh/db/tbl/f', 'bkt/wh/db/other/f', '/bkt/wh/db/tbl/../other/f', 'bkt/wh/db/tbl/%2E%2E/other/f', 'bkt']) {
    expectError(await sign(uri, 'PUT', { 'X-Amz-Copy-Source': [source] }), 403, 'ForbiddenException');
  }
});
