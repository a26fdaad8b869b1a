// An object store that reports every request it passes on: floe_objectstore_requests_total by
// backend, operation and outcome (the outcome's kind: found, notFound, created, exists,
// unknown, ...), and floe_objectstore_request_duration_seconds. It changes nothing else, and
// offers the optional verbs only when the store it wraps does.
import type { Metrics } from '../util/index.js';
import type { ListOptions, ObjectStore } from './types.js';

type Operation = 'get' | 'head' | 'putIfAbsent' | 'putIfMatch' | 'put' | 'putUnpublished' | 'getBounded' | 'list' | 'delete';

export class InstrumentedObjectStore implements ObjectStore {
  readonly backend;
  readonly displayUrl: string;
  readonly putUnpublished?: ObjectStore['putUnpublished'];
  readonly getBounded?: ObjectStore['getBounded'];

  constructor(
    readonly inner: ObjectStore,
    private readonly metrics: Metrics,
    /** a monotonic clock in ms; durations only, so not the injected wall Clock */
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.backend = inner.backend;
    this.displayUrl = inner.displayUrl;
    const { putUnpublished, getBounded } = inner;
    if (putUnpublished) this.putUnpublished = (key, body, signal) => this.measure('putUnpublished', () => putUnpublished.call(inner, key, body, signal));
    if (getBounded) this.getBounded = (key, maxBytes, signal) => this.measure('getBounded', () => getBounded.call(inner, key, maxBytes, signal));
  }

  get = (key: string, signal?: AbortSignal) => this.measure('get', () => this.inner.get(key, signal));
  head = (key: string, signal?: AbortSignal) => this.measure('head', () => this.inner.head(key, signal));
  putIfAbsent = (key: string, body: Uint8Array, signal?: AbortSignal) => this.measure('putIfAbsent', () => this.inner.putIfAbsent(key, body, signal));
  putIfMatch = (key: string, body: Uint8Array, etag: string, signal?: AbortSignal) =>
    this.measure('putIfMatch', () => this.inner.putIfMatch(key, body, etag, signal));
  put = (key: string, body: Uint8Array, signal?: AbortSignal) => this.measure('put', () => this.inner.put(key, body, signal));
  list = (prefix: string, options?: ListOptions, signal?: AbortSignal) => this.measure('list', () => this.inner.list(prefix, options, signal));
  delete = (key: string, signal?: AbortSignal) => this.measure('delete', () => this.inner.delete(key, signal));
  close = () => this.inner.close();

  private async measure<T extends { kind: string }>(operation: Operation, request: () => Promise<T>): Promise<T> {
    const startMs = this.nowMs();
    let outcome = 'error'; // a thrown request (an invalid key: a bug) is counted too
    try {
      const result = await request();
      outcome = result.kind;
      return result;
    } finally {
      this.metrics.inc('floe_objectstore_requests_total', { backend: this.backend, operation, outcome });
      this.metrics.observe('floe_objectstore_request_duration_seconds', (this.nowMs() - startMs) / 1000, { backend: this.backend, operation });
    }
  }
}
