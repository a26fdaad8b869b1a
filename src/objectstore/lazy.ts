// A store whose backend module is loaded on first use. The three cloud SDKs together take
// seconds to import, which every `floe` command and every memory:// test would otherwise pay.
import type { Backend, ListOptions, ObjectStore } from './types.js';

export class LazyObjectStore implements ObjectStore {
  private loaded: Promise<ObjectStore> | undefined;

  constructor(
    readonly backend: Backend,
    readonly displayUrl: string,
    private readonly load: () => Promise<ObjectStore>,
  ) {}

  private inner(): Promise<ObjectStore> {
    return (this.loaded ??= this.load());
  }

  get = async (key: string, signal?: AbortSignal) => (await this.inner()).get(key, signal);
  head = async (key: string, signal?: AbortSignal) => (await this.inner()).head(key, signal);
  putIfAbsent = async (key: string, body: Uint8Array, signal?: AbortSignal) => (await this.inner()).putIfAbsent(key, body, signal);
  putIfMatch = async (key: string, body: Uint8Array, etag: string, signal?: AbortSignal) =>
    (await this.inner()).putIfMatch(key, body, etag, signal);
  put = async (key: string, body: Uint8Array, signal?: AbortSignal) => (await this.inner()).put(key, body, signal);
  list = async (prefix: string, options?: ListOptions, signal?: AbortSignal) => (await this.inner()).list(prefix, options, signal);
  delete = async (key: string, signal?: AbortSignal) => (await this.inner()).delete(key, signal);

  async close(): Promise<void> {
    if (this.loaded) await (await this.loaded).close();
  }
}
