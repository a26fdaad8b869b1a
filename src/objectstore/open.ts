// Opens the backend a storage URL names, rooted at its bucket + prefix, and resolves
// absolute object URLs (metadata locations in the warehouse) to a store and a key.
import type { StorageSettings } from '../config/index.js';
import { FileObjectStore } from './file.js';
import { MemoryObjectStore } from './memory.js';
import { PrefixedObjectStore } from './prefixed.js';
import { openCloudBucket } from './cloud.js';
import { InvalidStorageUrl, parseStorageUrl, type StorageUrl } from './url.js';
import { isWithin, type Location } from './location.js';
import type { GetOutcome, ObjectStore } from './types.js';

export type BackendOptions = Partial<StorageSettings>;

/** Opens the whole bucket (or file system root / memory root) that `url` lives in. */
function openBucket(url: StorageUrl, options: BackendOptions): ObjectStore {
  switch (url.backend) {
    case 'memory':
      return new MemoryObjectStore(`memory://${url.bucket}`, url.bucket);
    case 'file':
      return new FileObjectStore(url.bucket);
    case 's3':
    case 'gcs':
    case 'azure':
      return openCloudBucket(url, options);
  }
}

/** The store rooted at the URL's prefix: keys are relative to it. */
export function openObjectStore(urlText: string, options: BackendOptions = {}): ObjectStore {
  const url = parseStorageUrl(urlText);
  if (url.backend === 'memory' && url.bucket === '') {
    // a bare memory:// is private to this call: each `floe serve` starts empty
    return new MemoryObjectStore('memory://', '');
  }
  const bucket = openBucket(url, options);
  return url.prefix === '' ? bucket : new PrefixedObjectStore(bucket, url.prefix, url.display);
}

/**
 * Maps parsed locations to a store and key, but only inside the roots it was given (the
 * warehouse and the allow-listed prefixes): each root is opened as its own store, so a key
 * can never climb above it. One store per root, reused.
 */
export class LocationResolver {
  private readonly stores = new Map<string, ObjectStore>();

  constructor(
    private readonly roots: readonly Location[],
    private readonly options: BackendOptions = {},
  ) {}

  /** The root `location` lies in, or undefined when it is outside all of them. */
  rootOf(location: Location): Location | undefined {
    return this.roots.find((root) => isWithin(location, root));
  }

  /** Throws when the location is outside every root or is a root itself. */
  resolve(location: Location): { store: ObjectStore; key: string } {
    const root = this.rootOf(location);
    if (root === undefined) throw new InvalidStorageUrl(`${location.text} is outside the allowed locations`);
    if (location.segments.length === root.segments.length) throw new InvalidStorageUrl(`${location.text} names a directory, not an object`);
    if (root.backend === 'file') {
      // rooted at the root directory itself: FileObjectStore refuses keys that leave it
      let store = this.stores.get(root.text);
      if (!store) this.stores.set(root.text, (store = new FileObjectStore(`/${root.segments.join('/')}`)));
      return { store, key: location.segments.slice(root.segments.length).join('/') };
    }
    const id = `${root.backend}:${root.bucket}`;
    let store = this.stores.get(id);
    if (!store) {
      // abfss://container@account.dfs.core.windows.net: the container is the part before '@'
      const bucket = root.backend === 'azure' ? root.bucket.split('@')[0]! : root.bucket;
      this.stores.set(id, (store = openBucket({ backend: root.backend, bucket, prefix: '', display: root.text }, this.options)));
    }
    return { store, key: location.segments.join('/') };
  }

  async close(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.close()));
    this.stores.clear();
  }
}

/**
 * Reads an object that no Floe process wrote: only a plain object (a regular file, not a
 * link, FIFO or device), at most `maxBytes`, abandoned when `signal` fires.
 */
export async function getBounded(store: ObjectStore, key: string, maxBytes: number, signal: AbortSignal): Promise<GetOutcome | { kind: 'tooLarge' }> {
  if (store.getBounded) return store.getBounded(key, maxBytes, signal);
  const head = await store.head(key, signal);
  if (head.kind !== 'found') return head;
  if (head.size > maxBytes) return { kind: 'tooLarge' };
  const found = await store.get(key, signal);
  if (found.kind === 'found' && found.body.length > maxBytes) return { kind: 'tooLarge' };
  return found;
}
