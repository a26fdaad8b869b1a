// Virtual time for the simulation: a discrete-event scheduler. Every actor (replica, client,
// chaos, GC) waits only on timers of this scheduler or on the simulated object store, which
// uses them too; the loop lets all pending promise jobs run (one setImmediate drains the
// microtask queue, as nothing does real I/O), then jumps time to the earliest timer. Ties
// break by insertion order, so one seed always replays the same interleaving.
import type { Clock } from '../../src/util/index.js';

interface Timer {
  atMs: number;
  order: number;
  fire: () => void;
}

export class Scheduler {
  nowMs = 0;
  steps = 0;
  private order = 0;
  private readonly heap: Timer[] = [];

  at(atMs: number, fire: () => void): void {
    this.push({ atMs: Math.max(atMs, this.nowMs), order: this.order++, fire });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.nowMs + Math.max(0, ms), resolve));
  }

  /** Runs until `done()` holds, no timer is left, or virtual time passes `untilMs`. */
  async run(done: () => boolean, untilMs: number): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done()) return;
      const next = this.pop();
      if (!next) return;
      if (next.atMs > untilMs) {
        this.push(next);
        return;
      }
      this.nowMs = next.atMs;
      this.steps++;
      next.fire();
    }
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: Timer, b: Timer) => a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);

/** What the simulation controls about one replica process: crash, pause, clock offset. */
export class Process {
  crashed = false;
  pausedUntilMs = 0;
  constructor(
    readonly name: string,
    readonly scheduler: Scheduler,
    /** host clocks need not agree with each other nor with the store: each gets an offset */
    readonly clockOffsetMs: number,
  ) {}

  /** Resolves after `ms`, later if the process is paused then, never once it has crashed. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        if (this.crashed) return;
        if (this.scheduler.nowMs < this.pausedUntilMs) return this.scheduler.at(this.pausedUntilMs, wake);
        resolve();
      };
      this.scheduler.at(this.scheduler.nowMs + Math.max(0, ms), wake);
    });
  }

  clock(): Clock {
    return {
      nowMs: () => this.scheduler.nowMs + this.clockOffsetMs,
      sleep: (ms) => this.wait(ms),
      // background timers die with the process, like every other wait of it
      sleepInBackground: (ms) => this.wait(ms),
    };
  }
}
