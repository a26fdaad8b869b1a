// One simulated run from one seed: three replicas (CatalogStore instances) over one bucket,
// clients issuing bank transfers (multi-table transactions guarded by the balances they
// read), single-table compare-and-set commits, namespace creates and drops, linearizable and
// bounded reads; a chaos actor crashing, restarting and pausing replicas; each replica's own
// background jobs (GC with a small min_age, the bounded-read poll, checkpoints) on its virtual
// clock. Everything is derived from the seed.
import { createHash } from 'node:crypto';
import {
  CatalogStore, CommitQueueFull, CommitStateUnknown, CommitUnavailable, StoreUnavailable, entityKey,
  type CatalogState, type Effect, type PlantedBug, type Prepared,
} from '../../src/store/index.js';
import { CATALOG_KEY } from '../../src/store/layout.js';
import { EncryptedObjectStore, LocalKeyring, isEnvelope, type EncryptionConfig } from '../../src/store/encryption/index.js';
import { seededRng, type Rng } from '../../src/util/index.js';
import { BANK_NS, checkHistory, stateDigest, type CheckResult, type Op, type OpKind } from './checker.js';
import { Process, Scheduler } from './scheduler.js';
import { Bucket, FaultyStore, NO_FAULTS, type FaultRates } from './sim-store.js';

export interface SimOptions {
  seed: number;
  replicas?: number;
  clients?: number;
  /** virtual duration of the faulty phase */
  durationMs?: number;
  plantedBug?: PlantedBug;
  /** every replica encrypts with a keyring of two keys, and one rotates from k1 to k2 half-way */
  encryption?: boolean;
}

export interface SimResult extends CheckResult {
  seed: number;
  ops: number;
  virtualMs: number;
  steps: number;
  crashes: number;
  pauses: number;
  gcDeletes: number;
  /** the store's guard counters summed over every replica generation */
  guards: { resyncs: number; checkpointJumps: number; staleCreates: number; unknownOutcomes: number; racesLost: number };
  /** the replicas' background work, driven by their virtual clocks */
  background: { gcRuns: number; polls: number; checkpointsWritten: number; runs: number; failures: number };
  /** digest of the whole history: equal for equal seeds */
  digest: string;
  /** the active key a fresh replica found at the end (encrypted runs) */
  activeKey?: string;
}

// Protocol timing, scaled down so that GC, freshness and pauses interact within seconds.
const GC_MIN_AGE_MS = 2_000;
const HEAD_FRESHNESS_MS = 500;
const CHECKPOINT_INTERVAL = 3;
const COMMIT_DEADLINE_MS = 4_000;
const MAX_STALENESS_MS = 300;
/** the store's own timers, on each replica's virtual clock: GC on every replica, the bounded-read poll */
const GC_INTERVAL_MS = 1_500;
const POLL_INTERVAL_MS = MAX_STALENESS_MS;
const HEAL_MS_MAX = 60_000;

const ACCOUNTS = 4;
const OPENING_BALANCE = 100;
const REGISTERS = 3;
const NAMESPACES = 3;

const FAULTS: FaultRates = {
  failBefore: 0.04,
  failAfter: 0.04,
  latencyMsMax: 20,
  slowMs: 300,
  slowRate: 0.02,
  stallRate: 0.004,
  stallMs: GC_MIN_AGE_MS * 4,
};

class Requirement extends Error {
  override name = 'RequirementFailed';
}

interface Replica {
  name: string;
  generation: number;
  process: Process;
  objects: FaultyStore;
  store: CatalogStore;
  crashed: Promise<'crashed'>;
  crash: () => void;
}

