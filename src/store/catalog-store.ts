// The catalog store (STORE.md): the whole state in memory at head `h`, an append-only log of
// immutable entries on object storage created with create-if-absent, one committer loop per
// process with group commit and at most one log write in flight, and a single-flight read
// barrier that makes reads linearizable across replicas.
//
// Head freshness (store-research.md §4.8): `observedMs` is when this replica last knew, in a
// way GC cannot have faked, that `h` was the head. An observation made within the freshness
// bound of it is trusted as is; a later one (a long pause, a stalled request) is trusted only
// after gc/boundary, read afterwards, shows that GC has not reached `h+1`: GC advances the
// boundary before it deletes, so that one read rules out both a hole left by GC (a stale 404)
// and an entry re-created after collection (a stale create).
import {
  CATCH_UP_ENTRIES_BEFORE_HINT_MAX, CATCH_UP_JUMPS_MAX, CATCH_UP_ROUND_ENTRIES_MAX, COMMIT_BATCH_TXNS_MAX, COMMIT_DEADLINE_MS,
  COMMIT_QUEUE_MAX, COMMIT_RETRY_BACKOFF_MS_MAX, GC_INTERVAL_MS_DEFAULT, HEAD_FRESHNESS_MS_DEFAULT, LOG_ENTRY_BYTES_MAX, LOG_TAIL_FETCH_PARALLEL_MAX,
  COMMIT_DEFINITE_FAILURE_RETRIES_MAX, COMMIT_UNAVAILABLE_RETRY_AFTER_S, OPEN_TAIL_CHECK_ROUNDS_MAX,
} from '../config/limits.js';
import { listAll, type ObjectStore } from '../objectstore/index.js';
import { assert, systemClock, cryptoRng, type Clock, type Rng } from '../util/index.js';
import type { Effect, EncryptionRecord, IdempotencyRecord, Txn } from './effects.js';
import { EncryptedObjectStore, EncryptionKeyError, makeKeyCheck, verifyKeyCheck } from './encryption/encrypted-store.js';
import type { EncryptionConfig } from './encryption/keyring.js';
import { CommitQueueFull, CommitStateUnknown, CommitUnavailable, EntryTooLarge, StoreUnavailable } from './errors.js';
import { collectGarbage, readBoundary, type GcOptions, type GcReport } from './gc/index.js';
import { advanceHint, readHint } from './hint.js';
import { firstEntryAfter, logHole } from './log-hole.js';
import {
  CATALOG_KEY, CHECKPOINT_PREFIX, CHECKPOINT_VERSION, CorruptStore, ENTRY_VERSION, LAST_CHECKPOINT_KEY, LOG_PREFIX,
  STORE_FORMAT, STORE_FORMAT_VERSION, checkpointKey, decodeCheckpoint, decodeEntry, encodeCheckpoint, encodeJson,
  logKey, seqOfKey, sha256, type CatalogIdentity, type Checkpoint, type LogEntry,
} from './layout.js';
import { CatalogState, entityKey, nsKey } from './state.js';

export type Consistency = 'linearizable' | 'bounded';

/** Per-request override of the configured consistency (values: `linearizable` | `bounded`). */
export const CONSISTENCY_HEADER = 'x-floe-consistency';

/** Parses a CONSISTENCY_HEADER value; undefined for absent or unknown values (use the default). */
export function parseConsistency(value: string | string[] | undefined): Consistency | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase();
  return v === 'linearizable' || v === 'bounded' ? v : undefined;
}

/**
 * Deliberate protocol bugs, for tests only: the simulation must catch each of them. Never set
 * outside test/.
 */
export type PlantedBug = 'ack-before-write' | 'trust-stale-head';

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
  /** trust head knowledge this long without re-reading gc/boundary; keep <= gc.minAgeMs / 2 */
  headFreshnessMs?: number;
  /** background poll period for bounded reads; default max_staleness/2, 0 = off */
  pollIntervalMs?: number;
  /** background GC period (serving replicas only); default 10 min, 0 = off */
  gcIntervalMs?: number;
  gc?: GcOptions;
  plantedBug?: PlantedBug;
  /** this replica's keys ([encryption]); a catalog created or served with it is encrypted */
  encryption?: EncryptionConfig;
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
  settled: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Included {
  pending: Pending;
  txn: Txn;
  result: unknown;
}

/** How one log write ended for the batch in it ('failed': definitely not written, answered). */
type WriteResult = 'landed' | 'lost' | 'unknown' | 'failed';

/** One catch-up round: consecutive entries after the head, and the 404 that ended them. */
interface TailRound {
  entries: Buffer[];
  /** seq of the first missing entry, when the round reached the end of the log */
  missingSeq: number | undefined;
  /** local time the GET that saw it missing was sent */
  missingSentMs: number;
}

/** Seqs of recently applied entries kept with their txn ids, to recognise our own entry. */
const APPLIED_TXNS_KEPT_MAX = 256;

