// The read barrier: what makes reads linearizable across replicas. A linearizable read waits
// for a probe of log/<h+1> sent after it arrived; concurrent readers share one probe. A
// bounded read returns at once while the last completed probe is younger than max_staleness.
//
// A probe is a catch-up: fetch entries after the head until one is missing, and trust that 404
// only if the head was observed within the freshness bound, or if gc/boundary, read afterwards,
// shows GC has not reached h+1. GC advances the boundary before it deletes, so that one read
// rules out both a hole left by GC (a stale 404) and an entry re-created after collection.
import {
  CATCH_UP_ENTRIES_BEFORE_HINT_MAX, CATCH_UP_JUMPS_MAX, CATCH_UP_ROUND_ENTRIES_MAX, OPEN_TAIL_CHECK_ROUNDS_MAX,
} from '../config/index.js';
import type { Checkpoints } from './checkpoints.js';
import type { EncryptedObjectStore } from './encryption/index.js';
import { StoreUnavailable } from './errors.js';
import { readBoundary } from './gc/index.js';
import type { Head, Health } from './head.js';
import { readHint } from './hint.js';
import { LOG_PREFIX, logKey } from './layout.js';
import { firstEntryAfter, logHole } from './log-hole.js';
import { fetchTail } from './log-reader.js';
import type { Consistency, Settings } from './options.js';
import type { StoreStats } from './stats.js';

export class ReadBarrier {
  private catchUpChain: Promise<void> = Promise.resolve();
  private probeInFlight: Promise<void> | undefined;
  private probeNext: Promise<void> | undefined;
  /** send time of the newest probe that completed: bounded reads are this fresh */
  private syncedAsOfMs = -Infinity;
  /** send time of the newest catch-up that completed, through a probe or not */
  private _probedAtMs = -Infinity;

  constructor(
    private readonly objects: EncryptedObjectStore,
    private readonly head: Head,
    private readonly checkpoints: Checkpoints,
    private readonly settings: Settings,
    private readonly stats: StoreStats,
    private readonly health: Health,
  ) {}

  get probedAtMs(): number {
    return this._probedAtMs;
  }

  /** `mode` overrides the configured consistency per request. */
  async sync(mode: Consistency = this.settings.consistency): Promise<void> {
    this.health.throwIfFailed();
    // bounded: the state is as new as the send time of the last probe that *completed* (one
    // still in flight says nothing yet; the simulation caught a read served at seq 0 that way)
    if (mode === 'bounded' && this.settings.clock.nowMs() - this.syncedAsOfMs <= this.settings.maxStalenessMs) return;
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
    const startMs = this.settings.clock.nowMs();
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
    const startMs = this.settings.clock.nowMs();
    const run = this.catchUpChain.then(() => this.catchUpNow()).then(() => {
      this._probedAtMs = Math.max(this._probedAtMs, startMs);
    });
    // the chain only orders catch-ups; each failure reaches its own caller through `run`
    this.catchUpChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Rounds of: fetch the tail into a buffer, check the observations were trustworthy (fresh,
   * or confirmed by gc/boundary read afterwards), apply. GC having passed the head means the
   * entries we need are gone: jump to the newest checkpoint and continue from there.
   */
  private async catchUpNow(): Promise<void> {
    const { clock, headFreshnessMs, plantedBug } = this.settings;
    let applied = 0;
    let hintChecked = false;
    for (let jumps = 0; ; ) {
      const fromSeq = this.head.seq + 1;
      const observedBeforeMs = this.head.observedMs;
      const round = await fetchTail(this.objects, clock, fromSeq);
      const fresh = clock.nowMs() - observedBeforeMs <= headFreshnessMs;
      if (!fresh && plantedBug !== 'trust-stale-head') {
        this.stats.resyncs++;
        const boundary = await readBoundary(this.objects);
        if (boundary.kind === 'unknown') throw new StoreUnavailable(`cannot read gc/boundary: ${boundary.cause.message}`);
        if (boundary.boundary.logDeletedThrough >= fromSeq) {
          // what we saw may be a hole left by GC or an entry re-created after collection
          if (++jumps > CATCH_UP_JUMPS_MAX) throw new StoreUnavailable(`garbage collection keeps passing this replica (head ${this.head.seq})`);
          await this.checkpoints.jumpTo(boundary.boundary.logDeletedThrough);
          continue;
        }
      }
      for (const [index, bytes] of round.entries.entries()) {
        // the round's entries are contiguous from fromSeq: name a corrupt one by its own key
        const seq = this.head.decodeOrFail(bytes, `${this.objects.displayUrl}/${logKey(fromSeq + index)}`).seq;
        if (seq <= this.head.seq) continue; // the committer applied it meanwhile
        this.head.apply(bytes, logKey(seq));
        applied++;
      }
      if (round.missingSeq !== undefined) {
        if (round.missingSeq === this.head.seq + 1) this.head.observed(round.missingSentMs);
        return;
      }
      if (!hintChecked && applied >= CATCH_UP_ENTRIES_BEFORE_HINT_MAX) {
        // far behind: a checkpoint may save replaying thousands of entries
        hintChecked = true;
        const hint = await readHint(this.objects);
        if (hint && hint.seq > this.head.seq + CATCH_UP_ROUND_ENTRIES_MAX) {
          this.stats.checkpointJumps++;
          await this.checkpoints.loadLatest(this.head.seq + 1);
        }
      }
    }
  }

  /**
   * At open. The head is where probing found the first missing entry. An entry listed beyond
   * it means the log has a hole (an entry deleted or lost by hand): replay cannot cross it,
   * and serving from the head would acknowledge a new entry at the hole and then fail on the
   * next one. One LIST past the head tells; an entry at head+1 was committed meanwhile by
   * another replica (catch up and look again), and a hole GC made (the boundary passed us)
   * means jump ahead. Holes below the oldest kept checkpoint are GC's and never looked at.
   */
  async checkNothingBeyondHead(): Promise<void> {
    for (let round = 0; round < OPEN_TAIL_CHECK_ROUNDS_MAX; round++) {
      const missing = this.head.seq + 1;
      const next = await firstEntryAfter(this.objects, this.head.seq);
      if (next.kind === 'none') return;
      if (next.kind === 'unknown') throw new StoreUnavailable(`cannot list ${this.objects.displayUrl}/${LOG_PREFIX}: ${next.cause.message}`);
      if (next.seq > missing) {
        // GC advances the boundary before it deletes: read after the listing, it tells a hole
        // GC made (we were slow and it passed us) from one it did not
        const boundary = await readBoundary(this.objects);
        if (boundary.kind === 'unknown') throw new StoreUnavailable(`cannot read gc/boundary: ${boundary.cause.message}`);
        if (boundary.boundary.logDeletedThrough < missing) throw this.health.fail(logHole(this.objects, this.head.seq, next.key));
        await this.checkpoints.jumpTo(boundary.boundary.logDeletedThrough);
      }
      await this.catchUp();
    }
    // other replicas keep committing: each round found the next entry present, no hole there
  }
}
