// The catalog store (STORE.md): the whole state in memory at head `h`, an append-only log of
// immutable entries on object storage created with create-if-absent, one committer loop per
// process with group commit and at most one log write in flight, and a single-flight read
// barrier that makes reads linearizable across replicas.
import { COMMIT_BATCH_TXNS_MAX, COMMIT_DEADLINE_MS, COMMIT_QUEUE_MAX, COMMIT_RETRY_BACKOFF_MS_MAX } from '../config/limits.js';
import type { ObjectStore } from '../objectstore/index.js';
import { assert, systemClock, cryptoRng, type Clock, type Rng } from '../util/index.js';
import type { Effect, IdempotencyRecord, Txn } from './effects.js';
import { CommitQueueFull, CommitStateUnknown, CommitUnavailable, StoreUnavailable } from './errors.js';
import {
  CATALOG_KEY, CHECKPOINT_PREFIX, CHECKPOINT_VERSION, CorruptStore, ENTRY_VERSION, LAST_CHECKPOINT_KEY, LOG_PREFIX,
  STORE_FORMAT, STORE_FORMAT_VERSION, checkpointKey, decodeCheckpoint, decodeEntry, encodeCheckpoint, encodeJson,
  logKey, seqOfKey, sha256, type CatalogIdentity, type Checkpoint, type CheckpointHint, type LogEntry,
} from './layout.js';
import { CatalogState, entityKey, nsKey } from './state.js';

export type Consistency = 'linearizable' | 'bounded';

export interface StoreOptions {
  clock?: Clock;
  rng?: Rng;
  replicaId?: string;
  /** create catalog.json when the root is empty (serve); false for read-only tools (status) */
  create?: boolean;
  checkpointInterval?: number;
  consistency?: Consistency;
  maxStalenessMs?: number;
  commitDeadlineMs?: number;
}

/** What a request decides against one state: answer now, write nothing, or write a txn. */
export type Prepared<R> =
  | { kind: 'reject'; error: unknown }
  | { kind: 'noop'; result: R }
  | { kind: 'txn'; effects: Effect[]; idem?: IdempotencyRecord; result: R };

export type Prepare<R> = (state: CatalogState, attempt: number) => Promise<Prepared<R>>;

interface Pending {
  prepare: Prepare<unknown>;
  attempt: number;
  enqueuedMs: number;
  deadlineMs: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Included {
  pending: Pending;
  txn: Txn;
  result: unknown;
}

export class CatalogStore {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly replicaId: string;
  private _state = new CatalogState();
  private _headSeq = 0;
  private headHash = '';
  private headTs = 0;
  private lastCheckpointSeq = 0;
  private queue: Pending[] = [];
  private committing = false;
  private catchUpChain: Promise<void> = Promise.resolve();
  private probeInFlight: Promise<void> | undefined;
  private probeNext: Promise<void> | undefined;
  private lastProbeStartMs = -Infinity;
  private poller: ReturnType<typeof setInterval> | undefined;
  private checkpointing = false;
  private failure: Error | undefined;
  private closed = false;
  private readonly checkpointInterval: number;
  private readonly consistency: Consistency;
  private readonly maxStalenessMs: number;
  private readonly commitDeadlineMs: number;
  /** counters for `floe status`, metrics and request-budget tests */
  readonly stats = { entriesWritten: 0, racesLost: 0, unknownOutcomes: 0, probes: 0, checkpointsWritten: 0 };

  private constructor(
    readonly objects: ObjectStore,
    readonly identity: CatalogIdentity,
    options: StoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.rng = options.rng ?? cryptoRng;
    this.replicaId = options.replicaId ?? this.rng.uuid().slice(0, 8);
    this.checkpointInterval = options.checkpointInterval ?? 1000;
    this.consistency = options.consistency ?? 'linearizable';
    this.maxStalenessMs = options.maxStalenessMs ?? 1000;
    this.commitDeadlineMs = options.commitDeadlineMs ?? COMMIT_DEADLINE_MS;
  }

