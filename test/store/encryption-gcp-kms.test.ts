// The Google Cloud KMS provider through the official SDK (its HTTP/JSON transport) against a
// fake of the Cloud KMS REST API (test/fakes/gcp-kms-fake.ts): credentials from Application
// Default Credentials (GOOGLE_APPLICATION_CREDENTIALS naming a service-account key the fake
// issued), the endpoint from FLOE_ENCRYPTION_GCP_ENDPOINT; a catalog created, reopened and
// rotated; other AAD or another key refused naming the key id; no credentials a start-up
// error; nothing key-like in messages or in the client's debug log (a child process).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { listAll } from '../../src/objectstore/index.js';
import { loadSettings } from '../../src/config/load.js';
import { CatalogStore, GcpKmsProvider, openKeyProvider, parseGcpKmsKeys, scanEncryption, wrapContext } from '../../src/store/index.js';
import { gcpKmsFake, type GcpKmsFake } from '../fakes/gcp-kms-fake.js';
import { assertProviderBindsContext, createNamespace } from './kms-provider-checks.js';

const execFileAsync = promisify(execFile);
const ADC_ENV = ['GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG', 'METADATA_SERVER_DETECTION', 'GOOGLE_SDK_NODE_LOGGING', 'GOOGLE_CLOUD_UNIVERSE_DOMAIN'];
const saved = new Map(ADC_ENV.map((name) => [name, process.env[name]]));
let fake: GcpKmsFake;
let dir: string;
let keyFile: string;

/** Only what the test sets: no gcloud config, no metadata server. */
function adcEnv(values: Record<string, string>): void {
  for (const name of ADC_ENV) delete process.env[name];
  Object.assign(process.env, { CLOUDSDK_CONFIG: join(dir, 'no-gcloud'), METADATA_SERVER_DETECTION: 'none' }, values);
}

