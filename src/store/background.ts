// The store's background work: periodic jobs (GC, the bounded-read poll) and one-off jobs
// (a checkpoint after a commit). Every wait goes through the injected Clock, so a simulation
// drives these jobs on its virtual time; every run is counted and every failure is logged
// with its job and counted, never dropped. `idle()` is how tests wait for them.
import type { Clock, Telemetry } from '../util/index.js';
import type { StoreStats } from './stats.js';

export type Job = 'gc' | 'checkpoint' | 'poll' | 'probe';

/** A job's own verdict on a run that did not throw: `failed` runs are logged and counted too. */
export type RunOutcome = { ok: true } | { ok: false; why: string };

export class Background {
  private readonly running = new Set<Promise<void>>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly stats: StoreStats,
    private readonly telemetry: Telemetry,
    private readonly context: object,
  ) {}

  /** Runs `work` once now, tracked for idle(); resolves when it ends, never rejects. */
  run(job: Job, work: () => Promise<RunOutcome | void>): Promise<void> {
    return this.track(job, work, undefined);
  }

  /**
   * Runs `work` every `periodMs` after a first wait of `firstDelayMs`, until stop(). A run
   * still going when the next is due delays it (runs of one job never overlap).
   */
  every(job: Job, periodMs: number, firstDelayMs: number, work: () => Promise<RunOutcome | void>): void {
    const next = (delayMs: number): void => {
      this.clock.sleepInBackground(delayMs, this.stopped.signal).then(
        () => {
          // a clock may ignore the signal (a simulated one): the flag is what ends the loop
          if (!this.stopped.signal.aborted) void this.track(job, work, () => next(periodMs));
        },
        // rejected only by stop() aborting the wait: the loop's expected way out
        () => undefined,
      );
    };
    next(firstDelayMs);
  }

  /**
   * Resolves once no run is in flight, runs started meanwhile included. One turn of the event
   * loop first, so a timer that has just fired has started its run.
   */
  async idle(): Promise<void> {
    do {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await Promise.all([...this.running]);
    } while (this.running.size > 0);
  }

  /** `then` runs before the run leaves `running`: a periodic job is never idle between its runs' bookkeeping. */
  private track(job: Job, work: () => Promise<RunOutcome | void>, then: (() => void) | undefined): Promise<void> {
    this.stats.backgroundRuns++;
    this.telemetry.metrics.inc('floe_background_runs_total', { job });
    const run: Promise<void> = work().then(
      (outcome) => {
        if (outcome && !outcome.ok) this.failed(job, outcome.why, undefined);
      },
      (error: unknown) => this.failed(job, error instanceof Error ? error.message : String(error), error),
    ).finally(() => {
      then?.();
      this.running.delete(run);
    });
    this.running.add(run);
    return run;
  }

  /** Stops the periodic loops; runs in flight finish (await idle() for them). */
  stop(): void {
    this.stopped.abort(new Error('the catalog store is closed'));
  }

  private failed(job: Job, why: string, error: unknown): void {
    this.stats.backgroundFailures++;
    this.telemetry.metrics.inc('floe_background_failures_total', { job });
    this.telemetry.log.warn({ ...this.context, job, err: error }, `background ${job} failed: ${why}`);
  }
}