  get state(): CatalogState {
    return this._state;
  }

  get headSeq(): number {
    return this._headSeq;
  }

  get lastCheckpoint(): number {
    return this.lastCheckpointSeq;
  }

  /** Opens (or, with `create`, initialises) the catalog at `objects` and catches up to the head. */
  static async open(objects: ObjectStore, options: StoreOptions = {}): Promise<CatalogStore> {
    const identityBytes = await loadOrCreateIdentity(objects, options);
    const identity = JSON.parse(identityBytes.toString('utf8')) as CatalogIdentity;
    if (identity.format !== STORE_FORMAT) throw new CorruptStore(`${CATALOG_KEY} is not a Floe catalog identity`);
    if (identity.formatVersion > STORE_FORMAT_VERSION) {
      throw new CorruptStore(`${CATALOG_KEY} has format version ${identity.formatVersion}; this Floe reads up to ${STORE_FORMAT_VERSION}`);
    }
    const store = new CatalogStore(objects, identity, options);
    store.headHash = sha256(identityBytes);
    await store.loadLatestCheckpoint();
    await store.catchUp();
    if (store.consistency === 'bounded' && store.maxStalenessMs > 0) {
      store.poller = setInterval(() => void store.sync('linearizable').catch(() => undefined), Math.max(10, store.maxStalenessMs / 2));
      store.poller.unref();
    }
    return store;
  }

  // ---- reads ---------------------------------------------------------------------------

  /**
   * The read barrier. Linearizable: wait for a probe of log/<h+1> that was sent after this
   * call; concurrent callers share one probe. Bounded: return at once while the last probe is
   * younger than max_staleness_ms.
   */
  async sync(mode: Consistency = this.consistency): Promise<void> {
    this.throwIfFailed();
    if (mode === 'bounded' && this.clock.nowMs() - this.lastProbeStartMs <= this.maxStalenessMs) return;
    if (!this.probeInFlight) return this.startProbe();
    // a probe already in flight may have been sent before we arrived: wait for the next one
    this.probeNext ??= this.probeInFlight.then(
      () => this.afterProbe(),
      () => this.afterProbe(),
    );
    return this.probeNext;
  }

  private afterProbe(): Promise<void> {
    this.probeNext = undefined;
    return this.probeInFlight ?? this.startProbe();
  }

  private startProbe(): Promise<void> {
    this.lastProbeStartMs = this.clock.nowMs();
    this.stats.probes++;
    const probe = this.catchUp().finally(() => {
      if (this.probeInFlight === probe) this.probeInFlight = undefined;
    });
    this.probeInFlight = probe;
    return probe;
  }

  /** Reads and applies log entries after the head until one is missing. Serialised. */
  catchUp(): Promise<void> {
    const run = this.catchUpChain.then(() => this.catchUpNow());
    this.catchUpChain = run.catch(() => undefined);
    return run;
  }

