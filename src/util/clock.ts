// The only place that reads the wall clock or schedules timers, so simulations can inject a
// virtual clock and the pure layers never see time except as a parameter.
export interface Clock {
  nowMs(): number;
  /** Waits `ms` on behalf of a request (a retry backoff): the process stays alive meanwhile. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Waits `ms` between runs of background work (GC, polling): the same as `sleep`, except that
   * a pending one does not keep the process alive, so a tool that opens a store and forgets to
   * close it still exits.
   */
  sleepInBackground(ms: number, signal?: AbortSignal): Promise<void>;
}

function timerSleep(ms: number, signal: AbortSignal | undefined, keepAlive: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (!keepAlive) timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (ms, signal) => timerSleep(ms, signal, true),
  sleepInBackground: (ms, signal) => timerSleep(ms, signal, false),
};
