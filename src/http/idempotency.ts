// Concurrent duplicates of an Idempotency-Key request: the second waits for the first, which
// will have recorded its answer, so it replays instead of racing it. The wait is bounded (in
// count and time, see config/limits.ts); past it the duplicate runs anyway, which is safe:
// the answer is recorded in the same log txn as the effects (catalog/pipeline.ts).
import { errors } from '../catalog/index.js';
import { IDEMPOTENCY_DUPLICATE_WAIT_MS, IDEMPOTENCY_DUPLICATE_WAITS_MAX, IDEMPOTENCY_INFLIGHT_MAX } from '../config/index.js';

export interface InflightBounds {
  inflightMax: number;
  waitsMax: number;
  waitMs: number;
}

const BOUNDS: InflightBounds = {
  inflightMax: IDEMPOTENCY_INFLIGHT_MAX,
  waitsMax: IDEMPOTENCY_DUPLICATE_WAITS_MAX,
  waitMs: IDEMPOTENCY_DUPLICATE_WAIT_MS,
};

export class IdempotencyGate {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly bounds: InflightBounds;

  constructor(bounds: Partial<InflightBounds> = {}) {
    this.bounds = { ...BOUNDS, ...bounds };
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.bounds.waitMs;
    for (let waited = 0; waited < this.bounds.waitsMax; waited++) {
      const running = this.inflight.get(key);
      const remaining = deadline - Date.now();
      if (running === undefined || remaining <= 0) break;
      await settledWithin(running, remaining);
    }
    if (this.inflight.size >= this.bounds.inflightMax) throw errors.idempotencyBusy();
    const run = fn();
    this.inflight.set(key, run);
    try {
      return await run;
    } finally {
      if (this.inflight.get(key) === run) this.inflight.delete(key);
    }
  }
}

/** Waits for `promise` to settle (its outcome is the other request's), at most `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    // the other request's failure is answered to it; here it only means "done"
    await Promise.race([promise.then(() => undefined, () => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