  private async catchUpNow(): Promise<void> {
    for (;;) {
      const seq = this._headSeq + 1;
      const found = await this.objects.get(logKey(seq));
      if (found.kind === 'notFound') return;
      if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${logKey(seq)}: ${found.cause.message}`);
      if (this._headSeq >= seq) continue; // the committer applied it meanwhile
      this.applyEntryBytes(found.body, logKey(seq));
    }
  }

  private applyEntryBytes(bytes: Buffer, key: string): LogEntry {
    const entry = decodeEntry(bytes, key);
    if (entry.seq !== this._headSeq + 1) {
      throw this.fail(new CorruptStore(`log entry ${key} says seq ${entry.seq}, expected ${this._headSeq + 1}`));
    }
    if (entry.prev !== this.headHash) {
      throw this.fail(new CorruptStore(`broken chain at seq ${entry.seq} (${this.objects.displayUrl}/${key}): prev does not match the hash of entry ${entry.seq - 1}`));
    }
    for (const txn of entry.txns) {
      for (const effect of txn.effects) {
        const why = this._state.conflict(effect);
        if (why) throw this.fail(new CorruptStore(`log entry ${key} does not apply (${effect.op}: ${why})`));
        this._state.apply(effect);
      }
      if (txn.idem) this._state.recordIdempotency(txn.idem);
    }
    this._state.expireIdempotency(entry.ts);
    this._headSeq = entry.seq;
    this.headHash = sha256(bytes);
    this.headTs = entry.ts;
    return entry;
  }

  // ---- commits -------------------------------------------------------------------------

  /** Queues a request; it is prepared against the newest state and written with group commit. */
  commit<R>(prepare: Prepare<R>): Promise<R> {
    this.throwIfFailed();
    if (this.closed) return Promise.reject(new StoreUnavailable('the catalog store is closed'));
    if (this.queue.length >= COMMIT_QUEUE_MAX) {
      return Promise.reject(new CommitQueueFull(`commit queue is full (${COMMIT_QUEUE_MAX} waiting)`, 1));
    }
    return new Promise<R>((resolve, reject) => {
      const now = this.clock.nowMs();
      this.queue.push({
        prepare: prepare as Prepare<unknown>,
        attempt: 0,
        enqueuedMs: now,
        deadlineMs: now + this.commitDeadlineMs,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.committing) void this.runCommitter();
    });
  }

  private async runCommitter(): Promise<void> {
    this.committing = true;
    try {
      while (this.queue.length > 0 && !this.failure) {
        const batch = this.queue.splice(0, COMMIT_BATCH_TXNS_MAX);
        await this.commitBatch(batch);
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const pending of this.queue.splice(0)) pending.reject(failure);
      if (!(error instanceof StoreUnavailable)) this.fail(failure);
    } finally {
      this.committing = false;
    }
    if (this.queue.length > 0 && !this.failure) void this.runCommitter();
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    // Validate against the newest head (one shared probe), so a rejection such as "table
    // does not exist" is never answered from a state another replica has moved past.
    await this.sync('linearizable');
    const prepared = await Promise.all(
      batch.map((p) =>
        p.prepare(this._state, p.attempt).catch((error: unknown): Prepared<unknown> => ({ kind: 'reject', error })),
      ),
    );
    // Synchronous from here to the PUT: the entry is built against exactly this head.
    const included: Included[] = [];
    const retry: Pending[] = [];
    const footprint = new BatchFootprint();
    prepared.forEach((outcome, i) => {
      const pending = batch[i]!;
      if (outcome.kind === 'reject') return pending.reject(outcome.error);
      if (outcome.kind === 'noop') return pending.resolve(outcome.result);
      const own = footprintOf(outcome.effects, outcome.idem);
      const overlaps = footprint.overlaps(own);
      const stale = outcome.effects.some((e) => this._state.conflict(e) !== undefined) ||
        (outcome.idem !== undefined && this._state.idempotency.has(outcome.idem.key));
      if (overlaps || stale) return retry.push(pending); // prepared against an older state: prepare again
      footprint.add(own);
      included.push({ pending, txn: { txn: this.rng.uuid(), idem: outcome.idem, effects: outcome.effects }, result: outcome.result });
    });
    this.requeue(retry);
    if (included.length === 0) return;

    const entry: LogEntry = {
      v: ENTRY_VERSION,
      seq: this._headSeq + 1,
      prev: this.headHash,
      ts: Math.max(this.clock.nowMs(), this.headTs),
      replica: this.replicaId,
      txns: included.map((i) => i.txn),
    };
    const bytes = encodeJson(entry);
    const landed = await this.writeEntry(entry, bytes, included);
    if (landed) {
      for (const item of included) item.pending.resolve(item.result);
      this.maybeCheckpoint();
    }
  }

  /** Writes one entry; true when it is in the log, false when the batch was requeued or failed. */
  private async writeEntry(entry: LogEntry, bytes: Buffer, included: Included[]): Promise<boolean> {
    const key = logKey(entry.seq);
    const deadline = Math.min(...included.map((i) => i.pending.deadlineMs));
    for (let attempt = 0; ; attempt++) {
      assert(entry.seq === this._headSeq + 1 || attempt > 0, 'entry must extend the head');
      const outcome = await this.objects.putIfAbsent(key, bytes);
      switch (outcome.kind) {
        case 'created':
          this.stats.entriesWritten++;
          if (this._headSeq < entry.seq) this.applyEntryBytes(bytes, key);
          return true;
        case 'exists': {
          const existing = await this.objects.get(key);
          if (existing.kind === 'found' && attempt > 0 && isOurs(existing.body, included[0]!.txn.txn)) {
            // an earlier attempt with unknown outcome did land
            if (this._headSeq < entry.seq) this.applyEntryBytes(existing.body, key);
            return true;
          }
          this.stats.racesLost++;
          await this.catchUp();
          // full jitter keeps replicas from colliding in lockstep
          await this.clock.sleep(this.backoffMs(Math.max(...included.map((i) => i.pending.attempt))));
          this.requeue(included.map((i) => i.pending));
          return false;
        }
        case 'unknown':
          this.stats.unknownOutcomes++;
          if (!outcome.retryable || this.clock.nowMs() >= deadline) {
            const message = `commit state unknown: writing ${key} failed (${outcome.cause.message})`;
            for (const item of included) item.pending.reject(new CommitStateUnknown(message));
            // the entry may exist: learn the truth before building on the head again
            await this.catchUp().catch(() => undefined);
            return false;
          }
          await this.clock.sleep(this.backoffMs(attempt));
          continue;
      }
    }
  }

  private requeue(pendings: Pending[]): void {
    const now = this.clock.nowMs();
    const again: Pending[] = [];
    for (const pending of pendings) {
      if (now >= pending.deadlineMs) {
        pending.reject(new CommitUnavailable(`commit not applied: lost ${pending.attempt + 1} races to concurrent writers`, 1));
        continue;
      }
      pending.attempt++;
      again.push(pending);
    }
    this.queue.unshift(...again);
  }

  private backoffMs(attempt: number): number {
    return Math.floor(this.rng.next() * Math.min(COMMIT_RETRY_BACKOFF_MS_MAX, 2 * 2 ** Math.min(attempt, 10)));
  }

  // ---- checkpoints ---------------------------------------------------------------------

  private maybeCheckpoint(): void {
    if (this.checkpointing || this._headSeq - this.lastCheckpointSeq < this.checkpointInterval) return;
    this.checkpointing = true;
    const checkpoint: Checkpoint = {
      v: CHECKPOINT_VERSION,
      catalogId: this.identity.catalogId,
      seq: this._headSeq,
      entryHash: this.headHash,
      ts: this.headTs,
      state: this._state.toSnapshot(),
    };
    void this.writeCheckpoint(checkpoint).finally(() => {
      this.checkpointing = false;
    });
  }

  /** Writes a checkpoint and moves the hint forward; failures only delay the next one. */
  async writeCheckpoint(checkpoint: Checkpoint): Promise<boolean> {
    const key = checkpointKey(checkpoint.seq);
    const bytes = encodeCheckpoint(checkpoint);
    const created = await this.objects.putIfAbsent(key, bytes);
    if (created.kind === 'unknown') return false;
    if (created.kind === 'created') this.stats.checkpointsWritten++;
    this.lastCheckpointSeq = Math.max(this.lastCheckpointSeq, checkpoint.seq);
    const digest = created.kind === 'created' ? sha256(bytes) : await this.digestOf(key);
    if (!digest) return false;
    await advanceHint(this.objects, { seq: checkpoint.seq, key, sha256: digest });
    return true;
  }

  private async digestOf(key: string): Promise<string | undefined> {
    const found = await this.objects.get(key);
    return found.kind === 'found' ? sha256(found.body) : undefined;
  }

  private async loadLatestCheckpoint(): Promise<void> {
    const hint = await readHint(this.objects);
    let checkpoint: Checkpoint | undefined;
    if (hint) checkpoint = await this.readCheckpoint(hint.key, hint.sha256);
    if (!checkpoint) {
      // no hint, or its checkpoint was collected: the newest listed one is as good
      const listed = await this.objects.list(CHECKPOINT_PREFIX, { limit: 100_000 });
      if (listed.kind === 'unknown') throw new StoreUnavailable(`cannot list checkpoints: ${listed.cause.message}`);
      const newest = listed.objects.map((o) => o.key).filter((k) => seqOfKey(k) !== undefined).sort().pop();
      if (newest) checkpoint = await this.readCheckpoint(newest, undefined);
    }
    if (!checkpoint) return;
    if (checkpoint.catalogId !== this.identity.catalogId) {
      throw new CorruptStore(`checkpoint at seq ${checkpoint.seq} belongs to catalog ${checkpoint.catalogId}, not ${this.identity.catalogId}`);
    }
    this._state = CatalogState.fromSnapshot(checkpoint.state);
    this._headSeq = checkpoint.seq;
    this.headHash = checkpoint.entryHash;
    this.headTs = checkpoint.ts;
    this.lastCheckpointSeq = checkpoint.seq;
  }

  private async readCheckpoint(key: string, expectedSha: string | undefined): Promise<Checkpoint | undefined> {
    const found = await this.objects.get(key);
    if (found.kind === 'notFound') return undefined;
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${key}: ${found.cause.message}`);
    if (expectedSha && sha256(found.body) !== expectedSha) {
      throw new CorruptStore(`checkpoint ${this.objects.displayUrl}/${key} does not match the sha256 in ${LAST_CHECKPOINT_KEY}`);
    }
    return decodeCheckpoint(found.body, key);
  }

