// The one interface every storage backend implements. Everything above objectstore/ speaks
// only these verbs and switches on their outcomes; cloud SDK errors never leave this layer.
//
// Keys are relative to the store's root (the URL's bucket + prefix), '/'-separated, and
// validated by `checkKey`: no empty, '.' or '..' segments, no leading '/', no NUL.
import { LIST_ALL_OBJECTS_MAX, LIST_PAGE_MAX } from '../config/index.js';

export type Backend = 'memory' | 'file' | 's3' | 'gcs' | 'azure';

/**
 * A failed request. Unless `definite`, its effect is unknown: the write may or may not have
 * happened, and only reading back can tell.
 */
export interface Unknown {
  kind: 'unknown';
  cause: Error;
  /** true when the backend said "try again" (throttling, 5xx, timeouts) */
  retryable: boolean;
  /**
   * true when the request provably had no effect: it never left this process (connection
   * refused, no DNS answer, TLS handshake refused, no credentials to sign with), the backend
   * refused it before acting (4xx), or a file:// write failed before its object's name was
   * created. Absent means ambiguous.
   */
  definite?: boolean;
}

export type GetOutcome =
  | { kind: 'found'; body: Buffer; etag: string }
  | { kind: 'notFound' }
  | Unknown;

export type HeadOutcome =
  | { kind: 'found'; etag: string; size: number; lastModifiedMs: number }
  | { kind: 'notFound' }
  | Unknown;

/** putIfAbsent: `exists` means someone else's object is there (or ours, from an earlier try). */
export type CreateOutcome = { kind: 'created'; etag: string } | { kind: 'exists' } | Unknown;

/** putIfMatch: `mismatch` = the object changed since `etag`; `notFound` = it is gone. */
export type SwapOutcome =
  | { kind: 'created'; etag: string }
  | { kind: 'mismatch' }
  | { kind: 'notFound' }
  | Unknown;

export type PutOutcome = { kind: 'created'; etag: string } | Unknown;

export type DeleteOutcome = { kind: 'deleted' } | { kind: 'notFound' } | Unknown;

export interface ListedObject {
  key: string;
  size: number;
}

export type ListOutcome =
  | { kind: 'listed'; objects: ListedObject[]; nextStartAfter: string | undefined }
  | Unknown;

export interface ListOptions {
  /** only keys strictly greater than this (lexicographic, like S3 StartAfter) */
  startAfter?: string;
  /** at most this many objects in one page (the backend may return fewer) */
  limit?: number;
}

export interface ObjectStore {
  readonly backend: Backend;
  /** the root URL without credentials, safe to print */
  readonly displayUrl: string;
  get(key: string, signal?: AbortSignal): Promise<GetOutcome>;
  head(key: string, signal?: AbortSignal): Promise<HeadOutcome>;
  putIfAbsent(key: string, body: Uint8Array, signal?: AbortSignal): Promise<CreateOutcome>;
  putIfMatch(key: string, body: Uint8Array, etag: string, signal?: AbortSignal): Promise<SwapOutcome>;
  put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<PutOutcome>;
  /**
   * Create-if-absent of an object nobody reads before the caller publishes a reference to it
   * (a new metadata file before its pointer is committed). A crash may leave a partial object
   * under the key, which is then never referenced. Backends without a cheaper way omit it and
   * callers use putIfAbsent.
   */
  putUnpublished?(key: string, body: Uint8Array, signal?: AbortSignal): Promise<CreateOutcome>;
  /**
   * Reads an object no Floe process wrote (register): only a regular file or plain object, no
   * link, FIFO or device, at most maxBytes. Backends without a cheaper way omit it and callers
   * use head + get (see getBounded).
   */
  getBounded?(key: string, maxBytes: number, signal: AbortSignal): Promise<GetOutcome | { kind: 'tooLarge' }>;
  /** lexicographically ordered page of keys starting with `prefix` */
  list(prefix: string, options?: ListOptions, signal?: AbortSignal): Promise<ListOutcome>;
  delete(key: string, signal?: AbortSignal): Promise<DeleteOutcome>;
  close(): Promise<void>;
}

export class InvalidKey extends Error {
  override name = 'InvalidKey';
}

/** Keys come from our own code, but names inside them come from users: never trust them. */
export function checkKey(key: string): void {
  if (key.length === 0 || key.length > 1024) throw new InvalidKey(`invalid object key length: ${key.length}`);
  if (key.startsWith('/') || key.includes('\0') || key.includes('\\')) {
    throw new InvalidKey(`invalid object key: ${JSON.stringify(key)}`);
  }
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidKey(`invalid object key: ${JSON.stringify(key)}`);
    }
  }
}

export function unknown(cause: unknown, retryable = true, definite = false): Unknown {
  const error = cause instanceof Error ? cause : new Error(String(cause));
  return definite ? { kind: 'unknown', cause: error, retryable, definite } : { kind: 'unknown', cause: error, retryable };
}

/** Collects every page of a listing; bounded so a runaway prefix cannot exhaust memory. */
export async function listAll(
  store: ObjectStore,
  prefix: string,
  objectsMax = LIST_ALL_OBJECTS_MAX,
): Promise<ListedObject[] | Unknown> {
  const all: ListedObject[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list(prefix, { startAfter, limit: LIST_PAGE_MAX });
    if (page.kind === 'unknown') return page;
    all.push(...page.objects);
    if (all.length > objectsMax) throw new Error(`listing ${prefix} exceeds ${objectsMax} objects`);
    if (page.nextStartAfter === undefined) return all;
    startAfter = page.nextStartAfter;
  }
}

/**
 * Whether a failed write was refused because a path prefix of the key is itself an object
 * (file:// ENOTDIR: a file where a directory is needed): the key can never be written, so the
 * location is the request's fault, not the storage's. Object stores have no such conflict.
 */
export function blockedByObject(outcome: Unknown): boolean {
  return (outcome.cause as NodeJS.ErrnoException).code === 'ENOTDIR';
}
