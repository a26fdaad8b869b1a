// The log writer: one committer loop per process with group commit and at most one log write
// in flight. Requests queue; the loop takes a batch, prepares every request against the head,
// admits the txns whose footprints are disjoint into one entry for seq h+1, and creates
// log/<h+1> with create-if-absent. Losing that race (another replica wrote h+1) means: catch
// up, prepare again. An unknown outcome is retried with the same bytes until the deadline,
// then answered CommitStateUnknown. Every request is answered exactly once.
import {
  COMMIT_BACKOFF_EXPONENT_MAX, COMMIT_BATCH_TXNS_MAX, COMMIT_DEFINITE_FAILURE_RETRIES_MAX, COMMIT_QUEUE_MAX, COMMIT_RETRY_BACKOFF_MS_MAX,
  COMMIT_UNAVAILABLE_RETRY_AFTER_S, LOG_ENTRY_BYTES_MAX,
} from '../config/index.js';
import { assert } from '../util/index.js';
import type { Background } from './background.js';
import type { Checkpoints } from './checkpoints.js';
import type { Effect, IdempotencyRecord, Txn } from './effects.js';
import type { EncryptedObjectStore } from './encryption/index.js';
import { CommitQueueFull, CommitStateUnknown, CommitUnavailable, EntryTooLarge, StoreUnavailable, isStoreFailure } from './errors.js';
import { BatchFootprint, footprintOf, txnConflicts } from './footprint.js';
import { readBoundary } from './gc/index.js';
import type { Head, Health } from './head.js';
import { CorruptStore, ENTRY_VERSION, encodeJson, logKey, type LogEntry } from './layout.js';
import type { Settings } from './options.js';
import type { ReadBarrier } from './read-barrier.js';
import type { CatalogState } from './state.js';
import type { StoreStats } from './stats.js';

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

/** The label floe_commit_duration_seconds gets for how a commit was answered. */
function outcomeLabel(error: unknown): string {
  if (error === undefined) return 'ok';
  return isStoreFailure(error) ? error.kind : 'rejected';
}

export class Committer {
  private queue: Pending[] = [];
  private loop: Promise<void> | undefined;

  constructor(
    private readonly objects: EncryptedObjectStore,
    private readonly head: Head,
    private readonly barrier: ReadBarrier,
    private readonly checkpoints: Checkpoints,
    private readonly background: Background,
    private readonly settings: Settings,
    private readonly stats: StoreStats,
    private readonly health: Health,
  ) {}

  /** Queues a request; it is prepared against the newest state and written with group commit. */
  commit<R>(prepare: Prepare<R>): Promise<R> {
    this.health.throwIfFailed();
    if (this.health.closed) return Promise.reject(new StoreUnavailable('the catalog store is closed'));
    if (this.queue.length >= COMMIT_QUEUE_MAX) {
      return Promise.reject(new CommitQueueFull(`commit queue is full (${COMMIT_QUEUE_MAX} waiting)`, 1));
    }
    const { clock, telemetry } = this.settings;
    return new Promise<R>((resolve, reject) => {
      const now = clock.nowMs();
      const settle = (error: unknown) => {
        pending.settled = true;
        telemetry.metrics.observe('floe_commit_duration_seconds', (clock.nowMs() - now) / 1000, { outcome: outcomeLabel(error) });
      };
      const pending: Pending = {
        prepare: prepare as Prepare<unknown>,
        attempt: 0,
        enqueuedMs: now,
        deadlineMs: now + this.settings.commitDeadlineMs,
        settled: false,
        // each request is answered exactly once, whatever path answers it first
        resolve: (value) => {
          if (pending.settled) return;
          settle(undefined);
          resolve(value as R);
        },
        reject: (error) => {
          if (pending.settled) return;
          settle(error);
          reject(error);
        },
      };
      this.queue.push(pending);
      this.start();
    });
  }

