// A log write that provably did not happen is a definite failure: the commit is answered
// CommitUnavailable (503 + Retry-After) after a short bounded retry, never "commit state
// unknown" after the whole deadline. Only when an earlier attempt may have landed does the
// outcome stay unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMIT_DEFINITE_FAILURE_RETRIES_MAX } from '../../src/config/limits.js';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { unknown, type ObjectStore } from '../../src/objectstore/types.js';
import { CatalogStore, CommitStateUnknown, CommitUnavailable, logKey, type Prepared } from '../../src/store/index.js';

const createNs = (store: CatalogStore, name: string) =>
  store.commit(async (): Promise<Prepared<string>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: {} }], result: name }));

/** Counts log writes; `next` (when set) answers a log write instead of the store. */
function injecting(inner: ObjectStore) {
  const calls = { logWrites: 0 };
  let next: ((key: string, body: Uint8Array) => ReturnType<ObjectStore['putIfAbsent']>) | undefined;
  const objects: ObjectStore = Object.create(inner);
  objects.putIfAbsent = (key, body) => {
    if (!key.startsWith('log/')) return inner.putIfAbsent(key, body);
    calls.logWrites++;
    return next ? next(key, body) : inner.putIfAbsent(key, body);
  };
  return { objects, inner, calls, inject: (fn: typeof next) => (next = fn) };
}

const errno = (code: string) => Object.assign(new Error(`${code}: simulated, open 'log/.floe-tmp-x'`), { code });

test('file://: the log directory cannot be created → CommitUnavailable after a bounded retry, nothing written, then it works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-definite-'));
  try {
    const { objects, calls } = injecting(new FileObjectStore(dir));
    const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0 });
    // as root a read-only mode blocks nothing, so make the path a regular file: mkdir fails
    writeFileSync(join(dir, 'log'), 'in the way');
    await assert.rejects(createNs(store, 'a'), (error: unknown) => {
      assert.ok(error instanceof CommitUnavailable, String(error));
      assert.ok(!(error instanceof CommitStateUnknown));
      assert.equal(error.retryAfterSeconds, 1);
      assert.match(error.message, /commit not applied: writing log\/00000000000000000001\.json failed/);
      return true;
    });
    assert.equal(calls.logWrites, 1 + COMMIT_DEFINITE_FAILURE_RETRIES_MAX, 'a short bounded retry, not the whole deadline');
    assert.equal(store.headSeq, 0);
    assert.equal(store.stats.unknownOutcomes, 0);
    assert.ok(statSync(join(dir, 'log')).isFile(), 'nothing was written');
    assert.deepEqual(readdirSync(dir).sort(), ['catalog.json', 'log']);

    rmSync(join(dir, 'log'));
    assert.equal(await createNs(store, 'a'), 'a', 'works once the directory can be created');
    assert.equal(store.headSeq, 1);
    assert.ok(existsSync(join(dir, logKey(1))));
    await store.close();
    await objects.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a definite failure that will not go away by retrying (EACCES) is answered after one attempt', async () => {
  const { objects, calls, inject } = injecting(new MemoryObjectStore());
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0 });
  inject(async () => unknown(errno('EACCES'), false, true));
  await assert.rejects(createNs(store, 'a'), (error: unknown) => error instanceof CommitUnavailable && /EACCES/.test(error.message));
  assert.equal(calls.logWrites, 1);
  inject(undefined);
  assert.equal(await createNs(store, 'a'), 'a', 'the store did not fail closed');
  await store.close();
});

test('after an ambiguous attempt, a later definite failure does not make the outcome definite', async () => {
  const { objects, inner, calls, inject } = injecting(new MemoryObjectStore());
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0, commitDeadlineMs: 50 });
  // the first attempt times out after the store applied it; every retry is refused before sending
  inject(async (key, body) => {
    if (calls.logWrites === 1) {
      await inner.putIfAbsent(key, body);
      return unknown(errno('ETIMEDOUT'), true);
    }
    return unknown(errno('ECONNREFUSED'), true, true);
  });
  await assert.rejects(createNs(store, 'a'), (error: unknown) => error instanceof CommitStateUnknown);
  assert.ok(calls.logWrites >= 2);
  inject(undefined);
  await store.sync();
  assert.ok(store.state.hasNamespace(['a']), 'it had landed: "unknown" was the truthful answer');
  await store.close();
});

test('a definite failure after another replica moved the head is a lost race, not a corrupt store', async () => {
  const name = `definite-race-${process.pid}`;
  const { objects, inject } = injecting(new MemoryObjectStore('memory://r', name));
  const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0 });
  const other = await CatalogStore.open(new MemoryObjectStore('memory://r', name), { create: true, gcIntervalMs: 0 });
  let refusals = 0;
  inject(async () => {
    // while we back off, the other replica commits and a read of ours catches up to it
    if (refusals++ === 0) {
      await createNs(other, 'theirs');
      await store.sync();
    }
    return unknown(errno('ECONNREFUSED'), true, true);
  });
  const mine = createNs(store, 'mine');
  await assert.rejects(mine, (error: unknown) => error instanceof CommitUnavailable);
  inject(undefined);
  assert.equal(await createNs(store, 'mine'), 'mine', 'the committer still works');
  assert.equal(store.headSeq, 2);
  await Promise.all([store.close(), other.close()]);
});
