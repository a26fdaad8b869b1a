// The AWS KMS provider through the official SDK against a fake of the KMS JSON API
// (test/fakes/aws-kms-fake.ts): credentials from the SDK's default chain (the environment),
// the endpoint from AWS_ENDPOINT_URL_KMS or FLOE_ENCRYPTION_AWS_ENDPOINT; a catalog created,
// reopened and rotated; another key or another EncryptionContext refused naming the key id;
// no credentials a start-up error; nothing key-like in the messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { listAll, type ObjectStore } from '../../src/objectstore/index.js';
import { loadSettings } from '../../src/config/load.js';
import { AWS_CONTEXT_KEY, AwsKmsProvider, CatalogStore, openKeyProvider, parseAwsKmsKeys, regionOfArn, scanEncryption, wrapContext } from '../../src/store/index.js';
import { assertProviderBindsContext, createNamespace } from './kms-provider-checks.js';
import { awsKmsFake, type AwsKmsFake } from '../fakes/aws-kms-fake.js';

const CHAIN_ENV = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KMS',
];
const saved = new Map(CHAIN_ENV.map((name) => [name, process.env[name]]));
let fake: AwsKmsFake;

/** Only what the test sets: no profile files, no instance metadata, no other endpoint. */
function chainEnv(values: Record<string, string>): void {
  for (const name of CHAIN_ENV) delete process.env[name];
  Object.assign(process.env, { AWS_CONFIG_FILE: '/nonexistent/floe-test/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/floe-test/credentials', AWS_EC2_METADATA_DISABLED: 'true' }, values);
}

before(async () => {
  fake = await awsKmsFake();
});
after(async () => {
  for (const [name, value] of saved) value === undefined ? delete process.env[name] : (process.env[name] = value);
  await fake.close();
});

async function keysOf(store: ObjectStore): Promise<string[]> {
  const listed = await listAll(store, '');
  assert.ok(Array.isArray(listed));
  return listed.map((o) => o.key);
}

const ns = createNamespace;

test('a catalog encrypted with KMS keys through the SDK: create, reopen, rotate; the wrong key is a start-up error naming it', async () => {
  chainEnv({ AWS_ACCESS_KEY_ID: 'AKIAFLOETESTCHAIN', AWS_SECRET_ACCESS_KEY: 'fake-secret', AWS_ENDPOINT_URL_KMS: fake.endpoint });
  const k1 = fake.createKey();
  const k2 = fake.createAlias('floe-catalog-2', fake.createKey());
  const config = (keys: string, active: string) => openKeyProvider({ provider: 'aws-kms', keys, active_key: active })!;
  const objects = new MemoryObjectStore('memory://kms', 'kms');
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0, encryption: config(`a1:${k1},a2:${k2}`, 'a1') });
  await store.commit(ns('kms_secret_ns_8080'));
  await store.setEncryptionKey('a2');
  await store.commit(ns('after_kms_rotation'));
  await store.close();
  assert.ok(fake.requests.includes(`Encrypt ${k1}`) && fake.requests.includes(`Encrypt ${k2}`), fake.requests.join('\n'));
  assert.deepEqual([...fake.accessKeyIds], ['AKIAFLOETESTCHAIN'], 'credentials came from the default chain');
  const scan = await scanEncryption(objects);
  assert.equal(scan.plaintext, 0);
  assert.ok(scan.byKey.a1! >= 1 && scan.byKey.a2! >= 1);
  for (const key of await keysOf(objects)) {
    const found = await objects.get(key);
    assert.ok(found.kind === 'found' && !found.body.includes('kms_secret_ns_8080'), `${key} holds the name in plaintext`);
  }

  const again = await CatalogStore.open(objects, { create: false, gcIntervalMs: 0, encryption: config(`a1:${k1},a2:${k2}`, 'a2') });
  assert.ok(again.state.hasNamespace(['kms_secret_ns_8080']) && again.state.hasNamespace(['after_kms_rotation']));
  await again.close();
  assert.ok(fake.requests.includes(`Decrypt ${k1}`) && fake.requests.includes(`Decrypt ${k2}`), 'a fresh replica unwrapped through KMS');

  // a1 pointing at another KMS key: KMS refuses (IncorrectKeyException), the store names a1
  await assert.rejects(
    CatalogStore.open(objects, { create: false, gcIntervalMs: 0, encryption: config(`a1:${k2},a2:${k2}`, 'a2') }),
    (e: Error) => /key 'a1'/.test(e.message) && /does not match/.test(e.message) && !e.message.includes(k2),
  );
});

