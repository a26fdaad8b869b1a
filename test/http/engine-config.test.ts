// What engines are told about the storage (issue 14, item 1): create, load, register and
// replayed answers carry the endpoint, region and path-style flag under the names the Java,
// Python and Rust FileIOs read, /v1/config carries them as defaults, a file:// catalog says
// nothing, and no answer ever contains a credential Floe holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertContractAfterAll, SIMPLE_SCHEMA, startServer, type Response, type TestServer } from './harness.js';

const ACCESS_KEY = 'AKIDENGINECONFIGTEST';
const SECRET = 'engine-config-secret/K7MDENG+bPxRfiCYEXAMPLEKEY';
const CREDS: Record<string, string | undefined> = { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: undefined };
const ENV = {
  ...(CREDS as Record<string, string>),
  FLOE_ALLOWED_LOCATIONS: 's3://bkt/wh',
  FLOE_AWS_ENDPOINT: 'http://minio.local:9000',
  FLOE_AWS_REGION: 'eu-central-1',
};
delete (ENV as Record<string, string | undefined>).AWS_SESSION_TOKEN;

const S3_CONFIG = {
  's3.endpoint': 'http://minio.local:9000',
  's3.path-style-access': 'true',
  's3.force-virtual-addressing': 'false',
  'client.region': 'eu-central-1',
  's3.region': 'eu-central-1',
};

const saved: Record<string, string | undefined> = {};
const metaDir = mkdtempSync(join(tmpdir(), 'floe-engine-config-'));
const answers: Response[] = [];
let server: TestServer;

