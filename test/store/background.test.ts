// The store's background work: driven by the injected clock, awaited with idle(), and every
// failure logged with its job and counted, never dropped; the store's gauges and commit metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import { unknown, type ObjectStore } from '../../src/objectstore/types.js';
import { CatalogStore, LAST_CHECKPOINT_KEY, type Prepared } from '../../src/store/index.js';
import type { Clock, CounterName, GaugeName, HistogramName, Labels, Logger, Telemetry } from '../../src/util/index.js';

/** A clock whose background sleeps wait until the test fires them; request sleeps return at once. */
function steppedClock() {
  let nowMs = 1_000_000;
  let waiting: (() => void)[] = [];
  const clock: Clock = {
    nowMs: () => nowMs,
    sleep: async () => undefined,
    sleepInBackground: () => new Promise<void>((resolve) => waiting.push(resolve)),
  };
  /** Moves time on and wakes every background job once. */
  const fire = (advanceMs = 1_000) => {
    nowMs += advanceMs;
    const due = waiting;
    waiting = [];
    for (const wake of due) wake();
  };
  return { clock, fire, advance: (ms: number) => (nowMs += ms) };
}

/** Telemetry that remembers what it was told. */
function recordingTelemetry() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const counters = new Map<string, number>();
  const gauges = new Map<string, number>();
  const observed: { name: string; value: number; labels: Labels }[] = [];
  const key = (name: string, labels: Labels = {}) => `${name}${JSON.stringify(labels)}`;
  const logger = (bindings: object): Logger => {
    const at = (level: string) => (fields: object, message: string) => lines.push({ level, fields: { ...bindings, ...fields } as Record<string, unknown>, message });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => logger({ ...bindings, ...more }) };
  };
  const telemetry: Telemetry = {
    log: logger({}),
    metrics: {
      inc: (name: CounterName, labels?: Labels, by = 1) => counters.set(key(name, labels), (counters.get(key(name, labels)) ?? 0) + by),
      set: (name: GaugeName, value: number, labels?: Labels) => gauges.set(key(name, labels), value),
      observe: (name: HistogramName, value: number, labels: Labels = {}) => observed.push({ name, value, labels }),
    },
  };
  return { telemetry, lines, counters, gauges, observed, key };
}

/** `inner` with some requests failing: the failure is ambiguous, as a timeout would be. */
function failing(inner: ObjectStore, fails: (op: string, key: string) => boolean): ObjectStore {
  const wrapped: ObjectStore = Object.create(inner);
  const failure = (op: string, key: string) => unknown(new Error(`simulated ${op} ${key} timeout`));
  wrapped.put = (k, b) => (fails('put', k) ? Promise.resolve(failure('put', k)) : inner.put(k, b));
  wrapped.putIfAbsent = (k, b) => (fails('putIfAbsent', k) ? Promise.resolve(failure('putIfAbsent', k)) : inner.putIfAbsent(k, b));
  wrapped.get = (k) => (fails('get', k) ? Promise.resolve(failure('get', k)) : inner.get(k));
  return wrapped;
}

const createNs = (store: CatalogStore, name: string) =>
  store.commit(async (): Promise<Prepared<string>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: {} }], result: name }));

test('idle() resolves once the background checkpoint and its hint are written', async () => {
  const objects = new MemoryObjectStore();
  const store = await CatalogStore.open(objects, { create: true, checkpointInterval: 2, gcIntervalMs: 0 });
  await createNs(store, 'a');
  await createNs(store, 'b');
  await store.idle();
  assert.equal(store.lastCheckpoint, 2);
  assert.equal(store.stats.checkpointsWritten, 1);
  assert.equal((await objects.get(LAST_CHECKPOINT_KEY)).kind, 'found');
  await store.close();
});