export class CatalogStore {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly replicaId: string;
  private _state = new CatalogState();
  private _headSeq = 0;
  private headHash = '';
  private headTs = 0;
  /** local time at which `_headSeq` was last established as the head (see file comment) */
  private observedMs = -Infinity;
  private lastCheckpointSeq = 0;
  private readonly appliedTxns = new Map<number, string[]>();
  private queue: Pending[] = [];
  private committing = false;
  private catchUpChain: Promise<void> = Promise.resolve();
  private probeInFlight: Promise<void> | undefined;
  private probeNext: Promise<void> | undefined;
  /** send time of the newest probe that completed: bounded reads are this fresh */
  private syncedAsOfMs = -Infinity;
  private timers: ReturnType<typeof setInterval>[] = [];
  private checkpointing = false;
  private gcRunning: Promise<GcReport> | undefined;
  private failure: Error | undefined;
  private closed = false;
  private readonly checkpointInterval: number;
  private readonly consistency: Consistency;
  private readonly maxStalenessMs: number;
  private readonly commitDeadlineMs: number;
  private readonly headFreshnessMs: number;
  private readonly gcOptions: GcOptions;
  private readonly plantedBug: PlantedBug | undefined;
  /** counters for `floe status`, metrics and request-budget tests */
  readonly stats = {
    entriesWritten: 0, racesLost: 0, unknownOutcomes: 0, definiteFailures: 0, probes: 0, checkpointsWritten: 0,
    resyncs: 0, checkpointJumps: 0, staleCreates: 0, gcRuns: 0,
  };

  /** true when this open wrote catalog.json: a new catalog, not an existing one */
  createdIdentity = false;

  private constructor(
    readonly objects: EncryptedObjectStore,
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
    this.headFreshnessMs = options.headFreshnessMs ?? HEAD_FRESHNESS_MS_DEFAULT;
    this.gcOptions = options.gc ?? {};
    this.plantedBug = options.plantedBug;
    if (this.gcOptions.minAgeMs !== undefined) {
      assert(this.headFreshnessMs * 2 <= this.gcOptions.minAgeMs, 'head freshness must be at most half of GC min_age');
    }
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
    const { bytes: identityBytes, created } = await loadOrCreateIdentity(objects, options);
    const identity = parseIdentity(identityBytes, objects);
    if (identity.format !== STORE_FORMAT) throw new CorruptStore(`${objects.displayUrl}/${CATALOG_KEY} is not a Floe catalog identity`);
    if (identity.formatVersion > STORE_FORMAT_VERSION) {
      throw new CorruptStore(`${CATALOG_KEY} has format version ${identity.formatVersion}; this Floe reads up to ${STORE_FORMAT_VERSION}`);
    }
    const encrypted = new EncryptedObjectStore(objects, options.encryption?.provider, identity.catalogId);
    const store = new CatalogStore(encrypted, identity, options);
    store.createdIdentity = created;
    encrypted.policy = {
      activeKey: () => store.encryption?.active,
      plaintextRefused: () => identity.encryption !== undefined,
      retired: (keyId) => store.encryption?.keys.some((k) => k.id === keyId && k.retired) ?? false,
    };
    store.headHash = sha256(identityBytes);
    // before reading anything: wrong material for a key of catalog.json (a missing one may
    // have been retired since: that is known only from the log)
    await store.checkKeys(options.encryption, true);
    await store.loadLatestCheckpoint(0);
    await store.catchUp();
    await store.checkNothingBeyondHead();
    await store.checkKeys(options.encryption);
    if (options.create && options.encryption && !store.encryption) await store.setEncryptionKey(options.encryption.activeKey, { onlyIfOff: true });
    store.startTimers(options);
    return store;
  }

  /**
   * The keys the catalog accepts, as of the head: from the log once they changed, else from
   * catalog.json for a catalog created encrypted; undefined while the catalog is plaintext.
   */
  get encryption(): EncryptionRecord | undefined {
    if (this._state.encryption) return this._state.encryption;
    const initial = this.identity.encryption;
    if (!initial) return undefined;
    return { algorithm: initial.algorithm, active: initial.activeKey, keys: [{ id: initial.activeKey, check: initial.keyCheck, retired: false }] };
  }

  /**
   * Every key the catalog still accepts must be configured here with the right material:
   * a start-up error naming the key id otherwise (before anything is served).
   */
  private async checkKeys(config: EncryptionConfig | undefined, missingOk = false): Promise<void> {
    const record = this.encryption;
    if (!record) return;
    const name = `catalog ${this.identity.catalogId} at ${this.objects.displayUrl}`;
    for (const key of record.keys) {
      if (key.retired) continue;
      if (!config) {
        throw new EncryptionKeyError(`${name} is encrypted (key '${key.id}'), but encryption is not configured: set FLOE_ENCRYPTION_PROVIDER and provide key '${key.id}'`);
      }
      if (!config.provider.has(key.id)) {
        if (missingOk) continue;
        throw new EncryptionKeyError(`${name} needs encryption key '${key.id}', which is not configured (configured: ${config.provider.keyIds().join(', ')})`);
      }
      if (!(await verifyKeyCheck(config.provider, this.identity.catalogId, key.id, key.check))) {
        throw new EncryptionKeyError(`encryption key '${key.id}' does not match the key ${name} was encrypted with (wrong key material for '${key.id}')`);
      }
    }
  }