before(async () => {
  fake = await gcpKmsFake();
  dir = mkdtempSync(join(tmpdir(), 'floe-gcp-kms-'));
  keyFile = join(dir, 'service-account.json');
  writeFileSync(keyFile, fake.serviceAccountJson, { mode: 0o600 });
});
after(async () => {
  for (const [name, value] of saved) value === undefined ? delete process.env[name] : (process.env[name] = value);
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const ns = createNamespace;
const settingsFor = (keys: string, active: string) =>
  loadSettings({ env: { FLOE_ENCRYPTION_PROVIDER: 'gcp-kms', FLOE_ENCRYPTION_KEYS: keys, FLOE_ENCRYPTION_ACTIVE_KEY: active, FLOE_ENCRYPTION_GCP_ENDPOINT: fake.endpoint } }).encryption;

test('a catalog encrypted with Cloud KMS keys through the SDK: create, reopen, rotate; the wrong key is a start-up error naming it', async () => {
  adcEnv({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
  const k1 = fake.createKey('floe-catalog');
  const k2 = fake.createKey('floe-catalog-2');
  const objects = new MemoryObjectStore('memory://gkms', 'gkms');
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0, encryption: openKeyProvider(settingsFor(`g1:${k1},g2:${k2}`, 'g1'))! });
  await store.commit(ns('gcp_secret_ns_4242'));
  await store.setEncryptionKey('g2');
  await store.commit(ns('after_gcp_rotation'));
  await store.close();
  assert.ok(fake.requests.includes(`POST ${k1}:encrypt`) && fake.requests.includes(`POST ${k2}:encrypt`), fake.requests.join('\n'));
  assert.deepEqual([...fake.callers], ['floe-test@floe-test-project.iam.gserviceaccount.com'], 'credentials came from Application Default Credentials');
  const scan = await scanEncryption(objects);
  assert.equal(scan.plaintext, 0);
  assert.ok(scan.byKey.g1! >= 1 && scan.byKey.g2! >= 1);
  const listed = await listAll(objects, '');
  assert.ok(Array.isArray(listed));
  for (const { key } of listed) {
    const found = await objects.get(key);
    assert.ok(found.kind === 'found' && !found.body.includes('gcp_secret_ns_4242'), `${key} holds the name in plaintext`);
  }

  const again = await CatalogStore.open(objects, { create: false, gcIntervalMs: 0, encryption: openKeyProvider(settingsFor(`g1:${k1},g2:${k2}`, 'g2'))! });
  assert.ok(again.state.hasNamespace(['gcp_secret_ns_4242']) && again.state.hasNamespace(['after_gcp_rotation']));
  await again.close();
  assert.ok(fake.requests.includes(`POST ${k1}:decrypt`) && fake.requests.includes(`POST ${k2}:decrypt`), 'a fresh replica unwrapped through Cloud KMS');

  await assert.rejects(
    CatalogStore.open(objects, { create: false, gcIntervalMs: 0, encryption: openKeyProvider(settingsFor(`g1:${k2},g2:${k2}`, 'g2'))! }),
    (e: Error) => /key 'g1'/.test(e.message) && /does not match/.test(e.message) && !e.message.includes(k2),
  );
});

test('Cloud KMS refuses other AAD and another key: unwrap says no, the store names the key id and the object', async () => {
  adcEnv({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
  const { provider } = openKeyProvider(settingsFor(`x:${fake.createKey('x')},y:${fake.createKey('y')}`, 'x'))!;
  await assertProviderBindsContext(provider, 'gkms');
});

test("the client library's debug log, switched on, prints no request or answer (they hold data keys)", async () => {
  const run = await execFileAsync(process.execPath, ['--import', 'tsx', 'test/store/fixtures/gcp-kms-wrap.ts', fake.endpoint, fake.createKey('logged')], {
    env: { ...process.env, GOOGLE_APPLICATION_CREDENTIALS: keyFile, CLOUDSDK_CONFIG: join(dir, 'no-gcloud'), METADATA_SERVER_DETECTION: 'none', GOOGLE_SDK_NODE_LOGGING: 'kms', NODE_DEBUG: 'kms' },
  });
  const { dataKey, opened } = JSON.parse(run.stdout) as { dataKey: number[]; opened: boolean };
  assert.ok(opened, 'the round trip worked');
  assert.ok(!run.stderr.includes(dataKey.join(',')) && !run.stderr.includes(Buffer.from(dataKey).toString('base64')), 'the data key was logged');
  assert.doesNotMatch(run.stderr, /\[kms\|/);
});

test('no Google Cloud credentials anywhere: a start-up error naming the key id', async () => {
  adcEnv({});
  const config = openKeyProvider(settingsFor(`k:${fake.createKey('nocred')}`, 'k'))!;
  const before = fake.requests.length;
  await assert.rejects(CatalogStore.open(new MemoryObjectStore('memory://gkms-nocred', 'n'), { create: true, gcIntervalMs: 0, encryption: config }), (e: Error) => {
    assert.equal(e.name, 'KeyConfigError');
    assert.match(e.message, /Google Cloud KMS: no Google Cloud credentials to use key 'k'/);
    return true;
  });
  assert.equal(fake.requests.length, before, 'nothing reached Cloud KMS');
});

test('a Cloud KMS error other than a refused ciphertext names the key id and the status, not the request', async () => {
  adcEnv({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
  const provider = new GcpKmsProvider({ keys: new Map([['gone', 'projects/floe-test-project/locations/global/keyRings/floe/cryptoKeys/never-created']]), endpoint: fake.endpoint });
  const dataKey = randomBytes(32);
  await assert.rejects(provider.wrap('gone', dataKey, wrapContext('c', 'gone')), (e: Error) => {
    assert.match(e.message, /encrypt with key 'gone' failed \(NOT_FOUND, HTTP 404\)/);
    assert.ok(!e.message.includes(dataKey.toString('base64')) && !/Bearer|eyJ/.test(e.message), e.message);
    return true;
  });
});

test('Cloud KMS key configuration: names checked, errors name the id', () => {
  assert.deepEqual([...parseGcpKmsKeys('a:projects/p-1/locations/europe-west1/keyRings/floe/cryptoKeys/catalog', 'test').keys()], ['a']);
  assert.throws(() => parseGcpKmsKeys('a:projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1', 'test'), /key 'a' is not a Cloud KMS key name/);
  assert.throws(() => parseGcpKmsKeys('a:https://cloudkms.googleapis.com/v1/projects/p', 'test'), /key 'a'/);
  assert.throws(() => parseGcpKmsKeys('projects/p/locations/l/keyRings/r/cryptoKeys/k', 'test'), /key #1 has no valid id/);
  assert.throws(() => openKeyProvider({ provider: 'gcp-kms' }), /provider is gcp-kms but no keys/);
  const config = openKeyProvider({ provider: 'gcp-kms', keys: 'main:projects/p/locations/global/keyRings/r/cryptoKeys/k' });
  assert.equal(config?.activeKey, 'main');
  assert.equal(config?.provider.name, 'Google Cloud KMS');
  assert.throws(() => loadSettings({ env: { FLOE_ENCRYPTION_PROVIDER: 'gcp-kms', FLOE_ENCRYPTION_GCP_ENDPOINT: 'cloudkms' } }), /gcp_endpoint/);
});
