// LOG_ENTRY_BYTES_MAX is enforced (issue 9 item 4): a transaction whose entry would be larger is
// refused before anything is written, and txns of one batch that do not fit beside each other
// go into the next entry instead of making one oversized entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_ENTRY_BYTES_MAX } from '../../src/config/limits.js';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { CatalogStore, EntryTooLarge, logKey, type Prepared } from '../../src/store/index.js';

let rootCounter = 0;
const freshRoot = () => new MemoryObjectStore('memory://t', `entry-size-test-${process.pid}-${++rootCounter}`);

function createNs(store: CatalogStore, name: string, valueBytes: number) {
  return store.commit(async (): Promise<Prepared<string>> => ({
    kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: { big: 'x'.repeat(valueBytes) } }], result: name,
  }));
}

test('a txn larger than a log entry is refused and nothing is written', async () => {
  const objects = freshRoot();
  const store = await CatalogStore.open(objects, { create: true });
  await assert.rejects(createNs(store, 'huge', LOG_ENTRY_BYTES_MAX), (error: unknown) => {
    assert.ok(error instanceof EntryTooLarge, String(error));
    assert.match(error.message, /^Commit too large: its log entry would have \d+ bytes/);
    return true;
  });
  assert.equal(store.headSeq, 0);
  assert.equal((await objects.get(logKey(1))).kind, 'notFound', 'no entry written');
  assert.equal(store.state.hasNamespace(['huge']), false);
  // the store goes on committing
  assert.equal(await createNs(store, 'small', 10), 'small');
  assert.equal(store.headSeq, 1);
  await store.close();
});

test('txns that fit alone but not together are split over several entries', async () => {
  const objects = freshRoot();
  const store = await CatalogStore.open(objects, { create: true });
  const third = Math.floor(LOG_ENTRY_BYTES_MAX / 3);
  const names = await Promise.all(['a', 'b', 'c', 'd'].map((n) => createNs(store, n, third)));
  assert.deepEqual(names, ['a', 'b', 'c', 'd']);
  assert.ok(store.headSeq >= 2, `split into several entries (head ${store.headSeq})`);
  for (let seq = 1; seq <= store.headSeq; seq++) {
    const entry = await objects.get(logKey(seq));
    assert.equal(entry.kind, 'found');
    if (entry.kind === 'found') assert.ok(entry.body.length <= LOG_ENTRY_BYTES_MAX, `entry ${seq}: ${entry.body.length} bytes`);
  }
  await store.close();
});