  /**
   * Makes `keyId` the catalog's active key (enabling encryption on a plaintext catalog) by a
   * log entry, so every replica writes with it from the next seq. The key must be configured here.
   */
  async setEncryptionKey(keyId: string, options: { onlyIfOff?: boolean } = {}): Promise<'changed' | 'unchanged'> {
    const provider = this.objects.provider;
    if (!provider) throw new EncryptionKeyError('encryption is not configured on this replica: set FLOE_ENCRYPTION_PROVIDER and the keys');
    if (!provider.has(keyId)) throw new EncryptionKeyError(`encryption key '${keyId}' is not configured (configured: ${provider.keyIds().join(', ')})`);
    const check = await makeKeyCheck(provider, this.identity.catalogId, keyId);
    return this.commit(async () => {
      const current = this.encryption;
      // enabling at start-up: a replica that enabled it first (maybe with another key) wins
      if (current?.active === keyId || (options.onlyIfOff && current)) return { kind: 'noop', result: 'unchanged' as const };
      const known = current?.keys.find((k) => k.id === keyId);
      if (known?.retired) return { kind: 'reject', error: new EncryptionKeyError(`encryption key '${keyId}' was retired from this catalog and cannot be used again`) };
      const keys = [...(current?.keys ?? []).filter((k) => k.id !== keyId), known ?? { id: keyId, check, retired: false }];
      const to: EncryptionRecord = { algorithm: 'AES-256-GCM', active: keyId, keys };
      return { kind: 'txn', effects: [{ op: 'encryption.set', expect: this._state.encryption ?? null, to }], result: 'changed' as const };
    });
  }

  /** Marks `keyId` retired by a log entry; the caller has checked no object uses it any more. */
  async retireEncryptionKey(keyId: string): Promise<'retired' | 'unchanged'> {
    return this.commit(async () => {
      const current = this.encryption;
      const known = current?.keys.find((k) => k.id === keyId);
      if (!current || !known) return { kind: 'reject', error: new EncryptionKeyError(`encryption key '${keyId}' is not a key of this catalog`) };
      if (known.retired) return { kind: 'noop', result: 'unchanged' as const };
      if (current.active === keyId) return { kind: 'reject', error: new EncryptionKeyError(`encryption key '${keyId}' is the active key: rotate to another key first`) };
      const to: EncryptionRecord = { ...current, keys: current.keys.map((k) => (k.id === keyId ? { ...k, retired: true } : k)) };
      return { kind: 'txn', effects: [{ op: 'encryption.set', expect: this._state.encryption ?? null, to }], result: 'retired' as const };
    });
  }

  /**
   * The head is where probing found the first missing entry. An entry listed beyond it means
   * the log has a hole (an entry deleted or lost by hand): replay cannot cross it, and serving
   * from the head would acknowledge a new entry at the hole and then fail on the next one. One
   * LIST past the head tells; an entry at head+1 was committed meanwhile by another replica
   * (catch up and look again), and a hole GC made (the boundary passed us) means jump ahead.
   * Holes below the oldest kept checkpoint are GC's and never looked at.
   */
  private async checkNothingBeyondHead(): Promise<void> {
    for (let round = 0; round < OPEN_TAIL_CHECK_ROUNDS_MAX; round++) {
      const missing = this._headSeq + 1;
      const next = await firstEntryAfter(this.objects, this._headSeq);
      if (next.kind === 'none') return;
      if (next.kind === 'unknown') throw new StoreUnavailable(`cannot list ${this.objects.displayUrl}/${LOG_PREFIX}: ${next.cause.message}`);
      if (next.seq > missing) {
        // GC advances the boundary before it deletes: read after the listing, it tells a hole
        // GC made (we were slow and it passed us) from one it did not
        const boundary = await readBoundary(this.objects);
        if (boundary.kind === 'unknown') throw new StoreUnavailable(`cannot read gc/boundary: ${boundary.cause.message}`);
        if (boundary.boundary.logDeletedThrough < missing) throw this.fail(logHole(this.objects, this._headSeq, next.key));
        await this.jumpToCheckpoint(boundary.boundary.logDeletedThrough);
      }
      await this.catchUp();
    }
    // other replicas keep committing: each round found the next entry present, no hole there
  }

