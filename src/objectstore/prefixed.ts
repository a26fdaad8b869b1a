// A view of a store under a key prefix, so the catalog store and the warehouse can share
// one bucket without knowing about each other's keys.
import type { ListOptions, ObjectStore } from './types.js';

export class PrefixedObjectStore implements ObjectStore {
  readonly backend;
  readonly displayUrl: string;
  private readonly base: string;

  constructor(
    private readonly inner: ObjectStore,
    prefix: string,
    displayUrl?: string,
  ) {
    this.backend = inner.backend;
    this.base = prefix === '' ? '' : prefix.replace(/\/+$/, '') + '/';
    this.displayUrl = displayUrl ?? `${inner.displayUrl.replace(/\/+$/, '')}/${prefix}`;
  }

  get = (key: string, signal?: AbortSignal) => this.inner.get(this.base + key, signal);
  head = (key: string, signal?: AbortSignal) => this.inner.head(this.base + key, signal);
  putIfAbsent = (key: string, body: Uint8Array, signal?: AbortSignal) => this.inner.putIfAbsent(this.base + key, body, signal);
  putIfMatch = (key: string, body: Uint8Array, etag: string, signal?: AbortSignal) =>
    this.inner.putIfMatch(this.base + key, body, etag, signal);
  put = (key: string, body: Uint8Array, signal?: AbortSignal) => this.inner.put(this.base + key, body, signal);
  putUnpublished = (key: string, body: Uint8Array, signal?: AbortSignal) =>
    this.inner.putUnpublished ? this.inner.putUnpublished(this.base + key, body, signal) : this.inner.putIfAbsent(this.base + key, body, signal);
  delete = (key: string, signal?: AbortSignal) => this.inner.delete(this.base + key, signal);

  async list(prefix: string, options: ListOptions = {}, signal?: AbortSignal) {
    const page = await this.inner.list(
      this.base + prefix,
      { ...options, startAfter: options.startAfter === undefined ? undefined : this.base + options.startAfter },
      signal,
    );
    if (page.kind !== 'listed') return page;
    const strip = (key: string) => key.slice(this.base.length);
    return {
      kind: 'listed' as const,
      objects: page.objects.map((o) => ({ ...o, key: strip(o.key) })),
      nextStartAfter: page.nextStartAfter === undefined ? undefined : strip(page.nextStartAfter),
    };
  }

  close = () => this.inner.close();
}
