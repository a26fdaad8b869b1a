// GC and the freshness guard, deterministically: a manual clock moves the store's and the
// replicas' time, GC collects, and a replica that slept through it must not take the hole
// left by GC for the head (hazard 2) nor acknowledge a commit re-created at a collected seq.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { CatalogStore, GC_BOUNDARY_KEY, logKey, readBoundary, type Prepared } from '../../src/store/index.js';
import type { Clock } from '../../src/util/index.js';

function manualClock() {
  const state = { nowMs: 1_000_000 };
  const clock: Clock = { nowMs: () => state.nowMs, sleep: async () => undefined, sleepInBackground: () => new Promise<void>(() => undefined) };
  return { clock, advance: (ms: number) => (state.nowMs += ms) };
}

const createNs = (store: CatalogStore, name: string) =>
  store.commit(async (): Promise<Prepared<string>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: {} }], result: name }));

const options = (clock: Clock) => ({
  clock, create: true, gcIntervalMs: 0, checkpointInterval: 3, headFreshnessMs: 1_000, gc: { minAgeMs: 10_000, checkpointsKept: 2 },
});

test('GC advances gc/boundary before deleting, keeps young objects, and a stale replica jumps to a checkpoint', async () => {
  const { clock, advance } = manualClock();
  const objects = new MemoryObjectStore('memory://gc', '', () => clock.nowMs());
  const writer = await CatalogStore.open(objects, options(clock));
  const sleeper = await CatalogStore.open(objects, options(clock));
  assert.equal(sleeper.headSeq, 0);

  for (let i = 0; i < 12; i++) await createNs(writer, `n${i}`);
  await new Promise((r) => setImmediate(r)); // background checkpoints
  const young = await writer.runGc();
  assert.equal(young.kind, 'skipped', 'nothing is older than min_age yet');
  assert.equal((await objects.get(logKey(1))).kind, 'found');

  advance(20_000); // everything is now older than min_age by the store's clock
  const collected = await writer.runGc();
  assert.equal(collected.kind, 'collected');
  if (collected.kind !== 'collected') return;
  assert.ok(collected.boundary.logDeletedThrough >= 3, `log collected through ${collected.boundary.logDeletedThrough}`);
  const boundary = await readBoundary(objects);
  assert.ok(boundary.kind === 'found' && boundary.boundary.logDeletedThrough === collected.boundary.logDeletedThrough);
  assert.equal((await objects.get(logKey(1))).kind, 'notFound', 'entry 1 was collected');
  assert.equal((await objects.get(logKey(12))).kind, 'found', 'the log above the oldest kept checkpoint stays');
  assert.equal((await objects.get(GC_BOUNDARY_KEY)).kind, 'found');

  // the sleeper's next probe GETs log/1 and finds nothing: stale knowledge, so it must check
  // gc/boundary, see that entry 1 was collected, and load a checkpoint instead of serving seq 0
  await sleeper.sync();
  assert.equal(sleeper.headSeq, 12);
  assert.equal(sleeper.state.namespaces.size, 12);
  assert.ok(sleeper.stats.checkpointJumps >= 1);

  // and it commits on top of the real head, never at a collected seq
  await createNs(sleeper, 'after');
  assert.equal(sleeper.headSeq, 13);
  await writer.sync();
  assert.ok(writer.state.hasNamespace(['after']));
});

test('the planted "trust-stale-head" bug serves the hole left by GC as the head', async () => {
  const { clock, advance } = manualClock();
  const objects = new MemoryObjectStore('memory://gc', '', () => clock.nowMs());
  const writer = await CatalogStore.open(objects, options(clock));
  const sleeper = await CatalogStore.open(objects, { ...options(clock), plantedBug: 'trust-stale-head' as const });
  for (let i = 0; i < 12; i++) await createNs(writer, `n${i}`);
  await new Promise((r) => setImmediate(r));
  advance(20_000);
  assert.equal((await writer.runGc()).kind, 'collected');
  await sleeper.sync();
  assert.equal(sleeper.headSeq, 0, 'without the guard the replica believes nothing happened');
});
