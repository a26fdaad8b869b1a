// Opens the backend a storage URL names, rooted at its bucket + prefix, and resolves
// absolute object URLs (metadata locations in the warehouse) to a store and a key.
import type { StorageSettings } from '../config/index.js';
import { FileObjectStore } from './file.js';
import { MemoryObjectStore } from './memory.js';
import { PrefixedObjectStore } from './prefixed.js';
import { openCloudBucket } from './cloud.js';
import { parseStorageUrl, type StorageUrl } from './url.js';
import type { ObjectStore } from './types.js';

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
 * Maps absolute URLs (s3://b/k, file:///abs/k, memory://root/k) to a store and key, opening
 * one store per bucket and reusing it. Used for warehouse files, whose locations are URLs.
 */
export class LocationResolver {
  private readonly buckets = new Map<string, ObjectStore>();

  constructor(private readonly options: BackendOptions = {}) {}

  resolve(location: string): { store: ObjectStore; key: string } {
    const url = parseStorageUrl(location);
    if (url.backend === 'file') {
      let store = this.buckets.get('file:');
      if (!store) this.buckets.set('file:', (store = new FileObjectStore('/')));
      return { store, key: url.bucket.replace(/^\/+/, '') };
    }
    const id = `${url.backend}:${url.bucket}`;
    let store = this.buckets.get(id);
    if (!store) this.buckets.set(id, (store = openBucket(url, this.options)));
    return { store, key: url.prefix };
  }

  async close(): Promise<void> {
    await Promise.all([...this.buckets.values()].map((s) => s.close()));
    this.buckets.clear();
  }
}
