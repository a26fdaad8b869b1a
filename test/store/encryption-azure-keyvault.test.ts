// The Azure Key Vault provider through the official SDK against a fake of the Key Vault REST
// API (test/fakes/keyvault-fake.ts): a catalog created, reopened and rotated with vault keys,
// the wrong key refused at start-up by name, and the key URL configuration checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { AzureKeyVaultProvider, CatalogStore, openKeyProvider, parseKeyVaultKeys, scanEncryption, type Prepared } from '../../src/store/index.js';
import { keyVaultFake } from '../fakes/keyvault-fake.js';

test('a catalog encrypted with Key Vault keys: create, reopen, rotate; the wrong key is a start-up error naming it', async () => {
  const fake = keyVaultFake();
  const k1 = fake.createKey('floe-catalog');
  const k2 = fake.createKey('floe-catalog-2');
  const provider = (keys: Record<string, string>) => new AzureKeyVaultProvider({ keys: new Map(Object.entries(keys)), credential: fake.credential, httpClient: fake.httpClient });
  const objects = new MemoryObjectStore('memory://kv', 'kv');
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0, encryption: { provider: provider({ kv1: k1, kv2: k2 }), activeKey: 'kv1' } });
  await store.commit(async (): Promise<Prepared<null>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: ['vaulted_ns_5150'], properties: {} }], result: null }));
  await store.setEncryptionKey('kv2');
  await store.commit(async (): Promise<Prepared<null>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: ['after_rotation'], properties: {} }], result: null }));
  await store.close();
  assert.ok(fake.requests.some((r) => r.endsWith('/wrapkey')) && fake.requests.some((r) => r.startsWith('POST') && r.endsWith('/unwrapkey')));
  const scan = await scanEncryption(objects);
  assert.equal(scan.plaintext, 0);
  assert.ok(scan.byKey.kv1! >= 1 && scan.byKey.kv2! >= 1);

  const again = await CatalogStore.open(objects, { create: false, gcIntervalMs: 0, encryption: { provider: provider({ kv1: k1, kv2: k2 }), activeKey: 'kv2' } });
  assert.ok(again.state.hasNamespace(['vaulted_ns_5150']) && again.state.hasNamespace(['after_rotation']));
  await again.close();

  // kv1 pointing at another vault key: its check value does not open there
  await assert.rejects(
    CatalogStore.open(objects, { create: false, gcIntervalMs: 0, encryption: { provider: provider({ kv1: k2, kv2: k2 }), activeKey: 'kv2' } }),
    (e: Error) => /key 'kv1'/.test(e.message) && /does not match/.test(e.message),
  );
});

test('Key Vault key configuration: URLs checked, errors name the id', () => {
  assert.deepEqual([...parseKeyVaultKeys('a:https://v1.vault.azure.net/keys/floe', 'test').keys()], ['a']);
  assert.throws(() => parseKeyVaultKeys('a:http://v1.vault.azure.net/keys/floe', 'test'), /key 'a' is not a Key Vault key URL/);
  assert.throws(() => parseKeyVaultKeys('a:https://evil.example.com/keys/floe', 'test'), /key 'a'/);
  const config = openKeyProvider({ provider: 'azure-keyvault', keys: 'main:https://v1.vault.azure.net/keys/floe/0123456789abcdef0123456789abcdef' });
  assert.equal(config?.activeKey, 'main');
  assert.equal(config?.provider.name, 'Azure Key Vault');
});