  // ---- lifecycle -----------------------------------------------------------------------

  private fail(error: Error): Error {
    this.failure ??= error;
    return error;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    while (this.committing) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function isOurs(bytes: Buffer, txnId: string): boolean {
  try {
    return (JSON.parse(bytes.toString('utf8')) as LogEntry).txns.some((t) => t.txn === txnId);
  } catch {
    return false;
  }
}

/**
 * What a txn reads, writes and adds to (adds commute: two creates in one namespace do not
 * conflict, but a create and a drop of that namespace do). Two txns of one batch may go
 * together only when neither touches what the other changes.
 */
interface Footprint {
  reads: string[];
  writes: string[];
  adds: string[];
}

function footprintOf(effects: Effect[], idem: IdempotencyRecord | undefined): Footprint {
  const f: Footprint = { reads: [], writes: [], adds: [] };
  const ns = (levels: string[]) => `ns:${nsKey(levels)}`;
  const content = (levels: string[]) => `in:${nsKey(levels)}`;
  const entity = (levels: string[], name: string) => `e:${entityKey(levels, name)}`;
  for (const e of effects) {
    switch (e.op) {
      case 'ns.create':
        f.writes.push(ns(e.ns));
        f.reads.push(ns(e.ns.slice(0, -1)));
        f.adds.push(content(e.ns.slice(0, -1)));
        break;
      case 'ns.drop':
        f.writes.push(ns(e.ns));
        f.reads.push(content(e.ns));
        f.adds.push(content(e.ns.slice(0, -1)));
        break;
      case 'ns.setProperties':
        f.writes.push(ns(e.ns));
        break;
      case 'table.create':
      case 'view.create':
        f.writes.push(entity(e.ns, e.name));
        f.reads.push(ns(e.ns));
        f.adds.push(content(e.ns));
        break;
      case 'table.setPointer':
      case 'view.setPointer':
        f.writes.push(entity(e.ns, e.name));
        break;
      case 'table.drop':
      case 'view.drop':
        f.writes.push(entity(e.ns, e.name));
        f.adds.push(content(e.ns));
        break;
      case 'table.rename':
      case 'view.rename':
        f.writes.push(entity(e.from.ns, e.from.name), entity(e.to.ns, e.to.name));
        f.reads.push(ns(e.to.ns));
        f.adds.push(content(e.from.ns), content(e.to.ns));
        break;
      case 'purge.request':
      case 'purge.done':
        f.writes.push(`p:${e.id}`);
        break;
    }
  }
  if (idem) f.writes.push(`i:${idem.key}`);
  return f;
}

class BatchFootprint {
  private readonly reads = new Set<string>();
  private readonly writes = new Set<string>();
  private readonly adds = new Set<string>();

  overlaps(f: Footprint): boolean {
    const any = (keys: string[], ...sets: Set<string>[]) => keys.some((k) => sets.some((s) => s.has(k)));
    return (
      any(f.writes, this.reads, this.writes, this.adds) || any(f.reads, this.writes, this.adds) || any(f.adds, this.writes, this.reads)
    );
  }

  add(f: Footprint): void {
    f.reads.forEach((k) => this.reads.add(k));
    f.writes.forEach((k) => this.writes.add(k));
    f.adds.forEach((k) => this.adds.add(k));
  }
}

async function loadOrCreateIdentity(objects: ObjectStore, options: StoreOptions): Promise<Buffer> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await objects.get(CATALOG_KEY);
    if (found.kind === 'found') return found.body;
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${CATALOG_KEY}: ${found.cause.message}`);
    if (!options.create) throw new StoreUnavailable(`${objects.displayUrl} is not a Floe catalog root (no ${CATALOG_KEY})`);
    const log = await objects.list(LOG_PREFIX, { limit: 1 });
    if (log.kind === 'listed' && log.objects.length > 0) {
      throw new CorruptStore(`${objects.displayUrl} has log entries but no ${CATALOG_KEY}: refusing to start a new catalog over it`);
    }
    const rng = options.rng ?? cryptoRng;
    const identity: CatalogIdentity = {
      format: STORE_FORMAT,
      formatVersion: STORE_FORMAT_VERSION,
      catalogId: rng.uuid(),
      createdAt: new Date((options.clock ?? systemClock).nowMs()).toISOString(),
    };
    const bytes = encodeJson(identity);
    const created = await objects.putIfAbsent(CATALOG_KEY, bytes);
    if (created.kind === 'created') return bytes;
    if (created.kind === 'unknown' && !created.retryable) {
      throw new StoreUnavailable(`cannot create ${objects.displayUrl}/${CATALOG_KEY}: ${created.cause.message}`);
    }
    // another replica initialised it first, or the outcome is unknown: read it back
  }
  throw new StoreUnavailable(`cannot initialise ${objects.displayUrl}/${CATALOG_KEY}`);
}

export async function readHint(objects: ObjectStore): Promise<(CheckpointHint & { etag: string }) | undefined> {
  const found = await objects.get(LAST_CHECKPOINT_KEY);
  if (found.kind !== 'found') return undefined;
  try {
    const hint = JSON.parse(found.body.toString('utf8')) as CheckpointHint;
    if (!Number.isSafeInteger(hint.seq) || typeof hint.key !== 'string' || seqOfKey(hint.key) !== hint.seq) return undefined;
    return { ...hint, etag: found.etag };
  } catch {
    return undefined; // advisory only: fall back to listing
  }
}

/** Moves `_last_checkpoint` forward (never back) with compare-and-swap. */
export async function advanceHint(objects: ObjectStore, hint: CheckpointHint): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await readHint(objects);
    if (current && current.seq >= hint.seq) return;
    const bytes = encodeJson(hint);
    const outcome = current
      ? await objects.putIfMatch(LAST_CHECKPOINT_KEY, bytes, current.etag)
      : await objects.putIfAbsent(LAST_CHECKPOINT_KEY, bytes);
    if (outcome.kind === 'created') return;
  }
}