type Answer<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'crashed' };

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const root = seededRng(options.seed);
  const derive = (): Rng => seededRng(Math.floor(root.next() * 2 ** 32));
  const scheduler = new Scheduler();
  const bucket = new Bucket(scheduler);
  const replicaCount = options.replicas ?? 3;
  const clientCount = options.clients ?? 4;
  const durationMs = options.durationMs ?? 30_000;
  const chaosRng = derive();
  const ops: Op[] = [];
  const failures: string[] = [];
  const counters = { crashes: 0, pauses: 0, ops: 0 };
  let faultsOn = false;
  const replicas = new Map<string, Replica>();
  const everyStore: CatalogStore[] = [];
  const keyring = new LocalKeyring(new Map(['k1', 'k2'].map((id) => [id, createHash('sha256').update(`sim-key-${options.seed}-${id}`).digest()])));
  const encryption: EncryptionConfig | undefined = options.encryption ? { provider: keyring, activeKey: 'k1' } : undefined;

  async function openReplica(name: string, generation: number): Promise<Replica> {
    for (;;) {
      const process = new Process(`${name}#${generation}`, scheduler, Math.floor(chaosRng.next() * 1e9) - 5e8);
      const objects = new FaultyStore(bucket, process, derive(), faultsOn ? FAULTS : NO_FAULTS);
      const rng = derive();
      let crash!: () => void;
      const crashed = new Promise<'crashed'>((resolve) => (crash = () => resolve('crashed')));
      const opened = await CatalogStore.open(objects, {
        clock: process.clock(), rng, replicaId: `${name}g${generation}`, create: true,
        checkpointInterval: CHECKPOINT_INTERVAL, consistency: 'linearizable', maxStalenessMs: MAX_STALENESS_MS,
        commitDeadlineMs: COMMIT_DEADLINE_MS, headFreshnessMs: HEAD_FRESHNESS_MS, pollIntervalMs: POLL_INTERVAL_MS, gcIntervalMs: GC_INTERVAL_MS,
        gc: { minAgeMs: GC_MIN_AGE_MS, checkpointsKept: 2 }, plantedBug: options.plantedBug, encryption,
      }).catch((error: unknown) => error);
      if (opened instanceof CatalogStore) {
        everyStore.push(opened);
        return { name, generation, process, objects, store: opened, crashed, crash: () => ((process.crashed = true), crash()) };
      }
      if (!(opened instanceof StoreUnavailable)) throw opened;
      await scheduler.sleep(100); // the store was flaky while we opened: try again
    }
  }

  /** A client's call into a replica: answered, failed, or the replica died under it. */
  async function call<T>(replica: Replica, work: () => Promise<T>): Promise<Answer<T>> {
    const answer = work().then(
      (value): Answer<T> => ({ kind: 'value', value }),
      (error: unknown): Answer<T> => ({ kind: 'error', error }),
    );
    return Promise.race([answer, replica.crashed.then((): Answer<T> => ({ kind: 'crashed' }))]);
  }

  const alive = () => [...replicas.values()].filter((r) => !r.process.crashed);

  /** Drives virtual time until `work` settles (the driver itself runs outside the simulation). */
  async function drive<T>(work: Promise<T>, limitMs: number): Promise<T> {
    let settled: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    void work.then((value) => (settled = { ok: true, value }), (error: unknown) => (settled = { ok: false, error }));
    await scheduler.run(() => settled !== undefined, scheduler.nowMs + limitMs);
    if (!settled) throw new Error(`simulation driver: work did not finish within ${limitMs} virtual ms`);
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  // ---- setup, without faults: the bank and the registers -------------------------------
  for (let i = 0; i < replicaCount; i++) replicas.set(`r${i}`, await drive(openReplica(`r${i}`, 0), 10_000));
  const setup = replicas.get('r0')!.store;
  const setupEffects: Effect[] = [
    { op: 'ns.create', ns: [BANK_NS], properties: {} },
    { op: 'ns.create', ns: ['reg'], properties: {} },
    ...Array.from({ length: ACCOUNTS }, (_, i): Effect => ({ op: 'table.create', ns: [BANK_NS], name: `a${i}`, to: `${OPENING_BALANCE}|init${i}` })),
    ...Array.from({ length: REGISTERS }, (_, i): Effect => ({ op: 'table.create', ns: ['reg'], name: `t${i}`, to: `0|init${i}` })),
  ];
  await drive(setup.commit(async (): Promise<Prepared<null>> => ({ kind: 'txn', effects: setupEffects, result: null })), 10_000);
  faultsOn = true;
  for (const r of replicas.values()) r.objects.faults = FAULTS;
  const startMs = scheduler.nowMs;
  const endMs = startMs + durationMs;

  // ---- clients ---------------------------------------------------------------------------
  let nextOp = 0;
  function record(op: Omit<Op, 'completeMs'>, answer: Answer<unknown>, extra: Partial<Op> = {}): Op {
    const full: Op = { ...op, completeMs: scheduler.nowMs, ...extra };
    if (answer.kind === 'crashed') {
      full.outcome = 'unknown';
      full.error = 'replica crashed';
    } else if (answer.kind === 'error') {
      const e = answer.error;
      if (e instanceof CommitStateUnknown) full.outcome = 'unknown';
      else if (e instanceof Requirement || e instanceof CommitUnavailable || e instanceof CommitQueueFull || e instanceof StoreUnavailable) {
        full.outcome = 'fail';
      } else {
        full.outcome = 'unknown';
        failures.push(`${op.id} (${op.kind} via ${op.node}) failed unexpectedly: ${String((e as Error)?.stack ?? e)}`);
      }
      full.error = (e as Error).name + ': ' + (e as Error).message;
      if (!(e instanceof Requirement)) delete full.decidedSeq;
    }
    ops.push(full);
    counters.ops++;
    return full;
  }

  async function read(clientId: number, replica: Replica, mode: 'linearizable' | 'bounded'): Promise<CatalogState | undefined> {
    const op = { id: `op${nextOp++}`, client: clientId, node: replica.name, kind: (mode === 'bounded' ? 'boundedRead' : 'read') as OpKind, invokeMs: scheduler.nowMs, outcome: 'ok' as const };
    const answer = await call(replica, async () => {
      await replica.store.sync(mode);
      // synchronous from here: the state served and its seq belong together
      return { seq: replica.store.headSeq, digest: stateDigest(replica.store.state), state: replica.store.state };
    });
    if (answer.kind === 'value') {
      record(op, answer, { readSeq: answer.value.seq, readDigest: answer.value.digest });
      return answer.value.state;
    }
    if (answer.kind === 'error' && !(answer.error instanceof StoreUnavailable)) {
      failures.push(`${op.id} read via ${replica.name} failed: ${String(answer.error)}`);
    }
    return undefined;
  }

  async function commitOp(clientId: number, replica: Replica, kind: OpKind, decide: (state: CatalogState, id: string) => { required: NonNullable<Op['required']>; effects: Effect[] } | undefined): Promise<void> {
    const id = `op${nextOp++}`;
    const op = { id, client: clientId, node: replica.name, kind, invokeMs: scheduler.nowMs, outcome: 'ok' as const };
    let decidedSeq: number | undefined;
    let required: Op['required'];
    const answer = await call(replica, () =>
      replica.store.commit(async (state): Promise<Prepared<'written'>> => {
        decidedSeq = replica.store.headSeq;
        const decision = decide(state, id);
        if (!decision) return { kind: 'reject', error: new Requirement(`requirement failed for ${id}`) };
        required = decision.required;
        // the op id rides as the idempotency key, so the checker finds it in the log; it
        // expires at once (expiresAtMs 0), so the state does not grow
        return { kind: 'txn', effects: decision.effects, idem: { key: id, status: 200, body: null, expiresAtMs: 0 }, result: 'written' };
      }),
    );
    if (answer.kind === 'error' && answer.error instanceof Requirement) {
      record(op, answer, { decidedSeq, required: lastRequired(replica, kind, id) ?? required });
    } else {
      record(op, answer);
    }
  }

  // what a rejected request required, for the checker to verify at decidedSeq
  const requiredById = new Map<string, NonNullable<Op['required']>>();
  const lastRequired = (_r: Replica, _k: OpKind, id: string) => requiredById.get(id);

  async function client(clientId: number, rng: Rng): Promise<void> {
    const pick = <T>(items: T[]): T => items[Math.floor(rng.next() * items.length)]!;
    while (scheduler.nowMs < endMs) {
      await scheduler.sleep(Math.floor(rng.next() * 150));
      const live = alive();
      if (live.length === 0) continue;
      const replica = pick(live);
      const roll = rng.next();
      if (roll < 0.3) {
        // a bank transfer: read two balances, then move money guarded by what we read
        const state = await read(clientId, replica, 'linearizable');
        if (!state) continue;
        const [from, to] = [Math.floor(rng.next() * ACCOUNTS), Math.floor(rng.next() * (ACCOUNTS - 1))].map((v, i, a) => (i === 1 && v >= a[0]! ? v + 1 : v)) as [number, number];
        const seen = { from: state.table([BANK_NS], `a${from}`)!.metadataLocation, to: state.table([BANK_NS], `a${to}`)!.metadataLocation };
        const amount = 1 + Math.floor(rng.next() * 30);
        const via = pick(alive().length > 0 ? alive() : [replica]);
        await commitOp(clientId, via, 'transfer', (s, id) => {
          const required = { tables: { [entityKey([BANK_NS], `a${from}`)]: seen.from, [entityKey([BANK_NS], `a${to}`)]: seen.to } };
          requiredById.set(id, required);
          const nowFrom = s.table([BANK_NS], `a${from}`)!.metadataLocation;
          const nowTo = s.table([BANK_NS], `a${to}`)!.metadataLocation;
          if (nowFrom !== seen.from || nowTo !== seen.to) return undefined;
          const balanceFrom = Number(seen.from.split('|')[0]);
          const moved = Math.min(amount, balanceFrom);
          return {
            required,
            effects: [
              { op: 'table.setPointer', ns: [BANK_NS], name: `a${from}`, expect: seen.from, to: `${balanceFrom - moved}|${id}` },
              { op: 'table.setPointer', ns: [BANK_NS], name: `a${to}`, expect: seen.to, to: `${Number(seen.to.split('|')[0]) + moved}|${id}` },
            ],
          };
        });
      } else if (roll < 0.5) {
        // compare-and-set of one register (assert-ref-snapshot-id analogue)
        const state = await read(clientId, replica, rng.next() < 0.3 ? 'bounded' : 'linearizable');
        if (!state) continue;
        const name = `t${Math.floor(rng.next() * REGISTERS)}`;
        const seen = state.table(['reg'], name)!.metadataLocation;
        await commitOp(clientId, pick(alive().length > 0 ? alive() : [replica]), 'cas', (s, id) => {
          const required = { tables: { [entityKey(['reg'], name)]: seen } };
          requiredById.set(id, required);
          if (s.table(['reg'], name)!.metadataLocation !== seen) return undefined;
          return { required, effects: [{ op: 'table.setPointer', ns: ['reg'], name, expect: seen, to: `${Number(seen.split('|')[0]) + 1}|${id}` }] };
        });
      } else if (roll < 0.62) {
        const ns = `n${Math.floor(rng.next() * NAMESPACES)}`;
        if (rng.next() < 0.5) {
          await commitOp(clientId, replica, 'nsCreate', (s, id) => {
            requiredById.set(id, { nsAbsent: ns });
            return s.hasNamespace([ns]) ? undefined : { required: { nsAbsent: ns }, effects: [{ op: 'ns.create', ns: [ns], properties: {} }] };
          });
        } else {
          await commitOp(clientId, replica, 'nsDrop', (s, id) => {
            requiredById.set(id, { nsPresent: ns });
            return s.hasNamespace([ns]) ? { required: { nsPresent: ns }, effects: [{ op: 'ns.drop', ns: [ns] }] } : undefined;
          });
        }
      } else {
        await read(clientId, replica, rng.next() < 0.3 ? 'bounded' : 'linearizable');
      }
    }
  }

  // ---- chaos (GC, polls and checkpoints are the replicas' own timers) ----------------------------------------------------------------------
  async function chaos(): Promise<void> {
    while (scheduler.nowMs < endMs) {
      await scheduler.sleep(300 + Math.floor(chaosRng.next() * 1700));
      const live = alive();
      const roll = chaosRng.next();
      if (roll < 0.35 && live.length >= 2) {
        const victim = live[Math.floor(chaosRng.next() * live.length)]!;
        victim.crash();
        counters.crashes++;
        const downMs = 200 + Math.floor(chaosRng.next() * 2000);
        void scheduler.sleep(downMs).then(async () => {
          const next = await openReplica(victim.name, victim.generation + 1).catch((error: unknown) => {
            failures.push(`reopening ${victim.name} failed: ${String(error)}`);
            return undefined;
          });
          if (next) replicas.set(victim.name, next);
        });
      } else if (roll < 0.7 && live.length > 0) {
        // a stopped process (SIGSTOP, VM pause): longer than the freshness bound, sometimes than min_age
        const victim = live[Math.floor(chaosRng.next() * live.length)]!;
        const longMs = chaosRng.next() < 0.5 ? GC_MIN_AGE_MS * (2 + chaosRng.next() * 3) : 0;
        victim.process.pausedUntilMs = scheduler.nowMs + HEAD_FRESHNESS_MS + Math.floor(longMs + chaosRng.next() * GC_MIN_AGE_MS);
        counters.pauses++;
      }
    }
  }

  let running = clientCount;
  for (let c = 0; c < clientCount; c++) {
    const rng = derive();
    void client(c, rng).then(
      () => running--,
      (error: unknown) => {
        running--;
        failures.push(`client ${c} crashed: ${String((error as Error)?.stack ?? error)}`);
      },
    );
  }
  void chaos();
  if (encryption) {
    // a key rotation in the middle of the faults: every replica must follow it from the log
    void scheduler.sleep(Math.floor(durationMs / 2)).then(async () => {
      const live = alive();
      if (live.length > 0) await call(live[0]!, () => live[0]!.store.setEncryptionKey('k2'));
    });
  }
  await scheduler.run(() => false, endMs);

  // ---- heal: no new faults, let every client finish --------------------------------------
  for (const r of replicas.values()) r.objects.faults = NO_FAULTS;
  faultsOn = false;
  await scheduler.run(() => running === 0, endMs + HEAL_MS_MAX);
  if (running > 0) failures.push(`${running} clients still waiting ${HEAL_MS_MAX} ms after the faults stopped (a commit or read hung)`);
  await scheduler.run(() => false, scheduler.nowMs + GC_MIN_AGE_MS * 4); // let restarts and pauses finish

  // every replica and a fresh one agree with the log
  const finals: { node: string; seq: number; digest: string }[] = [];
  const verifier = await drive(openReplica('verifier', 0), HEAL_MS_MAX);
  for (const r of [...replicas.values(), verifier].filter((x) => !x.process.crashed)) {
    r.objects.faults = NO_FAULTS;
    const answer = call(r, () => r.store.sync('linearizable'));
    let settled: Answer<void> | undefined;
    void answer.then((a) => (settled = a));
    await scheduler.run(() => settled !== undefined, scheduler.nowMs + HEAL_MS_MAX);
    if (settled?.kind !== 'value') {
      failures.push(`replica ${r.name} cannot sync at the end: ${settled?.kind === 'error' ? String(settled.error) : 'hung'}`);
      continue;
    }
    finals.push({ node: r.name, seq: r.store.headSeq, digest: stateDigest(r.store.state) });
  }

  const identity = await bucket.inner.get(CATALOG_KEY);
  if (identity.kind !== 'found') throw new Error('no catalog.json');
  let archive = bucket.logArchive;
  if (encryption) {
    // the checker reads the true log in plaintext; every stored entry must have been sealed
    const catalogId = (JSON.parse(identity.body.toString('utf8')) as { catalogId: string }).catalogId;
    const opener = new EncryptedObjectStore(bucket.inner, keyring, catalogId);
    archive = [];
    for (const object of bucket.logArchive) {
      if (!isEnvelope(object.body)) failures.push(`${object.key} was stored in plaintext in an encrypted catalog`);
      archive.push({ ...object, body: await opener.openObject(object.key, object.body) });
    }
  }
  const result = checkHistory({ identityBytes: identity.body, archive, ops, bankTotal: ACCOUNTS * OPENING_BALANCE, finals });
  const verifierSeq = finals.find((f) => f.node === 'verifier')?.seq;
  if (verifierSeq !== undefined && verifierSeq !== result.headSeq) {
    failures.push(`a fresh replica opened at seq ${verifierSeq}, but the log goes to ${result.headSeq}`);
  }
  const sum = (f: (s: CatalogStore) => number) => everyStore.reduce((total, s) => total + f(s), 0);
  const digest = createHash('sha256')
    .update(JSON.stringify([ops, result.headSeq, scheduler.nowMs, scheduler.steps]))
    .digest('hex')
    .slice(0, 16);
  return {
    ...result,
    violations: [...failures, ...result.violations],
    seed: options.seed,
    ops: ops.length,
    virtualMs: scheduler.nowMs,
    steps: scheduler.steps,
    crashes: counters.crashes,
    pauses: counters.pauses,
    gcDeletes: bucket.counts.deletes,
    guards: {
      resyncs: sum((s) => s.stats.resyncs),
      checkpointJumps: sum((s) => s.stats.checkpointJumps),
      staleCreates: sum((s) => s.stats.staleCreates),
      unknownOutcomes: sum((s) => s.stats.unknownOutcomes),
      racesLost: sum((s) => s.stats.racesLost),
    },
    background: {
      gcRuns: sum((s) => s.stats.gcRuns),
      polls: sum((s) => s.stats.polls),
      checkpointsWritten: sum((s) => s.stats.checkpointsWritten),
      runs: sum((s) => s.stats.backgroundRuns),
      failures: sum((s) => s.stats.backgroundFailures),
    },
    digest,
    activeKey: verifier.store.encryption?.active,
  };
}
