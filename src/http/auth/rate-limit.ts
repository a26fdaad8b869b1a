// Failed attempts per key (a client id and address, an address) within a fixed window: past
// the limit, further attempts are refused unread until the window ends. The map is bounded:
// beyond TOKEN_FAILURE_ENTRIES_MAX keys the oldest is forgotten, so a flood of made-up client
// ids cannot grow memory (at worst it forgets some counters early).
import { TOKEN_FAILURE_ENTRIES_MAX } from '../../config/index.js';

interface Window {
  startMs: number;
  failures: number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly entriesMax = TOKEN_FAILURE_ENTRIES_MAX,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Seconds to wait when `key` has had `max` failures in its window, else undefined. */
  blocked(key: string, max: number): number | undefined {
    const window = this.current(key);
    if (!window || window.failures < max) return undefined;
    return Math.max(1, Math.ceil((window.startMs + this.windowMs - this.nowMs()) / 1000));
  }

  fail(key: string): void {
    const window = this.current(key) ?? { startMs: this.nowMs(), failures: 0 };
    window.failures++;
    this.windows.delete(key); // re-inserted last: insertion order is the eviction order
    this.windows.set(key, window);
    while (this.windows.size > this.entriesMax) this.windows.delete(this.windows.keys().next().value!);
  }

  forget(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.nowMs() - window.startMs >= this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