/** Every answer is kept, so the last test can look for credentials in all of them. */
async function request(target: TestServer, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response> {
  const response = await target.request(method, path, body, headers);
  answers.push(response);
  return response;
}

function s3Table(name: string, extra: Record<string, unknown> = {}) {
  return {
    name, schema: SIMPLE_SCHEMA, location: `s3://bkt/wh/db/${name}`,
    // metadata files stay local: there is no S3 here, only the settings that describe one
    properties: { 'write.metadata.path': `file://${metaDir}/${name}-meta` },
    ...extra,
  };
}

before(async () => {
  // the SDK's own variables are where Floe's S3 client would find the keys
  for (const [k, v] of Object.entries(CREDS)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  server = await startServer({ warehouse: `file://${metaDir}`, env: ENV });
  assert.equal((await request(server, 'POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
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

test('/v1/config hands out the S3 endpoint, region and path style as defaults', async () => {
  const res = await request(server, 'GET', '/v1/config');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.defaults, S3_CONFIG);
  // not an override: an engine's own endpoint (another name for the same store) must still win
  assert.equal(res.body.overrides['s3.endpoint'], undefined);
});

test('create, load (all and refs) and commit answers carry the S3 config', async () => {
  const created = await request(server, 'POST', '/v1/namespaces/db/tables', s3Table('t1'));
  assert.equal(created.status, 200, created.text);
  assert.deepEqual(created.body.config, S3_CONFIG);
  for (const query of ['', '?snapshots=all', '?snapshots=refs']) {
    const loaded = await request(server, 'GET', `/v1/namespaces/db/tables/t1${query}`);
    assert.equal(loaded.status, 200, loaded.text);
    assert.deepEqual(loaded.body.config, S3_CONFIG, query);
  }
  const committed = await request(server, 'POST', '/v1/namespaces/db/tables/t1', {
    requirements: [], updates: [{ action: 'set-properties', updates: { owner: 'engines' } }],
  });
  assert.equal(committed.status, 200, committed.text);
  const reloaded = await request(server, 'GET', '/v1/namespaces/db/tables/t1');
  assert.equal(reloaded.body.metadata.properties.owner, 'engines');
  assert.deepEqual(reloaded.body.config, S3_CONFIG);
});

test('a staged create carries the S3 config', async () => {
  const staged = await request(server, 'POST', '/v1/namespaces/db/tables', s3Table('staged', { 'stage-create': true }));
  assert.equal(staged.status, 200, staged.text);
  assert.deepEqual(staged.body.config, S3_CONFIG);
});

test('register carries the S3 config', async () => {
  const created = await request(server, 'POST', '/v1/namespaces/db/tables', s3Table('t2'));
  assert.equal(created.status, 200, created.text);
  const file = created.body['metadata-location'] as string;
  assert.equal((await request(server, 'POST', '/v1/namespaces/db/tables/t2/unregister')).status, 200);
  const registered = await request(server, 'POST', '/v1/namespaces/db/register', { name: 't2r', 'metadata-location': file });
  assert.equal(registered.status, 200, registered.text);
  assert.deepEqual(registered.body.config, S3_CONFIG);
});

test('an Idempotency-Key replay of a create carries the S3 config', async () => {
  const headers = { 'idempotency-key': 'engine-config-create-1' };
  const first = await request(server, 'POST', '/v1/namespaces/db/tables', s3Table('t3'), headers);
  assert.equal(first.status, 200, first.text);
  const replay = await request(server, 'POST', '/v1/namespaces/db/tables', s3Table('t3'), headers);
  assert.equal(replay.status, 200, replay.text);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(replay.body.config, S3_CONFIG);
});

test('an s3:// warehouse: /v1/config and a staged create carry the S3 config', async () => {
  const s3 = await startServer({ warehouse: 's3://bkt2/warehouse', env: { ...ENV, FLOE_ALLOWED_LOCATIONS: '' } });
  try {
    const config = await request(s3, 'GET', '/v1/config');
    assert.deepEqual(config.body.defaults, S3_CONFIG);
    assert.equal((await request(s3, 'POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
    const staged = await request(s3, 'POST', '/v1/namespaces/db/tables', { name: 's', schema: SIMPLE_SCHEMA, 'stage-create': true });
    assert.equal(staged.status, 200, staged.text);
    assert.match(staged.body.metadata.location, /^s3:\/\/bkt2\/warehouse\/db\/s-/);
    assert.deepEqual(staged.body.config, S3_CONFIG);
  } finally {
    await s3.close();
  }
});

test('engine_endpoint: engines are told the name they reach the store at, not the one Floe uses', async () => {
  const env = { ...ENV, FLOE_ALLOWED_LOCATIONS: '', FLOE_AWS_ENDPOINT: 'http://minio:9000', FLOE_ENGINE_ENDPOINT: 'http://127.0.0.1:9000' };
  const s3 = await startServer({ warehouse: 's3://bkt3/warehouse', env });
  try {
    const config = await request(s3, 'GET', '/v1/config');
    assert.deepEqual(config.body.defaults, { ...S3_CONFIG, 's3.endpoint': 'http://127.0.0.1:9000' });
    assert.equal((await request(s3, 'POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
    const staged = await request(s3, 'POST', '/v1/namespaces/db/tables', { name: 's', schema: SIMPLE_SCHEMA, 'stage-create': true });
    assert.equal(staged.body.config['s3.endpoint'], 'http://127.0.0.1:9000');
  } finally {
    await s3.close();
  }
});

test('a gs:// warehouse with an emulator endpoint: gcs.service.host and gcs.no-auth', async () => {
  const gcs = await startServer({ warehouse: 'gs://bkt/warehouse', env: { ...ENV, FLOE_ALLOWED_LOCATIONS: '', FLOE_GCS_ENDPOINT: 'http://127.0.0.1:4443' } });
  try {
    const config = await request(gcs, 'GET', '/v1/config');
    // the S3 settings say nothing about a GCS warehouse
    assert.deepEqual(config.body.defaults, { 'gcs.service.host': 'http://127.0.0.1:4443', 'gcs.no-auth': 'true' });
  } finally {
    await gcs.close();
  }
});

test('an az:// warehouse: the account name', async () => {
  const az = await startServer({ warehouse: 'az://container/warehouse', env: { ...ENV, FLOE_ALLOWED_LOCATIONS: '', FLOE_AZURE_STORAGE_ACCOUNT: 'floeacct' } });
  try {
    const config = await request(az, 'GET', '/v1/config');
    assert.deepEqual(config.body.defaults, { 'adls.account-name': 'floeacct' });
  } finally {
    await az.close();
  }
});

test('a file:// catalog tells engines nothing, whatever the S3 settings say', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-engine-config-file-'));
  const local = await startServer({ warehouse: `file://${dir}`, env: { ...ENV, FLOE_ALLOWED_LOCATIONS: '' } });
  try {
    assert.deepEqual((await request(local, 'GET', '/v1/config')).body.defaults, {});
    assert.equal((await request(local, 'POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
    const created = await request(local, 'POST', '/v1/namespaces/db/tables', { name: 'f', schema: SIMPLE_SCHEMA });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.body.config, {});
    assert.deepEqual((await request(local, 'GET', '/v1/namespaces/db/tables/f')).body.config, {});
  } finally {
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no answer contains a credential', () => {
  assert.ok(answers.length > 20, `only ${answers.length} answers were checked`);
  for (const answer of answers) {
    assert.ok(!answer.text.includes(SECRET), `the secret key in ${answer.text.slice(0, 200)}`);
    assert.ok(!answer.text.includes(ACCESS_KEY), `the access key id in ${answer.text.slice(0, 200)}`);
    assert.ok(!answer.headers.get('etag')?.includes(SECRET));
  }
});
