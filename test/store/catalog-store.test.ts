import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import type { ObjectStore } from '../../src/objectstore/types.js';
import { CatalogStore, CorruptStore, logKey, type Prepared } from '../../src/store/index.js';

let rootCounter = 0;
const sharedRoot = () => new MemoryObjectStore('memory://t', `store-test-${process.pid}-${++rootCounter}`);
const reopen = (store: MemoryObjectStore) => new MemoryObjectStore('memory://t', (store as unknown as { objects: unknown }) && `store-test-${process.pid}-${rootCounter}`);

function createNs(store: CatalogStore, name: string) {
  return store.commit(async (state): Promise<Prepared<string>> => {
    if (state.hasNamespace([name])) return { kind: 'reject', error: new Error(`exists: ${name}`) };
    return { kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: {} }], result: name };
  });
}

function countingStore(inner: ObjectStore) {
  const counts = { putIfAbsent: 0, get: 0 };
  const wrapped: ObjectStore = Object.create(inner);
  wrapped.putIfAbsent = (k, b) => (counts.putIfAbsent++, inner.putIfAbsent(k, b));
  wrapped.get = (k) => (counts.get++, inner.get(k));
  return { wrapped, counts };
}

test('a commit appends one entry and changes the state', async () => {
  const objects = sharedRoot();
  const store = await CatalogStore.open(objects, { create: true });
  assert.equal(store.headSeq, 0);
  assert.equal(await createNs(store, 'a'), 'a');
  assert.equal(store.headSeq, 1);
  assert.ok(store.state.hasNamespace(['a']));
  const entry = await objects.get(logKey(1));
  assert.equal(entry.kind, 'found');
  await assert.rejects(createNs(store, 'a'), /exists: a/);
  assert.equal(store.headSeq, 1, 'a rejected request writes nothing');
});

test('concurrent requests are group-committed into few entries', async () => {
  const { wrapped, counts } = countingStore(sharedRoot());
  const store = await CatalogStore.open(wrapped, { create: true });
  const before = counts.putIfAbsent;
  await Promise.all(Array.from({ length: 50 }, (_, i) => createNs(store, `ns${i}`)));
  assert.equal(store.state.namespaces.size, 50);
  assert.ok(counts.putIfAbsent - before < 50, `expected batching, got ${counts.putIfAbsent - before} writes`);
});

test('two replicas on one root see each other on the next read and retry lost races', async () => {
  const objects = sharedRoot();
  const a = await CatalogStore.open(objects, { create: true });
  const b = await CatalogStore.open(new MemoryObjectStore('memory://t', `store-test-${process.pid}-${rootCounter}`), { create: true });
  assert.equal(a.identity.catalogId, b.identity.catalogId);
  await createNs(a, 'x');
  await b.sync();
  assert.ok(b.state.hasNamespace(['x']), 'b sees a commit after its read barrier');
  // b is now behind by nothing; make a commit on a, then commit on b without syncing first
  await createNs(a, 'y');
  await createNs(b, 'z');
  await a.sync();
  assert.deepEqual([...a.state.namespaces.keys()].sort(), ['x', 'y', 'z']);
  assert.equal(a.headSeq, 3);
  assert.equal(b.headSeq, 3);
});

test('a losing replica re-prepares against the new head (server-side retry)', async () => {
  const objects = sharedRoot();
  const a = await CatalogStore.open(objects, { create: true });
  const b = await CatalogStore.open(new MemoryObjectStore('memory://t', `store-test-${process.pid}-${rootCounter}`), { create: true });
  let attempts = 0;
  // b prepares while a commits in between: b's first write must lose and be retried
  const slow = b.commit(async (state): Promise<Prepared<number>> => {
    attempts++;
    if (attempts === 1) await createNs(a, 'first');
    return { kind: 'txn', effects: [{ op: 'ns.create', ns: ['second'], properties: {} }], result: state.namespaces.size };
  });
  assert.equal(await slow, 1, 'the retry saw the other replica\'s namespace');
  assert.equal(attempts, 2);
  assert.equal(b.stats.racesLost, 1);
});

test('restart replays the log; checkpoints shorten it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-store-'));
  const store = await CatalogStore.open(new FileObjectStore(dir), { create: true, checkpointInterval: 5 });
  for (let i = 0; i < 12; i++) await createNs(store, `n${i}`);
  await store.idle(); // checkpoints are written in the background
  await store.close();
  const hint = JSON.parse(readFileSync(join(dir, '_last_checkpoint'), 'utf8')) as { seq: number };
  assert.ok(hint.seq >= 5, `hint at ${hint.seq}`);
  const { wrapped, counts } = countingStore(new FileObjectStore(dir));
  const again = await CatalogStore.open(wrapped, { create: true });
  assert.equal(again.headSeq, 12);
  assert.equal(again.state.namespaces.size, 12);
  assert.ok(counts.get < 12, `started from the checkpoint: ${counts.get} gets`);
});

test('a broken chain refuses to open and names the entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-store-'));
  const store = await CatalogStore.open(new FileObjectStore(dir), { create: true });
  await createNs(store, 'a');
  await createNs(store, 'b');
  await store.close();
  const file = join(dir, logKey(2));
  const entry = JSON.parse(readFileSync(file, 'utf8'));
  entry.prev = '0'.repeat(64);
  writeFileSync(file, JSON.stringify(entry));
  await assert.rejects(CatalogStore.open(new FileObjectStore(dir), { create: true }), (error: unknown) => {
    assert.ok(error instanceof CorruptStore);
    assert.match(error.message, /seq 2/);
    assert.match(error.message, /00000000000000000002\.json/);
    return true;
  });
});

test('reads share one probe; bounded reads send none', async () => {
  const { wrapped, counts } = countingStore(sharedRoot());
  const store = await CatalogStore.open(wrapped, { create: true, consistency: 'linearizable' });
  const before = counts.get;
  await Promise.all(Array.from({ length: 20 }, () => store.sync()));
  assert.ok(counts.get - before <= 2, `20 concurrent reads cost ${counts.get - before} GETs`);
  const bounded = await CatalogStore.open(wrapped, { create: true, consistency: 'bounded', maxStalenessMs: 60_000 });
  await bounded.sync();
  const mid = counts.get;
  await Promise.all(Array.from({ length: 20 }, () => bounded.sync()));
  assert.equal(counts.get - mid, 0);
  await bounded.close();
});
void reopen;
