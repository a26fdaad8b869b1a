// memory://: a map in this process. Every operation is synchronous under the event loop, so
// create-if-absent and compare-and-swap are trivially atomic. Named roots let tests share one
// "bucket" between several in-process replicas.
import { createHash } from 'node:crypto';
import {
  checkKey,
  type CreateOutcome,
  type DeleteOutcome,
  type GetOutcome,
  type HeadOutcome,
  type ListOptions,
  type ListOutcome,
  type ObjectStore,
  type PutOutcome,
  type SwapOutcome,
} from './types.js';

interface MemoryObject {
  body: Buffer;
  etag: string;
  lastModifiedMs: number;
}

const sharedRoots = new Map<string, Map<string, MemoryObject>>();
// One counter for the whole process: stores sharing a named root must never mint the same
// etag for different versions (a per-instance counter did, when the bodies were equal).
let versionCounter = 0;

export class MemoryObjectStore implements ObjectStore {
  readonly backend = 'memory' as const;
  private readonly objects: Map<string, MemoryObject>;

  /** `rootName` other than '' shares the map with every store opened on the same name. */
  constructor(
    readonly displayUrl = 'memory://',
    rootName = '',
    private readonly nowMs: () => number = Date.now,
  ) {
    if (rootName === '') {
      this.objects = new Map();
    } else {
      let objects = sharedRoots.get(rootName);
      if (!objects) sharedRoots.set(rootName, (objects = new Map()));
      this.objects = objects;
    }
  }

  private store(key: string, body: Uint8Array): string {
    const copy = Buffer.from(body);
    const etag = `${createHash('md5').update(copy).digest('hex')}-${++versionCounter}`;
    this.objects.set(key, { body: copy, etag, lastModifiedMs: this.nowMs() });
    return etag;
  }

  async get(key: string): Promise<GetOutcome> {
    checkKey(key);
    const found = this.objects.get(key);
    if (!found) return { kind: 'notFound' };
    return { kind: 'found', body: Buffer.from(found.body), etag: found.etag };
  }

  async head(key: string): Promise<HeadOutcome> {
    checkKey(key);
    const found = this.objects.get(key);
    if (!found) return { kind: 'notFound' };
    return { kind: 'found', etag: found.etag, size: found.body.length, lastModifiedMs: found.lastModifiedMs };
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    checkKey(key);
    if (this.objects.has(key)) return { kind: 'exists' };
    return { kind: 'created', etag: this.store(key, body) };
  }

  async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<SwapOutcome> {
    checkKey(key);
    const found = this.objects.get(key);
    if (!found) return { kind: 'notFound' };
    if (found.etag !== etag) return { kind: 'mismatch' };
    return { kind: 'created', etag: this.store(key, body) };
  }

  async put(key: string, body: Uint8Array): Promise<PutOutcome> {
    checkKey(key);
    return { kind: 'created', etag: this.store(key, body) };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListOutcome> {
    const limit = Math.max(1, options.limit ?? 1000);
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (options.startAfter === undefined || k > options.startAfter))
      .sort();
    const page = keys.slice(0, limit);
    return {
      kind: 'listed',
      objects: page.map((key) => ({ key, size: this.objects.get(key)!.body.length })),
      nextStartAfter: keys.length > limit ? page[page.length - 1] : undefined,
    };
  }

  async delete(key: string): Promise<DeleteOutcome> {
    checkKey(key);
    return this.objects.delete(key) ? { kind: 'deleted' } : { kind: 'notFound' };
  }

  async close(): Promise<void> {}
}