test('KMS refuses another EncryptionContext and another key: unwrap says no, the store names the key id', async () => {
  chainEnv({ AWS_ACCESS_KEY_ID: 'AKIAFLOETESTCHAIN', AWS_SECRET_ACCESS_KEY: 'fake-secret' });
  const k1 = fake.createKey();
  const k2 = fake.createKey();
  // the endpoint from Floe's own setting this time
  const { provider } = openKeyProvider(loadSettings({ env: { FLOE_ENCRYPTION_PROVIDER: 'aws-kms', FLOE_ENCRYPTION_KEYS: `x:${k1},y:${k2}`, FLOE_ENCRYPTION_ACTIVE_KEY: 'x', FLOE_ENCRYPTION_AWS_ENDPOINT: fake.endpoint } }).encryption)!;
  await assertProviderBindsContext(provider, 'kms');
});

test('no AWS credentials anywhere in the chain: a start-up error naming the key id', async () => {
  chainEnv({ AWS_ENDPOINT_URL_KMS: fake.endpoint });
  const config = openKeyProvider({ provider: 'aws-kms', keys: `k:${fake.createKey()}` })!;
  const before = fake.requests.length;
  await assert.rejects(CatalogStore.open(new MemoryObjectStore('memory://kms-nocred', 'n'), { create: true, gcIntervalMs: 0, encryption: config }), (e: Error) => {
    assert.equal(e.name, 'KeyConfigError');
    assert.match(e.message, /AWS KMS: no AWS credentials to use key 'k'/);
    return true;
  });
  assert.equal(fake.requests.length, before, 'nothing reached KMS');
});

test('a KMS error other than a refused ciphertext names the key id and the error, not the request', async () => {
  chainEnv({ AWS_ACCESS_KEY_ID: 'AKIAFLOETESTCHAIN', AWS_SECRET_ACCESS_KEY: 'fake-secret', AWS_ENDPOINT_URL_KMS: fake.endpoint });
  const provider = new AwsKmsProvider({ keys: new Map([['gone', 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000']]) });
  const dataKey = randomBytes(32);
  await assert.rejects(provider.wrap('gone', dataKey, wrapContext('c', 'gone')), (e: Error) => {
    assert.match(e.message, /AWS KMS: Encrypt with key 'gone' failed \(NotFoundException, HTTP 400\)/);
    assert.ok(!e.message.includes(dataKey.toString('base64')) && !/fake-secret|AKIA/.test(e.message), e.message);
    return true;
  });
});

test("a data key made by KMS GenerateDataKey under Floe's EncryptionContext opens through the provider", async () => {
  chainEnv({ AWS_ACCESS_KEY_ID: 'AKIAFLOETESTCHAIN', AWS_SECRET_ACCESS_KEY: 'fake-secret', AWS_ENDPOINT_URL_KMS: fake.endpoint });
  const arn = fake.createKey();
  const { KMSClient, GenerateDataKeyCommand } = await import('@aws-sdk/client-kms');
  const client = new KMSClient({ region: regionOfArn(arn) });
  const context = wrapContext('catalog-g', 'gen');
  const made = await client.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256', EncryptionContext: { [AWS_CONTEXT_KEY]: context.toString('base64') } }));
  client.destroy();
  const provider = new AwsKmsProvider({ keys: new Map([['gen', arn]]) });
  assert.deepEqual(await provider.unwrap('gen', Buffer.from(made.CiphertextBlob!), context), Buffer.from(made.Plaintext!));
  assert.equal(await provider.unwrap('gen', Buffer.from(made.CiphertextBlob!), wrapContext('catalog-h', 'gen')), undefined);
});

test('AWS KMS key configuration: ARNs checked, region from the ARN, errors name the id', () => {
  const keys = parseAwsKmsKeys('a:arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab,b:arn:aws:kms:us-east-2:111122223333:alias/floe', 'test');
  assert.deepEqual([...keys.keys()], ['a', 'b']);
  assert.equal(regionOfArn(keys.get('a')!), 'eu-west-1');
  assert.equal(regionOfArn(keys.get('b')!), 'us-east-2');
  assert.throws(() => parseAwsKmsKeys('a:1234abcd-12ab-34cd-56ef-1234567890ab', 'test'), /key 'a' is not a KMS key or alias ARN/);
  assert.throws(() => parseAwsKmsKeys('a:arn:aws:s3:::bucket', 'test'), /key 'a'/);
  assert.throws(() => parseAwsKmsKeys('arn:aws:kms:eu-west-1:111122223333:key/x', 'test'), /key #1 has no valid id/);
  assert.throws(() => openKeyProvider({ provider: 'aws-kms' }), /provider is aws-kms but no keys/);
  const config = openKeyProvider({ provider: 'aws-kms', keys: 'main:arn:aws:kms:eu-west-1:111122223333:alias/floe' });
  assert.equal(config?.activeKey, 'main');
  assert.ok(config?.provider instanceof AwsKmsProvider);
  assert.throws(() => loadSettings({ env: { FLOE_ENCRYPTION_PROVIDER: 'aws-kms', FLOE_ENCRYPTION_AWS_ENDPOINT: 'not a url' } }), /aws_endpoint/);
});
