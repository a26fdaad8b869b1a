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
    this.stats.backgroundRuns++;
    this.telemetry.metrics.inc('floe_background_runs_total', { job });
    const run = work().then(
      (outcome) => {
        if (outcome && !outcome.ok) this.failed(job, outcome.why, undefined);
      },
      (error: unknown) => this.failed(job, error instanceof Error ? error.message : String(error), error),
    ).finally(() => this.running.delete(run));
    this.running.add(run);
    return run;
  }

  /**
   * Runs `work` every `periodMs` after a first wait of `firstDelayMs`, until stop(). A run
   * still going when the next is due delays it (runs of one job never overlap).
   */
  every(job: Job, periodMs: number, firstDelayMs: number, work: () => Promise<RunOutcome | void>): void {
    const loop = async () => {
      let delayMs = firstDelayMs;
      for (;;) {
        await this.clock.sleepInBackground(delayMs, this.stopped.signal);
        // a clock may ignore the signal (a simulated one): the flag is what ends the loop
        if (this.stopped.signal.aborted) return;
        await this.run(job, work);
        delayMs = periodMs;
      }
    };
    // the loop ends only by stop(): its sleep is then aborted, which is the expected way out
    loop().catch(() => undefined);
  }

  /** Resolves once no run is in flight (runs started meanwhile are waited for too). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
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