test('GC runs on the injected clock; a failing run is logged with its job and counted', async () => {
  const { clock, fire } = steppedClock();
  const { telemetry, lines, counters, key } = recordingTelemetry();
  let storeDown = false;
  const objects = failing(new MemoryObjectStore('memory://gc-fails', '', () => clock.nowMs()), (op) => storeDown && op === 'put');
  const store = await CatalogStore.open(objects, { create: true, clock, telemetry, gcIntervalMs: 60_000, replicaId: 'r1' });
  assert.equal(store.stats.gcRuns, 0, 'nothing runs before the clock says so');
  fire(60_000);
  await store.idle();
  assert.equal(store.stats.gcRuns, 1);
  assert.equal(counters.get(key('floe_background_runs_total', { job: 'gc' })), 1);
  assert.equal(counters.get(key('floe_background_failures_total', { job: 'gc' })), undefined, 'too few checkpoints is no failure');

  storeDown = true;
  fire(60_000);
  await store.idle();
  assert.equal(store.stats.gcRuns, 2);
  assert.equal(counters.get(key('floe_background_failures_total', { job: 'gc' })), 1);
  const logged = lines.find((l) => l.level === 'warn' && l.fields.job === 'gc');
  assert.ok(logged, `the failure is logged: ${JSON.stringify(lines)}`);
  assert.equal(logged.fields.replica, 'r1');
  assert.match(logged.message, /background gc failed: cannot read the store clock/);
  await store.close();
  fire(60_000);
  await store.idle();
  assert.equal(store.stats.gcRuns, 2, 'a closed store runs no more GC');
});

test('a checkpoint the store does not take is logged and counted, and the next one is tried', async () => {
  const { telemetry, lines, counters, key } = recordingTelemetry();
  let checkpointsDown = true;
  const objects = failing(new MemoryObjectStore(), (op, k) => checkpointsDown && op === 'putIfAbsent' && k.startsWith('checkpoints/'));
  const store = await CatalogStore.open(objects, { create: true, checkpointInterval: 2, gcIntervalMs: 0, telemetry });
  await createNs(store, 'a');
  await createNs(store, 'b');
  await store.idle();
  assert.equal(store.lastCheckpoint, 0);
  assert.equal(counters.get(key('floe_background_failures_total', { job: 'checkpoint' })), 1);
  assert.ok(lines.some((l) => l.fields.job === 'checkpoint' && /checkpoint at seq 2 not written/.test(l.message)), JSON.stringify(lines));
  checkpointsDown = false;
  await createNs(store, 'c');
  await store.idle();
  assert.equal(store.lastCheckpoint, 3);
  await store.close();
});

test('the bounded-read poll runs on the injected clock and catches up with another replica', async () => {
  const { clock, fire } = steppedClock();
  const root = `poll-${process.pid}`;
  const writer = await CatalogStore.open(new MemoryObjectStore('memory://p', root), { create: true, gcIntervalMs: 0 });
  const reader = await CatalogStore.open(new MemoryObjectStore('memory://p', root), {
    clock, consistency: 'bounded', maxStalenessMs: 1_000, pollIntervalMs: 500, gcIntervalMs: 0,
  });
  await createNs(writer, 'a');
  assert.equal(reader.headSeq, 0);
  fire(500);
  await reader.idle();
  assert.equal(reader.stats.polls, 1);
  assert.equal(reader.headSeq, 1, 'the poll applied the other replica\'s entry');
  await Promise.all([writer.close(), reader.close()]);
});

test('reportGauges sets the head, probe age and checkpoint gauges; commits report duration and batch size', async () => {
  const { clock, advance } = steppedClock();
  const { telemetry, gauges, observed, key } = recordingTelemetry();
  const store = await CatalogStore.open(new MemoryObjectStore(), { create: true, clock, telemetry, checkpointInterval: 1, gcIntervalMs: 0 });
  await createNs(store, 'a');
  await store.idle();
  advance(4_000);
  store.reportGauges();
  assert.equal(gauges.get(key('floe_log_head_seq')), 1);
  assert.equal(gauges.get(key('floe_checkpoint_seq')), 1);
  assert.equal(gauges.get(key('floe_checkpoint_age_seconds')), 4);
  assert.equal(gauges.get(key('floe_log_probe_age_seconds')), 4);
  assert.ok(observed.some((o) => o.name === 'floe_commit_duration_seconds' && o.labels.outcome === 'ok'));
  assert.ok(observed.some((o) => o.name === 'floe_commit_batch_size' && o.value === 1));
  await store.close();
});
