// A hole in log/ (an entry deleted or lost by hand, entries present beyond it) must stop a
// replica at open, naming the seq and the object, before it can acknowledge anything: probing
// alone stops at the hole, and a replica serving from there wrote a new entry into the hole
// and then failed on the next one. Holes GC makes below the oldest kept checkpoint are normal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import type { ObjectStore } from '../../src/objectstore/types.js';
import { CatalogStore, CorruptStore, collectGarbage, logKey, type Prepared } from '../../src/store/index.js';
import { readSnapshot } from '../../src/store/backup/index.js';

const createNs = (store: CatalogStore, name: string) =>
  store.commit(async (): Promise<Prepared<string>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: {} }], result: name }));

const open = (objects: ObjectStore) => CatalogStore.open(objects, { create: true, gcIntervalMs: 0, checkpointInterval: 100_000 });

async function nineEntries(objects: ObjectStore): Promise<void> {
  const writer = await open(objects);
  for (let i = 1; i <= 9; i++) await createNs(writer, `n${i}`);
  await writer.close();
}

function assertNamesTheHole(error: unknown, where: string): true {
  assert.ok(error instanceof CorruptStore, String(error));
  assert.match(error.message, /hole at seq 4\b/);
  assert.ok(error.message.includes(`${where}/${logKey(4)}`), error.message);
  assert.ok(error.message.includes(logKey(5)), 'names the entry found beyond it');
  return true;
}

test('file://: entry 4 deleted with 5..9 present refuses to open, names seq and path, writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-hole-'));
  try {
    const first = new FileObjectStore(dir);
    await nineEntries(first);
    await first.close();
    rmSync(join(dir, logKey(4)));
    const objects = new FileObjectStore(dir);
    await assert.rejects(open(objects), (error) => assertNamesTheHole(error, `file://${dir}`));
    // every later attempt refuses the same way (status opens read-only): nothing can be acknowledged
    await assert.rejects(CatalogStore.open(objects, { create: false }), (error) => assertNamesTheHole(error, `file://${dir}`));
    await objects.close();
    assert.equal(existsSync(join(dir, logKey(4))), false, 'nothing was written into the hole');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('memory: the same hole refuses to open; the last entry missing is no hole', async () => {
  const objects = new MemoryObjectStore('memory://hole');
  await nineEntries(objects);
  await objects.delete(logKey(4));
  await assert.rejects(open(objects), (error) => assertNamesTheHole(error, 'memory://hole'));
  assert.equal((await objects.get(logKey(4))).kind, 'notFound');

  // nothing beyond the missing entry: that is simply the head
  const tail = new MemoryObjectStore('memory://tail');
  await nineEntries(tail);
  await tail.delete(logKey(9));
  const reopened = await open(tail);
  assert.equal(reopened.headSeq, 8);
  await reopened.close();
});

test('a backup of the head refuses the hole instead of leaving out the entries beyond it', async () => {
  const objects = new MemoryObjectStore('memory://backup-hole');
  await nineEntries(objects);
  const whole = await readSnapshot(objects, { kind: 'head' });
  assert.ok(whole.kind === 'snapshot' && whole.snapshot.seq === 9);
  await objects.delete(logKey(4));
  await assert.rejects(readSnapshot(objects, { kind: 'head' }), (error) => assertNamesTheHole(error, 'memory://backup-hole'));
  // a point before the hole is still there to back up
  const before = await readSnapshot(objects, { kind: 'seq', seq: 3 });
  assert.ok(before.kind === 'snapshot' && before.snapshot.seq === 3);
});

test('entries missing below a checkpoint (what GC leaves) are no hole', async () => {
  const objects = new MemoryObjectStore('memory://below');
  const writer = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0, checkpointInterval: 5 });
  for (let i = 1; i <= 9; i++) await createNs(writer, `n${i}`);
  await new Promise((resolve) => setImmediate(resolve)); // the checkpoint is written in the background
  await writer.close();
  assert.equal(writer.lastCheckpoint, 5);
  for (const seq of [1, 3, 4]) await objects.delete(logKey(seq));
  const reopened = await open(objects);
  assert.equal(reopened.headSeq, 9);
  assert.equal(reopened.state.namespaces.size, 9);
  await reopened.close();
});

test('entries another replica commits while we open are no hole', async () => {
  const inner = new MemoryObjectStore('memory://race', 'log-hole-race');
  await nineEntries(inner);
  const other = await open(new MemoryObjectStore('memory://race', 'log-hole-race'));
  // between our probe (404 at 10) and our listing, the other replica commits 10 and 11
  let listings = 0;
  const racing: ObjectStore = Object.create(inner);
  racing.list = async (prefix, options) => {
    if (prefix === 'log/' && listings++ === 0) {
      await createNs(other, 'r1');
      await createNs(other, 'r2');
    }
    return inner.list(prefix, options);
  };
  const store = await open(racing);
  assert.equal(store.headSeq, 11, 'caught up to what the listing showed');
  assert.ok(listings >= 2, 'looked again after catching up');
  await createNs(store, 'mine');
  assert.equal(store.headSeq, 12);
  await Promise.all([store.close(), other.close()]);
});

test('GC passing the head while we open is no hole: jump to the checkpoint', async () => {
  const name = 'log-hole-gc';
  const inner = new MemoryObjectStore('memory://gc', name);
  const writer = await CatalogStore.open(new MemoryObjectStore('memory://gc', name), { create: true, gcIntervalMs: 0, checkpointInterval: 3 });
  for (let i = 1; i <= 4; i++) await createNs(writer, `n${i}`);
  let listings = 0;
  const slow: ObjectStore = Object.create(inner);
  slow.list = async (prefix, options) => {
    if (prefix === 'log/' && listings++ === 0) {
      // we paused after probing: the writer moves on, checkpoints, and GC collects past our head
      for (let i = 5; i <= 10; i++) await createNs(writer, `n${i}`);
      await new Promise((resolve) => setImmediate(resolve));
      const gc = await collectGarbage(inner, { minAgeMs: 0, checkpointsKept: 1 });
      assert.equal(gc.kind, 'collected');
      assert.equal((await inner.get(logKey(5))).kind, 'notFound', 'GC collected the entry after our head');
    }
    return inner.list(prefix, options);
  };
  const store = await CatalogStore.open(slow, { create: true, gcIntervalMs: 0 });
  assert.equal(store.headSeq, 10);
  assert.equal(store.state.namespaces.size, 10);
  await Promise.all([store.close(), writer.close()]);
});
