// A store that can be switched between a working one and a real S3 client whose endpoint
// refuses connections (radosgw down): the catalog opens while the backend is up, then tests
// take it down and bring it back.
import { MemoryObjectStore, type ObjectStore } from '../../src/objectstore/index.js';
import { S3ObjectStore } from '../../src/objectstore/s3.js';
import type { ListOptions } from '../../src/objectstore/types.js';
import { freePort } from '../objectstore/helpers.js';

/**
 * The catalog's store, switched between a working one and a real S3 client whose endpoint
 * refuses connections (radosgw down): the catalog must have opened while the backend was up.
 */
export class Outage implements ObjectStore {
  readonly backend = 's3' as const;
  readonly displayUrl = 's3://floe-outage';
  down = false;
  /** log entry writes attempted during the outage */
  writesWhileDown = 0;
  constructor(
    private readonly up: ObjectStore,
    private readonly refusing: ObjectStore,
  ) {}
  private get now(): ObjectStore {
    return this.down ? this.refusing : this.up;
  }
  get = (key: string) => this.now.get(key);
  head = (key: string) => this.now.head(key);
  putIfAbsent = (key: string, body: Uint8Array) => {
    if (this.down && key.startsWith('log/')) this.writesWhileDown++;
    return this.now.putIfAbsent(key, body);
  };
  putIfMatch = (key: string, body: Uint8Array, etag: string) => this.now.putIfMatch(key, body, etag);
  put = (key: string, body: Uint8Array) => this.now.put(key, body);
  list = (prefix: string, options?: ListOptions) => this.now.list(prefix, options);
  delete = (key: string) => this.now.delete(key);
  async close(): Promise<void> {
    await Promise.all([this.up.close(), this.refusing.close()]);
  }
}

/** An Outage over a fresh memory store, with an S3 client on a port nobody listens on. */
export async function outage(): Promise<Outage> {
  const refusing = new S3ObjectStore({
    bucket: 'floe-outage', region: 'us-east-1', endpoint: `http://127.0.0.1:${await freePort()}`, allowHttp: true,
    multipartThresholdBytes: 8 * 1024 * 1024, multipartChunkBytes: 5 * 1024 * 1024, maxConcurrentRequests: 8,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
  });
  return new Outage(new MemoryObjectStore(), refusing);
}