  /** Resolves when the committer loop has stopped (nothing queued, or the store failed). */
  async drained(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Starts the committer loop unless it runs; it stops when the queue is empty. */
  private start(): void {
    if (this.loop) return;
    // `finally` runs after this assignment even when run() ends without awaiting anything
    const loop = this.run().finally(() => {
      if (this.loop === loop) this.loop = undefined;
      const failure = this.health.failedBecause;
      if (failure) for (const pending of this.queue.splice(0)) pending.reject(failure);
      // a request queued after the loop decided to stop
      else if (this.queue.length > 0) this.start();
    });
    this.loop = loop;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.health.failedBecause) {
        // a request answered while it waited (an error after it was requeued) is never written
        const batch = this.queue.splice(0, COMMIT_BATCH_TXNS_MAX).filter((p) => !p.settled);
        if (batch.length > 0) await this.commitBatch(batch);
      }
    } catch (error) {
      // only assertion failures and corruption get here: stop committing (fail closed)
      const failure = error instanceof Error ? error : new Error(String(error));
      this.health.fail(failure);
      this.settings.telemetry.log.error({ replica: this.settings.replicaId, err: failure }, `committer stopped: ${failure.message}`);
    }
  }

  /** Prepares and writes one batch; every request in it is answered or requeued, even on errors. */
  private async commitBatch(batch: Pending[]): Promise<void> {
    const { clock, headFreshnessMs, plantedBug } = this.settings;
    let included: Included[] = [];
    let written = false;
    try {
      // A write needs no probe first: creating log/<h+1> fails if the head moved, and the
      // batch is then prepared again. A rejection or a no-op does need one, so it is never
      // answered from a state another replica has moved past: probe, and if the head moved,
      // prepare the batch again. Knowledge older than half the freshness bound is refreshed first.
      if (clock.nowMs() - this.head.observedMs > headFreshnessMs / 2) await this.barrier.sync('linearizable');
      const prepared = await this.prepareAll(batch);
      if (clock.nowMs() - this.head.observedMs > headFreshnessMs && plantedBug !== 'trust-stale-head') {
        // preparing took longer than we may trust the head: probe again before writing
        return this.requeue(batch);
      }
      if (prepared.some((outcome) => outcome.kind !== 'txn')) {
        const preparedAt = this.head.seq;
        await this.barrier.sync('linearizable');
        if (this.head.seq !== preparedAt) return this.requeue(batch);
      }
      included = this.buildBatch(batch, prepared);
      const header: LogEntry = {
        v: ENTRY_VERSION,
        seq: this.head.seq + 1,
        prev: this.head.hash,
        ts: Math.max(clock.nowMs(), this.head.ts),
        replica: this.settings.replicaId,
        txns: [],
      };
      included = this.fitEntry(header, included);
      if (included.length === 0) return;
      const entry: LogEntry = { ...header, txns: included.map((i) => i.txn) };
      const bytes = encodeJson(entry);
      assert(bytes.length <= LOG_ENTRY_BYTES_MAX, 'log entry over LOG_ENTRY_BYTES_MAX after fitting');
      this.settings.telemetry.metrics.observe('floe_commit_batch_size', included.length);
      written = true;
      const result = await this.writeEntry(entry, bytes, included);
      switch (result) {
        case 'landed':
          for (const item of included) item.pending.resolve(item.result);
          this.checkpoints.maybeWrite();
          return;
        case 'lost':
          this.stats.racesLost++;
          this.settings.telemetry.metrics.inc('floe_commit_races_lost_total');
          // full jitter keeps replicas from colliding in lockstep
          await clock.sleep(this.backoffMs(Math.max(...included.map((i) => i.pending.attempt))));
          return this.requeue(included.map((i) => i.pending));
        case 'unknown':
        case 'failed':
          return;
      }
    } catch (error) {
      if (error instanceof CorruptStore || !(error instanceof StoreUnavailable)) this.health.fail(error instanceof Error ? error : new Error(String(error)));
      // in the entry we tried to write: we cannot know whether it landed; otherwise nothing
      // of it was written, a definite failure (requeued ones are answered now and skipped later)
      const inEntry = new Set(included.map((i) => i.pending));
      const unknown = new CommitStateUnknown(`commit state unknown: ${(error as Error).message}`);
      for (const pending of batch) {
        const maybeWritten = written && inEntry.has(pending);
        if (maybeWritten && !pending.settled) this.settings.telemetry.metrics.inc('floe_commit_unknown_outcomes_total');
        pending.reject(maybeWritten ? unknown : error);
      }
    }
  }

  private prepareAll(batch: Pending[]): Promise<Prepared<unknown>[]> {
    const state = this.head.state;
    return Promise.all(
      batch.map((p) => p.prepare(state, p.attempt).catch((error: unknown): Prepared<unknown> => ({ kind: 'reject', error }))),
    );
  }

  /** Synchronous from here to the PUT: the entry is built against exactly this head. */
  private buildBatch(batch: Pending[], prepared: Prepared<unknown>[]): Included[] {
    assert(batch.length === prepared.length, 'one preparation per request of the batch');
    const state = this.head.state;
    const included: Included[] = [];
    const retry: Pending[] = [];
    const footprint = new BatchFootprint();
    for (const [i, outcome] of prepared.entries()) {
      const pending = batch[i];
      assert(pending !== undefined, 'one request per preparation');
      if (outcome.kind === 'reject') {
        pending.reject(outcome.error);
        continue;
      }
      if (outcome.kind === 'noop') {
        pending.resolve(outcome.result);
        continue;
      }
      const own = footprintOf(outcome.effects, outcome.idem);
      const overlaps = footprint.overlaps(own);
      const stale = txnConflicts(state, outcome.effects) || (outcome.idem !== undefined && state.idempotency.has(outcome.idem.key));
      if (overlaps || stale) {
        retry.push(pending); // prepared against an older state: prepare again
        continue;
      }
      footprint.add(own);
      included.push({ pending, txn: { txn: this.settings.rng.uuid(), idem: outcome.idem, effects: outcome.effects }, result: outcome.result });
    }
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
    const { clock, headFreshnessMs, plantedBug } = this.settings;
    const first = included[0];
    assert(first !== undefined, 'an entry holds at least one txn');
    const key = logKey(entry.seq);
    const deadline = Math.min(...included.map((i) => i.pending.deadlineMs));
    const observedBeforeMs = this.head.observedMs;
    const ourTxn = first.txn.txn;
    let maybeLanded = false; // an earlier attempt's outcome was unknown
    let definiteFailures = 0;
    if (plantedBug === 'ack-before-write') for (const item of included) item.pending.resolve(item.result);
    for (let attempt = 0; ; attempt++) {
      assert(entry.seq === this.head.seq + 1 || maybeLanded, 'entry must extend the head');
      const sentMs = clock.nowMs();
      const outcome = await this.objects.putIfAbsent(key, bytes);
      switch (outcome.kind) {
        case 'created': {
          this.stats.entriesWritten++;
          if (clock.nowMs() - observedBeforeMs > headFreshnessMs && plantedBug !== 'trust-stale-head') {
            const boundary = await readBoundary(this.objects);
            if (boundary.kind === 'unknown' || boundary.boundary.logDeletedThrough >= entry.seq) {
              this.stats.staleCreates++;
              const why = boundary.kind === 'unknown' ? 'gc/boundary is unreadable' : `GC already collected seq ${entry.seq}`;
              return this.answerUnknown(included, `${key} was created after a stall and ${why}`);
            }
          }
          if (this.head.seq < entry.seq) this.head.apply(bytes, key);
          else if (!this.head.txnsAt(entry.seq)?.includes(ourTxn)) {
            return this.answerUnknown(included, `${key} was created but another entry was applied at that seq`);
          }
          this.head.observed(sentMs);
          return 'landed';
        }
        case 'exists': {
          try {
            await this.barrier.catchUp();
          } catch (error) {
            if (!maybeLanded) return 'lost';
            return this.answerUnknown(included, `cannot read ${key} back: ${(error as Error).message}`);
          }
          const atSeq = this.head.txnsAt(entry.seq);
          if (atSeq?.includes(ourTxn)) return 'landed'; // an earlier attempt with unknown outcome did land
          if (atSeq || !maybeLanded) return 'lost';
          return this.answerUnknown(included, `${key} was collected before we could read it back`);
        }
        case 'unknown':
          if (outcome.definite && !maybeLanded) {
            // this attempt did nothing and no earlier one can have landed: a definite failure,
            // answered promptly after a short retry (the deadline is for ambiguity, not outages)
            this.stats.definiteFailures++;
            if (!outcome.retryable || ++definiteFailures > COMMIT_DEFINITE_FAILURE_RETRIES_MAX || clock.nowMs() >= deadline) {
              const why = `commit not applied: writing ${key} failed (${outcome.cause.message})`;
              const failed = new CommitUnavailable(why, COMMIT_UNAVAILABLE_RETRY_AFTER_S);
              for (const item of included) item.pending.reject(failed);
              return 'failed';
            }
            await clock.sleep(this.backoffMs(attempt));
            // a read may have caught up meanwhile: the entry no longer extends the head
            if (entry.seq !== this.head.seq + 1) return 'lost';
            continue;
          }
          this.stats.unknownOutcomes++;
          maybeLanded = true;
          if (!outcome.retryable || clock.nowMs() >= deadline) {
            const answer = this.answerUnknown(included, `writing ${key} failed (${outcome.cause.message})`);
            // the entry may exist: learn the truth before building on the head again (a failed
            // probe is logged and counted; the next commit or read probes again)
            await this.background.run('probe', () => this.barrier.catchUp());
            return answer;
          }
          await clock.sleep(this.backoffMs(attempt));
          continue;
      }
    }
  }

  private answerUnknown(included: Included[], why: string): WriteResult {
    for (const item of included) {
      if (!item.pending.settled) this.settings.telemetry.metrics.inc('floe_commit_unknown_outcomes_total');
      item.pending.reject(new CommitStateUnknown(`commit state unknown: ${why}`));
    }
    return 'unknown';
  }

  private requeue(pendings: Pending[]): void {
    const now = this.settings.clock.nowMs();
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
    return Math.floor(this.settings.rng.next() * Math.min(COMMIT_RETRY_BACKOFF_MS_MAX, 2 * 2 ** Math.min(attempt, COMMIT_BACKOFF_EXPONENT_MAX)));
  }
}
