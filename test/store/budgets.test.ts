// Request budgets (STORE.md "What proves it"): an instrumented object store counts every
// request, so a change that adds requests to the hot paths fails here, not on a cloud bill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import type { ObjectStore } from '../../src/objectstore/types.js';
import { CatalogStore, CONSISTENCY_HEADER, parseConsistency, type Prepared } from '../../src/store/index.js';

type Verb = 'get' | 'head' | 'putIfAbsent' | 'putIfMatch' | 'put' | 'list' | 'delete';

class CountingStore {
  readonly calls: { verb: Verb; key: string }[] = [];
  readonly objects: ObjectStore;
  constructor(inner: ObjectStore) {
    const calls = this.calls;
    this.objects = {
      backend: inner.backend,
      displayUrl: inner.displayUrl,
      get: (k) => (calls.push({ verb: 'get', key: k }), inner.get(k)),
      head: (k) => (calls.push({ verb: 'head', key: k }), inner.head(k)),
      putIfAbsent: (k, b) => (calls.push({ verb: 'putIfAbsent', key: k }), inner.putIfAbsent(k, b)),
      putIfMatch: (k, b, e) => (calls.push({ verb: 'putIfMatch', key: k }), inner.putIfMatch(k, b, e)),
      put: (k, b) => (calls.push({ verb: 'put', key: k }), inner.put(k, b)),
      list: (p, o) => (calls.push({ verb: 'list', key: p }), inner.list(p, o)),
      delete: (k) => (calls.push({ verb: 'delete', key: k }), inner.delete(k)),
      close: () => inner.close(),
    };
  }

  /** Requests made while `work` runs, by verb. */
  async during(work: () => Promise<unknown>): Promise<{ writes: { verb: Verb; key: string }[]; reads: { verb: Verb; key: string }[] }> {
    const from = this.calls.length;
    await work();
    const made = this.calls.slice(from);
    const isWrite = (v: Verb) => v === 'putIfAbsent' || v === 'putIfMatch' || v === 'put' || v === 'delete';
    return { writes: made.filter((c) => isWrite(c.verb)), reads: made.filter((c) => !isWrite(c.verb)) };
  }
}

const createNs = (store: CatalogStore, name: string) =>
  store.commit(async (): Promise<Prepared<string>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: {} }], result: name }));

async function openCounted(options: Parameters<typeof CatalogStore.open>[1] = {}) {
  const counting = new CountingStore(new MemoryObjectStore());
  const store = await CatalogStore.open(counting.objects, { create: true, gcIntervalMs: 0, ...options });
  return { counting, store };
}

test('an uncontended commit is exactly one log write and no read', async () => {
  const { counting, store } = await openCounted();
  for (let i = 0; i < 5; i++) {
    const made = await counting.during(() => createNs(store, `ns${i}`));
    assert.deepEqual(made.writes, [{ verb: 'putIfAbsent', key: `log/${String(i + 1).padStart(20, '0')}.json` }]);
    assert.deepEqual(made.reads, [], 'the create-if-absent of log/<h+1> is the validation');
  }
  await store.close();
});

test('a rejected commit costs one probe and no write', async () => {
  const { counting, store } = await openCounted();
  await createNs(store, 'taken');
  const reject = () =>
    store.commit(async (state): Promise<Prepared<string>> =>
      state.hasNamespace(['taken'])
        ? { kind: 'reject', error: new Error('exists') }
        : { kind: 'txn', effects: [{ op: 'ns.create', ns: ['taken'], properties: {} }], result: 'taken' });
  const made = await counting.during(() => reject().catch(() => undefined));
  assert.deepEqual(made.writes, []);
  assert.deepEqual(made.reads.map((r) => r.verb), ['get'], 'a rejection is answered only from a probed head');
  await store.close();
});

test('a multi-table transaction is still one log write', async () => {
  const { counting, store } = await openCounted();
  await createNs(store, 'bank');
  await store.commit(async (): Promise<Prepared<null>> => ({
    kind: 'txn', result: null,
    effects: [{ op: 'table.create', ns: ['bank'], name: 'a', to: 'a0' }, { op: 'table.create', ns: ['bank'], name: 'b', to: 'b0' }],
  }));
  const made = await counting.during(() =>
    store.commit(async (): Promise<Prepared<null>> => ({
      kind: 'txn', result: null,
      effects: [
        { op: 'table.setPointer', ns: ['bank'], name: 'a', expect: 'a0', to: 'a1' },
        { op: 'table.setPointer', ns: ['bank'], name: 'b', expect: 'b0', to: 'b1' },
      ],
    })),
  );
  assert.equal(made.writes.length, 1);
  await store.close();
});

test('a batch of concurrent linearizable reads is one probe GET', async () => {
  const { counting, store } = await openCounted({ consistency: 'linearizable' });
  await createNs(store, 'a');
  const made = await counting.during(() => Promise.all(Array.from({ length: 50 }, () => store.sync())));
  // 50 reads that arrive together share one probe; one more may start for reads that came
  // while it was already in flight, never one per read
  assert.ok(made.reads.length >= 1 && made.reads.length <= 2, `50 reads cost ${made.reads.length} GETs`);
  assert.equal(made.writes.length, 0);
  const single = await counting.during(() => store.sync('linearizable'));
  assert.deepEqual(single.reads.map((r) => r.verb), ['get']);
  await store.close();
});

test('a bounded read costs nothing while the last probe is fresh; the header overrides per request', async () => {
  const { counting, store } = await openCounted({ consistency: 'bounded', maxStalenessMs: 60_000, pollIntervalMs: 0 });
  await store.sync('linearizable');
  const bounded = await counting.during(() => Promise.all(Array.from({ length: 100 }, () => store.sync())));
  assert.equal(bounded.reads.length + bounded.writes.length, 0);
  const forced = await counting.during(() => store.sync(parseConsistency('linearizable')));
  assert.equal(forced.reads.length, 1);
  assert.equal(CONSISTENCY_HEADER, 'x-floe-consistency');
  assert.equal(parseConsistency('Bounded'), 'bounded');
  assert.equal(parseConsistency('eventual'), undefined);
  await store.close();
});

test('catch-up of a far-behind replica fetches the tail in parallel windows', async () => {
  const inner = new MemoryObjectStore();
  const writer = await CatalogStore.open(inner, { create: true, gcIntervalMs: 0, checkpointInterval: 100_000 });
  const counting = new CountingStore(inner);
  const reader = await CatalogStore.open(counting.objects, { create: true, gcIntervalMs: 0 });
  for (let i = 0; i < 40; i++) await createNs(writer, `n${i}`);
  let inFlight = 0;
  let inFlightMax = 0;
  const get = counting.objects.get.bind(counting.objects);
  counting.objects.get = async (k) => {
    inFlightMax = Math.max(inFlightMax, ++inFlight);
    await new Promise((r) => setImmediate(r));
    try {
      return await get(k);
    } finally {
      inFlight--;
    }
  };
  await reader.sync();
  assert.equal(reader.headSeq, 40);
  assert.ok(inFlightMax > 1, 'GETs overlapped');
  assert.ok(inFlightMax <= 16, `at most LOG_TAIL_FETCH_PARALLEL_MAX in flight, saw ${inFlightMax}`);
  await reader.close();
  await writer.close();
});
