// The simulated object store. `Bucket` is the one shared store (a MemoryObjectStore on the
// virtual clock) and archives every object ever created under log/, so the checker can
// rebuild the true log after GC deleted most of it. `FaultyStore` is one replica's view of
// it: seeded latency (hence reordering), fail-before-apply and apply-then-fail (ambiguous)
// outcomes reported as 409/429/5xx/timeouts (a refused connection before apply is definite),
// rare request stalls far longer than GC's min_age, and a process that crashes or pauses while
// a request is in flight.
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import {
  unknown, type CreateOutcome, type DeleteOutcome, type GetOutcome, type HeadOutcome, type ListOptions, type ListOutcome,
  type ObjectStore, type PutOutcome, type SwapOutcome,
} from '../../src/objectstore/types.js';
import type { Rng } from '../../src/util/index.js';
import type { Process, Scheduler } from './scheduler.js';

export interface ArchivedObject {
  key: string;
  body: Buffer;
  createdMs: number;
}

export class Bucket {
  readonly inner: MemoryObjectStore;
  readonly logArchive: ArchivedObject[] = [];
  readonly counts = { requests: 0, deletes: 0 };

  constructor(readonly scheduler: Scheduler) {
    this.inner = new MemoryObjectStore('memory://sim', '', () => scheduler.nowMs);
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    const outcome = await this.inner.putIfAbsent(key, body);
    if (outcome.kind === 'created' && key.startsWith('log/')) {
      this.logArchive.push({ key, body: Buffer.from(body), createdMs: this.scheduler.nowMs });
    }
    return outcome;
  }
}

export interface FaultRates {
  /** request lost before it reached the store */
  failBefore: number;
  /** applied, but the answer was lost (timeout, 5xx, connection reset) */
  failAfter: number;
  /** latency is drawn from [1, latencyMsMax], with a rare slow tail */
  latencyMsMax: number;
  slowMs: number;
  slowRate: number;
  /** a request held in the network for `stallMs` before it reaches the store */
  stallRate: number;
  stallMs: number;
}

export const NO_FAULTS: FaultRates = { failBefore: 0, failAfter: 0, latencyMsMax: 1, slowMs: 0, slowRate: 0, stallRate: 0, stallMs: 0 };

/** Failures a real client can tell never reached the store: reported `definite` when lost before. */
const NEVER_SENT = 'ECONNREFUSED';
// a third of the requests lost before the store are ones the client can tell were never sent
const FAULT_MESSAGES = [
  'HTTP 503 SlowDown', 'HTTP 500 InternalError', 'HTTP 429 TooManyRequests', 'HTTP 409 ConditionalRequestConflict', 'ETIMEDOUT', 'ECONNRESET',
  NEVER_SENT, NEVER_SENT, NEVER_SENT,
];

export class FaultyStore implements ObjectStore {
  readonly backend = 'memory' as const;
  readonly displayUrl = 'memory://sim';
  faults: FaultRates;
  readonly counts = { get: 0, head: 0, putIfAbsent: 0, putIfMatch: 0, put: 0, list: 0, delete: 0, faults: 0 };

  constructor(
    private readonly bucket: Bucket,
    private readonly process: Process,
    private readonly rng: Rng,
    faults: FaultRates,
  ) {
    this.faults = faults;
  }

  private latencyMs(): number {
    const f = this.faults;
    if (f.slowRate > 0 && this.rng.next() < f.slowRate) return f.slowMs * (0.5 + this.rng.next());
    return 1 + Math.floor(this.rng.next() * f.latencyMsMax);
  }

  /** One request: travel, maybe fail, apply, maybe lose the answer, travel back. */
  private async call<T>(mutating: boolean, apply: () => Promise<T>): Promise<T | ReturnType<typeof unknown>> {
    const scheduler: Scheduler = this.bucket.scheduler;
    const f = this.faults;
    const stalled = f.stallRate > 0 && this.rng.next() < f.stallRate;
    // the request travels even if its sender stops or dies meanwhile (zombie writes land)
    await scheduler.sleep(stalled ? f.stallMs : this.latencyMs());
    const roll = this.rng.next();
    const message = FAULT_MESSAGES[Math.floor(this.rng.next() * FAULT_MESSAGES.length)]!;
    let result: T | ReturnType<typeof unknown>;
    if (roll < f.failBefore) {
      this.counts.faults++;
      result = unknown(new Error(`simulated ${message} (not applied)`), true, message === NEVER_SENT);
    } else {
      result = await apply();
      this.bucket.counts.requests++;
      if (mutating && roll < f.failBefore + f.failAfter) {
        this.counts.faults++;
        // an applied request was sent: whatever its error, it is ambiguous
        result = unknown(new Error(`simulated ${message === NEVER_SENT ? 'ECONNRESET' : message} (applied)`));
      }
    }
    // the answer is only handled when the process runs: never after a crash, late after a pause
    await this.process.wait(this.latencyMs());
    return result;
  }

  get(key: string): Promise<GetOutcome> {
    this.counts.get++;
    return this.call(false, () => this.bucket.inner.get(key));
  }

  head(key: string): Promise<HeadOutcome> {
    this.counts.head++;
    return this.call(false, () => this.bucket.inner.head(key));
  }

  putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    this.counts.putIfAbsent++;
    return this.call(true, () => this.bucket.putIfAbsent(key, body));
  }

  putIfMatch(key: string, body: Uint8Array, etag: string): Promise<SwapOutcome> {
    this.counts.putIfMatch++;
    return this.call(true, () => this.bucket.inner.putIfMatch(key, body, etag));
  }

  put(key: string, body: Uint8Array): Promise<PutOutcome> {
    this.counts.put++;
    return this.call(true, () => this.bucket.inner.put(key, body));
  }

  list(prefix: string, options?: ListOptions): Promise<ListOutcome> {
    this.counts.list++;
    return this.call(false, () => this.bucket.inner.list(prefix, options));
  }

  delete(key: string): Promise<DeleteOutcome> {
    this.counts.delete++;
    return this.call(true, async () => {
      const outcome = await this.bucket.inner.delete(key);
      if (outcome.kind === 'deleted') this.bucket.counts.deletes++;
      return outcome;
    });
  }

  async close(): Promise<void> {}
}
