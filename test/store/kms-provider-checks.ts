// What every KMS-backed key provider must show against its fake (AWS KMS, Cloud KMS): a data
// key wraps and unwraps under the same catalog and key only, an altered ciphertext is refused,
// and a log entry sealed for another catalog under the same key is refused at open, naming the
// object and the key id and quoting nothing key-like.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { CatalogStore, logKey, wrapContext, type KeyProvider, type Prepared } from '../../src/store/index.js';

export const createNamespace = (name: string) => async (): Promise<Prepared<null>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: {} }], result: null });

export async function assertProviderBindsContext(provider: KeyProvider, label: string): Promise<void> {
  const dataKey = randomBytes(32);
  const wrapped = await provider.wrap('x', dataKey, wrapContext('catalog-a', 'x'));
  assert.ok(!wrapped.includes(dataKey), 'the wrapped key does not contain the data key');
  assert.deepEqual(await provider.unwrap('x', wrapped, wrapContext('catalog-a', 'x')), dataKey);
  assert.equal(await provider.unwrap('x', wrapped, wrapContext('catalog-b', 'x')), undefined, 'another catalog id');
  assert.equal(await provider.unwrap('y', wrapped, wrapContext('catalog-a', 'x')), undefined, 'another key');
  const flipped = Buffer.from(wrapped);
  flipped[flipped.length - 1]! ^= 1;
  assert.equal(await provider.unwrap('x', flipped, wrapContext('catalog-a', 'x')), undefined, 'an altered ciphertext');

  // an entry of another catalog (same key, other catalog id) appended to this one's log
  const encryption = { provider, activeKey: 'x' };
  const objects = new MemoryObjectStore(`memory://${label}-ctx`, `${label}-ctx`);
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0, encryption });
  await store.commit(createNamespace('ours'));
  const head = store.headSeq;
  await store.close();
  const foreign = new MemoryObjectStore(`memory://${label}-foreign`, `${label}-foreign`);
  const theirs = await CatalogStore.open(foreign, { create: true, gcIntervalMs: 0, encryption });
  await theirs.commit(createNamespace('theirs'));
  await theirs.commit(createNamespace('theirs_too'));
  await theirs.close();
  const entry = await foreign.get(logKey(head + 1));
  assert.ok(entry.kind === 'found');
  await objects.put(logKey(head + 1), entry.body);
  await assert.rejects(CatalogStore.open(objects, { create: false, gcIntervalMs: 0, encryption }), (e: Error) => {
    assert.ok(e.message.includes(logKey(head + 1)) && /key 'x'/.test(e.message), e.message);
    assert.ok(!e.message.includes(dataKey.toString('base64')) && !/[A-Za-z0-9+/]{40,}/.test(e.message), e.message);
    return true;
  });
}