  /** Background work on real timers (unref'd); simulations turn both off and drive them. */
  private startTimers(options: StoreOptions): void {
    const pollMs = options.pollIntervalMs ?? (this.consistency === 'bounded' ? Math.max(10, this.maxStalenessMs / 2) : 0);
    if (pollMs > 0) {
      this.timers.push(setInterval(() => void this.sync('linearizable').catch(() => undefined), pollMs));
    }
    const gcMs = options.gcIntervalMs ?? GC_INTERVAL_MS_DEFAULT;
    if (options.create && gcMs > 0) {
      // jitter the phase so replicas started together do not collect in lockstep
      const jitterMs = Math.floor(this.rng.next() * gcMs);
      const start = setTimeout(() => {
        void this.runGc().catch(() => undefined);
        const every = setInterval(() => void this.runGc().catch(() => undefined), gcMs);
        every.unref();
        this.timers.push(every);
      }, jitterMs);
      this.timers.push(start);
    }
    for (const timer of this.timers) timer.unref();
  }

  // ---- reads ---------------------------------------------------------------------------

  /**
   * The read barrier. Linearizable: wait for a probe of log/<h+1> that was sent after this
   * call; concurrent callers share one probe. Bounded: return at once while the last probe is
   * younger than max_staleness_ms. `mode` overrides the configured consistency per request.
   */
  async sync(mode: Consistency = this.consistency): Promise<void> {
    this.throwIfFailed();
    // bounded: the state is as new as the send time of the last probe that *completed* (one
    // still in flight says nothing yet; the simulation caught a read served at seq 0 that way)
    if (mode === 'bounded' && this.clock.nowMs() - this.syncedAsOfMs <= this.maxStalenessMs) return;
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
    const startMs = this.clock.nowMs();
    this.stats.probes++;
    const probe = this.catchUp().then(() => {
      this.syncedAsOfMs = Math.max(this.syncedAsOfMs, startMs);
    }).finally(() => {
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

  /**
   * Rounds of: fetch the tail into a buffer, check the observations were trustworthy (fresh,
   * or confirmed by gc/boundary read afterwards), apply. GC having passed the head means the
   * entries we need are gone: jump to the newest checkpoint and continue from there.
   */
  private async catchUpNow(): Promise<void> {
    let applied = 0;
    let hintChecked = false;
    for (let jumps = 0; ; ) {
      const fromSeq = this._headSeq + 1;
      const observedBeforeMs = this.observedMs;
      const round = await this.fetchTail(fromSeq);
      const fresh = this.clock.nowMs() - observedBeforeMs <= this.headFreshnessMs;
      if (!fresh && this.plantedBug !== 'trust-stale-head') {
        this.stats.resyncs++;
        const boundary = await readBoundary(this.objects);
        if (boundary.kind === 'unknown') throw new StoreUnavailable(`cannot read gc/boundary: ${boundary.cause.message}`);
        if (boundary.boundary.logDeletedThrough >= fromSeq) {
          // what we saw may be a hole left by GC or an entry re-created after collection
          if (++jumps > CATCH_UP_JUMPS_MAX) throw new StoreUnavailable(`garbage collection keeps passing this replica (head ${this._headSeq})`);
          await this.jumpToCheckpoint(boundary.boundary.logDeletedThrough);
          continue;
        }
      }
      for (const [index, bytes] of round.entries.entries()) {
        // the round's entries are contiguous from fromSeq: name a corrupt one by its own key
        const seq = this.decodeOrFail(bytes, `${this.objects.displayUrl}/${logKey(fromSeq + index)}`).seq;
        if (seq <= this._headSeq) continue; // the committer applied it meanwhile
        this.applyEntryBytes(bytes, logKey(seq));
        applied++;
      }
      if (round.missingSeq !== undefined) {
        if (round.missingSeq === this._headSeq + 1) this.observedMs = Math.max(this.observedMs, round.missingSentMs);
        return;
      }
      if (!hintChecked && applied >= CATCH_UP_ENTRIES_BEFORE_HINT_MAX) {
        // far behind: a checkpoint may save replaying thousands of entries
        hintChecked = true;
        const hint = await readHint(this.objects);
        if (hint && hint.seq > this._headSeq + CATCH_UP_ROUND_ENTRIES_MAX) {
          this.stats.checkpointJumps++;
          await this.loadLatestCheckpoint(this._headSeq + 1);
        }
      }
    }
  }

  /**
   * GETs consecutive entries from `fromSeq`: the first alone (at the head that is the whole
   * probe), then windows doubling up to LOG_TAIL_FETCH_PARALLEL_MAX in flight, until one is
   * missing or the round is full.
   */
  private async fetchTail(fromSeq: number): Promise<TailRound> {
    const entries: Buffer[] = [];
    let window = 1;
    while (entries.length < CATCH_UP_ROUND_ENTRIES_MAX) {
      const first = fromSeq + entries.length;
      const sentMs = this.clock.nowMs();
      const seqs = Array.from({ length: Math.min(window, CATCH_UP_ROUND_ENTRIES_MAX - entries.length) }, (_, i) => first + i);
      const outcomes = await Promise.all(seqs.map((seq) => this.objects.get(logKey(seq))));
      for (let i = 0; i < outcomes.length; i++) {
        const found = outcomes[i]!;
        if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${logKey(seqs[i]!)}: ${found.cause.message}`);
        if (found.kind === 'notFound') return { entries, missingSeq: seqs[i]!, missingSentMs: sentMs };
        entries.push(found.body);
      }
      window = Math.min(window * 2, LOG_TAIL_FETCH_PARALLEL_MAX);
    }
    return { entries, missingSeq: undefined, missingSentMs: -Infinity };
  }

  /** Entries are immutable once created: an undecodable one stays so, and fails the store closed like a broken chain. */
  private decodeOrFail(bytes: Buffer, key: string): LogEntry {
    try {
      return decodeEntry(bytes, key);
    } catch (error) {
      throw this.fail(error instanceof Error ? error : new CorruptStore(String(error)));
    }
  }

  private applyEntryBytes(bytes: Buffer, key: string): LogEntry {
    if (this.objects.wasPlaintext(bytes) && this.encryption) {
      // written before encryption was on, or put there by someone without the key
      throw this.fail(new CorruptStore(`log entry ${this.objects.displayUrl}/${key} is not encrypted, but encryption was on before it: refusing it`));
    }
    const entry = this.decodeOrFail(bytes, key);
    if (entry.seq !== this._headSeq + 1) {
      throw this.fail(new CorruptStore(`log entry ${key} says seq ${entry.seq}, expected ${this._headSeq + 1}`));
    }
    if (entry.prev !== this.headHash) {
      throw this.fail(new CorruptStore(`broken chain at seq ${entry.seq} (${this.objects.displayUrl}/${key}): prev does not match the hash of entry ${entry.seq - 1}`));
    }
    const why = this._state.applyEntry(entry);
    if (why) throw this.fail(new CorruptStore(`log entry ${key} does not apply (${why})`));
    this._headSeq = entry.seq;
    this.headHash = sha256(bytes);
    this.headTs = entry.ts;
    this.appliedTxns.set(entry.seq, entry.txns.map((t) => t.txn));
    this.appliedTxns.delete(entry.seq - APPLIED_TXNS_KEPT_MAX);
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
      const pending: Pending = {
        prepare: prepare as Prepare<unknown>,
        attempt: 0,
        enqueuedMs: now,
        deadlineMs: now + this.commitDeadlineMs,
        settled: false,
        // each request is answered exactly once, whatever path answers it first
        resolve: (value) => {
          if (pending.settled) return;
          pending.settled = true;
          resolve(value as R);
        },
        reject: (error) => {
          if (pending.settled) return;
          pending.settled = true;
          reject(error);
        },
      };
      this.queue.push(pending);
      if (!this.committing) void this.runCommitter();
    });
  }

  private async runCommitter(): Promise<void> {
    this.committing = true;
    try {
      while (this.queue.length > 0 && !this.failure) {
        // a request answered while it waited (an error after it was requeued) is never written
        const batch = this.queue.splice(0, COMMIT_BATCH_TXNS_MAX).filter((p) => !p.settled);
        if (batch.length > 0) await this.commitBatch(batch);
      }
    } catch (error) {
      // only assertion failures and corruption get here: stop committing (fail closed)
      const failure = error instanceof Error ? error : new Error(String(error));
      this.fail(failure);
    } finally {
      this.committing = false;
    }
    if (this.failure) for (const pending of this.queue.splice(0)) pending.reject(this.failure);
    if (this.queue.length > 0 && !this.failure) void this.runCommitter();
  }

  /** Prepares and writes one batch; every request in it is answered or requeued, even on errors. */
  private async commitBatch(batch: Pending[]): Promise<void> {
    let included: Included[] = [];
    let written = false;
    try {
      // A write needs no probe first: creating log/<h+1> fails if the head moved, and the
      // batch is then prepared again. A rejection or a no-op does need one, so it is never
      // answered from a state another replica has moved past: probe, and if the head moved,
      // prepare the batch again. Knowledge older than half the freshness bound is refreshed first.
      if (this.clock.nowMs() - this.observedMs > this.headFreshnessMs / 2) await this.sync('linearizable');
      const prepared = await this.prepareAll(batch);
      if (this.clock.nowMs() - this.observedMs > this.headFreshnessMs && this.plantedBug !== 'trust-stale-head') {
        // preparing took longer than we may trust the head: probe again before writing
        return this.requeue(batch);
      }
      if (prepared.some((outcome) => outcome.kind !== 'txn')) {
        const preparedAt = this._headSeq;
        await this.sync('linearizable');
        if (this._headSeq !== preparedAt) return this.requeue(batch);
      }
      included = this.buildBatch(batch, prepared);
      const header: LogEntry = {
        v: ENTRY_VERSION,
        seq: this._headSeq + 1,
        prev: this.headHash,
        ts: Math.max(this.clock.nowMs(), this.headTs),
        replica: this.replicaId,
        txns: [],
      };
      included = this.fitEntry(header, included);
      if (included.length === 0) return;
      const entry: LogEntry = { ...header, txns: included.map((i) => i.txn) };
      const bytes = encodeJson(entry);
      assert(bytes.length <= LOG_ENTRY_BYTES_MAX, 'log entry over LOG_ENTRY_BYTES_MAX after fitting');
      written = true;
      const result = await this.writeEntry(entry, bytes, included);
      switch (result) {
        case 'landed':
          for (const item of included) item.pending.resolve(item.result);
          this.maybeCheckpoint();
          return;
        case 'lost':
          this.stats.racesLost++;
          // full jitter keeps replicas from colliding in lockstep
          await this.clock.sleep(this.backoffMs(Math.max(...included.map((i) => i.pending.attempt))));
          return this.requeue(included.map((i) => i.pending));
        case 'unknown':
        case 'failed':
          return;
      }
    } catch (error) {
      if (error instanceof CorruptStore || !(error instanceof StoreUnavailable)) this.fail(error instanceof Error ? error : new Error(String(error)));
      // in the entry we tried to write: we cannot know whether it landed; otherwise nothing
      // of it was written, a definite failure (requeued ones are answered now and skipped later)
      const inEntry = new Set(included.map((i) => i.pending));
      const unknown = new CommitStateUnknown(`commit state unknown: ${(error as Error).message}`);
      for (const pending of batch) pending.reject(written && inEntry.has(pending) ? unknown : error);
    }
  }

  private prepareAll(batch: Pending[]): Promise<Prepared<unknown>[]> {
    return Promise.all(
      batch.map((p) => p.prepare(this._state, p.attempt).catch((error: unknown): Prepared<unknown> => ({ kind: 'reject', error }))),
    );
  }

  /** Synchronous from here to the PUT: the entry is built against exactly this head. */
  private buildBatch(batch: Pending[], prepared: Prepared<unknown>[]): Included[] {
    const included: Included[] = [];
    const retry: Pending[] = [];
    const footprint = new BatchFootprint();
    prepared.forEach((outcome, i) => {
      const pending = batch[i]!;
      if (outcome.kind === 'reject') return pending.reject(outcome.error);
      if (outcome.kind === 'noop') return pending.resolve(outcome.result);
      const own = footprintOf(outcome.effects, outcome.idem);
      const overlaps = footprint.overlaps(own);
      const stale = txnConflicts(this._state, outcome.effects) ||
        (outcome.idem !== undefined && this._state.idempotency.has(outcome.idem.key));
      if (overlaps || stale) return retry.push(pending); // prepared against an older state: prepare again
      footprint.add(own);
      included.push({ pending, txn: { txn: this.rng.uuid(), idem: outcome.idem, effects: outcome.effects }, result: outcome.result });
    });
    this.requeue(retry);
    return included;
  }

  /**
   * Keeps the entry within LOG_ENTRY_BYTES_MAX, still synchronous with buildBatch: a txn too
   * large for any entry is refused (nothing of it was written), and txns that do not fit beside
   * the others wait for the next entry.
   */
  private fitEntry(header: LogEntry, included: Included[]): Included[] {
    const headerBytes = encodeJson(header).length;
    const fits: Included[] = [];
    const later: Pending[] = [];
    let entryBytes = headerBytes;
    for (const item of included) {
      const txnBytes = encodeJson(item.txn).length + 1; // and its comma
      if (headerBytes + txnBytes > LOG_ENTRY_BYTES_MAX) {
        const message = `Commit too large: its log entry would have ${headerBytes + txnBytes} bytes (at most ${LOG_ENTRY_BYTES_MAX})`;
        item.pending.reject(new EntryTooLarge(message));
      } else if (entryBytes + txnBytes > LOG_ENTRY_BYTES_MAX) {
        later.push(item.pending);
      } else {
        entryBytes += txnBytes;
        fits.push(item);
      }
    }
    this.requeue(later);
    return fits;
  }

  /**
   * Writes one entry. Unknown outcomes are retried with the same bytes; `exists` is resolved by
   * catching up and looking for our txn id at that seq. A create that ends long after our last
   * observation of the head is checked against gc/boundary: it may have re-created an entry
   * GC already collected, which nobody will ever read.
   */
  private async writeEntry(entry: LogEntry, bytes: Buffer, included: Included[]): Promise<WriteResult> {
    const key = logKey(entry.seq);
    const deadline = Math.min(...included.map((i) => i.pending.deadlineMs));
    const observedBeforeMs = this.observedMs;
    const ourTxn = included[0]!.txn.txn;
    let maybeLanded = false; // an earlier attempt's outcome was unknown
    let definiteFailures = 0;
    if (this.plantedBug === 'ack-before-write') for (const item of included) item.pending.resolve(item.result);
    for (let attempt = 0; ; attempt++) {
      assert(entry.seq === this._headSeq + 1 || maybeLanded, 'entry must extend the head');
      const sentMs = this.clock.nowMs();
      const outcome = await this.objects.putIfAbsent(key, bytes);
      switch (outcome.kind) {
        case 'created': {
          this.stats.entriesWritten++;
          if (this.clock.nowMs() - observedBeforeMs > this.headFreshnessMs && this.plantedBug !== 'trust-stale-head') {
            const boundary = await readBoundary(this.objects);
            if (boundary.kind === 'unknown' || boundary.boundary.logDeletedThrough >= entry.seq) {
              this.stats.staleCreates++;
              const why = boundary.kind === 'unknown' ? 'gc/boundary is unreadable' : `GC already collected seq ${entry.seq}`;
              return this.answerUnknown(included, `${key} was created after a stall and ${why}`);
            }
          }
          if (this._headSeq < entry.seq) this.applyEntryBytes(bytes, key);
          else if (!this.appliedTxns.get(entry.seq)?.includes(ourTxn)) {
            return this.answerUnknown(included, `${key} was created but another entry was applied at that seq`);
          }
          this.observedMs = Math.max(this.observedMs, sentMs);
          return 'landed';
        }
        case 'exists': {
          try {
            await this.catchUp();
          } catch (error) {
            if (!maybeLanded) return 'lost';
            return this.answerUnknown(included, `cannot read ${key} back: ${(error as Error).message}`);
          }
          const atSeq = this.appliedTxns.get(entry.seq);
          if (atSeq?.includes(ourTxn)) return 'landed'; // an earlier attempt with unknown outcome did land
          if (atSeq || !maybeLanded) return 'lost';
          return this.answerUnknown(included, `${key} was collected before we could read it back`);
        }
        case 'unknown':
          if (outcome.definite && !maybeLanded) {
            // this attempt did nothing and no earlier one can have landed: a definite failure,
            // answered promptly after a short retry (the deadline is for ambiguity, not outages)
            this.stats.definiteFailures++;
            if (!outcome.retryable || ++definiteFailures > COMMIT_DEFINITE_FAILURE_RETRIES_MAX || this.clock.nowMs() >= deadline) {
              const why = `commit not applied: writing ${key} failed (${outcome.cause.message})`;
              const failed = new CommitUnavailable(why, COMMIT_UNAVAILABLE_RETRY_AFTER_S);
              for (const item of included) item.pending.reject(failed);
              return 'failed';
            }
            await this.clock.sleep(this.backoffMs(attempt));
            // a read may have caught up meanwhile: the entry no longer extends the head
            if (entry.seq !== this._headSeq + 1) return 'lost';
            continue;
          }
          this.stats.unknownOutcomes++;
          maybeLanded = true;
          if (!outcome.retryable || this.clock.nowMs() >= deadline) {
            const answer = this.answerUnknown(included, `writing ${key} failed (${outcome.cause.message})`);
            // the entry may exist: learn the truth before building on the head again
            await this.catchUp().catch(() => undefined);
            return answer;
          }
          await this.clock.sleep(this.backoffMs(attempt));
          continue;
      }
    }
  }

  private answerUnknown(included: Included[], why: string): WriteResult {
    for (const item of included) item.pending.reject(new CommitStateUnknown(`commit state unknown: ${why}`));
    return 'unknown';
  }

  private requeue(pendings: Pending[]): void {
    const now = this.clock.nowMs();
    const again: Pending[] = [];
    for (const pending of pendings) {
      if (pending.settled) continue;
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

  // ---- checkpoints and GC --------------------------------------------------------------

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
    void this.writeCheckpoint(checkpoint).catch(() => false).finally(() => {
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

  /** One garbage-collection run from this replica; concurrent runs (here or elsewhere) are safe. */
  runGc(): Promise<GcReport> {
    this.gcRunning ??= collectGarbage(this.objects, this.gcOptions).finally(() => {
      this.gcRunning = undefined;
    });
    this.stats.gcRuns++;
    return this.gcRunning;
  }

  private async digestOf(key: string): Promise<string | undefined> {
    const found = await this.objects.get(key);
    return found.kind === 'found' ? sha256(found.body) : undefined;
  }

  /** Replaces the state by the newest checkpoint at or above `minSeq` (GC passed our head). */
  private async jumpToCheckpoint(minSeq: number): Promise<void> {
    this.stats.checkpointJumps++;
    await this.loadLatestCheckpoint(minSeq);
    if (this._headSeq < minSeq) {
      throw new StoreUnavailable(`no checkpoint at or above seq ${minSeq} although GC collected the log through it`);
    }
  }

  /** Loads the newest checkpoint (hint first, else listing) when it is ahead of the head. */
  private async loadLatestCheckpoint(minSeq: number): Promise<void> {
    const hint = await readHint(this.objects);
    let checkpoint: Checkpoint | undefined;
    if (hint && hint.seq >= minSeq) checkpoint = await this.readCheckpoint(hint.key, hint.sha256);
    if (!checkpoint) {
      // no hint, or its checkpoint was collected: the newest listed one is as good
      const listed = await listAll(this.objects, CHECKPOINT_PREFIX);
      if (!Array.isArray(listed)) throw new StoreUnavailable(`cannot list checkpoints: ${listed.cause.message}`);
      const newest = listed.map((o) => o.key).filter((k) => seqOfKey(k) !== undefined).sort().pop();
      if (newest) checkpoint = await this.readCheckpoint(newest, undefined);
    }
    if (!checkpoint || checkpoint.seq <= this._headSeq) return;
    if (checkpoint.catalogId !== this.identity.catalogId) {
      throw new CorruptStore(`checkpoint at seq ${checkpoint.seq} belongs to catalog ${checkpoint.catalogId}, not ${this.identity.catalogId}`);
    }
    this._state = CatalogState.fromSnapshot(checkpoint.state);
    this._headSeq = checkpoint.seq;
    this.headHash = checkpoint.entryHash;
    this.headTs = checkpoint.ts;
    this.lastCheckpointSeq = Math.max(this.lastCheckpointSeq, checkpoint.seq);
    // we do not know when seq+1 was absent: the next observation must be confirmed by gc/boundary
    this.observedMs = -Infinity;
    this.appliedTxns.clear();
  }

  private async readCheckpoint(key: string, expectedSha: string | undefined): Promise<Checkpoint | undefined> {
    const found = await this.objects.get(key);
    if (found.kind === 'notFound') return undefined;
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${key}: ${found.cause.message}`);
    if (expectedSha && sha256(found.body) !== expectedSha) {
      throw new CorruptStore(`checkpoint ${this.objects.displayUrl}/${key} does not match the sha256 in ${LAST_CHECKPOINT_KEY}`);
    }
    const checkpoint = decodeCheckpoint(found.body, key);
    if (this.objects.wasPlaintext(found.body) && checkpoint.state.encryption) {
      throw new CorruptStore(`checkpoint ${this.objects.displayUrl}/${key} is not encrypted, but its state has encryption on: refusing it`);
    }
    return checkpoint;
  }

  // ---- lifecycle -----------------------------------------------------------------------

  private fail(error: Error): Error {
    this.failure ??= error;
    return error;
  }

  /** Why this store stopped serving (it failed closed), or undefined while it serves. */
  get failedBecause(): string | undefined {
    return this.failure?.message;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    while (this.committing) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Whether a txn's effects, applied in order, fail on `state`. Checked one by one against the
 * head first (cheap, and enough for almost every txn); only a txn whose later effects build on
 * its earlier ones (create a namespace and a table in it) is replayed on a copy.
 */
function txnConflicts(state: CatalogState, effects: Effect[]): boolean {
  if (effects.every((e) => state.conflict(e) === undefined)) return false;
  if (effects.length === 1) return true;
  const scratch = CatalogState.fromSnapshot(state.toSnapshot());
  for (const effect of effects) {
    if (scratch.conflict(effect) !== undefined) return true;
    scratch.apply(effect);
  }
  return false;
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
      case 'encryption.set':
        f.writes.push('encryption');
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

function parseIdentity(bytes: Buffer, objects: ObjectStore): CatalogIdentity {
  try {
    const identity = JSON.parse(bytes.toString('utf8')) as CatalogIdentity;
    if (typeof identity === 'object' && identity !== null) return identity;
  } catch {
    // reported below, naming the object
  }
  throw new CorruptStore(`${objects.displayUrl}/${CATALOG_KEY} is not valid JSON (${bytes.length} bytes)`);
}

async function loadOrCreateIdentity(objects: ObjectStore, options: StoreOptions): Promise<{ bytes: Buffer; created: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await objects.get(CATALOG_KEY);
    if (found.kind === 'found') return { bytes: found.body, created: false };
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
    if (options.encryption) {
      const { provider, activeKey } = options.encryption;
      identity.encryption = { algorithm: 'AES-256-GCM', activeKey, keyCheck: await makeKeyCheck(provider, identity.catalogId, activeKey) };
    }
    const bytes = encodeJson(identity);
    const created = await objects.putIfAbsent(CATALOG_KEY, bytes);
    if (created.kind === 'created') return { bytes, created: true };
    if (created.kind === 'unknown' && !created.retryable) {
      throw new StoreUnavailable(`cannot create ${objects.displayUrl}/${CATALOG_KEY}: ${created.cause.message}`);
    }
    // another replica initialised it first, or the outcome is unknown: read it back
  }
  throw new StoreUnavailable(`cannot initialise ${objects.displayUrl}/${CATALOG_KEY}`);
}

// kept here too: backup/ imports them from this module
export { readHint, advanceHint } from './hint.js';
