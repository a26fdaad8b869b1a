// gs:// (Google Cloud Storage) through @google-cloud/storage.
//
// GCS conditions are on the object's generation, not an HTTP etag, so our etag for GCS is the
// generation number as a decimal string. Create-if-absent is `ifGenerationMatch=0` (412 =
// exists); compare-and-swap is `ifGenerationMatch=<generation>` (412 = mismatch, or notFound
// when the object is gone, told apart by a metadata GET).
//
// Credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
// workload identity, the metadata server). A custom endpoint (gcs_endpoint or the SDK's own
// STORAGE_EMULATOR_HOST) is used without auth, as the SDK does for emulators.
//
// SDK retries are explicit: a few for plain operations, none for conditional writes, which
// the commit loop above retries itself (it must see every ambiguous outcome).
import { IdempotencyStrategy, Storage, type Bucket } from '@google-cloud/storage';
import { backendUnknown, Gate } from './errors.js';
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
  type Unknown,
} from './types.js';
import { GCS_CONCURRENT_REQUESTS_MAX, GCS_LIST_PAGE_MAX, GCS_PLAIN_RETRIES_MAX, GCS_REQUEST_TIMEOUT_MS } from '../config/index.js';


export interface GcsBucketOptions {
  bucket: string;
  /** e.g. http://127.0.0.1:4443 for a fake or emulator; unset = storage.googleapis.com */
  endpoint?: string;
  projectId?: string;
  maxConcurrentRequests?: number;
  /** customer-managed key for every object written (projects/…/cryptoKeys/…) */
  kmsKeyName?: string;
}

/** The SDK's ApiError shape at the boundary, validated field by field. */
function errorFacts(error: unknown): { status: number | undefined; code: string | undefined } {
  if (typeof error !== 'object' || error === null) return { status: undefined, code: undefined };
  const e = error as { code?: unknown; errors?: Array<{ reason?: unknown }>; message?: unknown };
  const status = typeof e.code === 'number' ? e.code : undefined;
  const reason = Array.isArray(e.errors) && typeof e.errors[0]?.reason === 'string' ? e.errors[0].reason : undefined;
  let code = typeof e.code === 'string' ? e.code : reason;
  // GCS says "notFound" for a missing object and a missing bucket alike; only the text differs
  if (status === 404 && typeof e.message === 'string' && /bucket does not exist/i.test(e.message)) code = 'NoSuchBucket';
  return { status, code };
}

export class GcsObjectStore implements ObjectStore {
  readonly backend = 'gcs' as const;
  readonly displayUrl: string;
  private readonly plain: Bucket;
  private readonly conditional: Bucket;
  private readonly gate: Gate;

  private readonly kmsKeyName: string | undefined;

  constructor(options: GcsBucketOptions) {
    this.kmsKeyName = options.kmsKeyName;
    this.displayUrl = `gs://${options.bucket}`;
    const base = {
      projectId: options.projectId,
      apiEndpoint: options.endpoint,
      timeout: GCS_REQUEST_TIMEOUT_MS,
    };
    this.plain = new Storage({
      ...base,
      retryOptions: {
        autoRetry: true,
        maxRetries: GCS_PLAIN_RETRIES_MAX,
        totalTimeout: 60,
        maxRetryDelay: 5,
        idempotencyStrategy: IdempotencyStrategy.RetryConditional,
      },
    }).bucket(options.bucket);
    this.conditional = new Storage({ ...base, retryOptions: { autoRetry: false, maxRetries: 0 } }).bucket(options.bucket);
    this.gate = new Gate(options.maxConcurrentRequests ?? GCS_CONCURRENT_REQUESTS_MAX);
  }

  private fail(what: string, key: string, error: unknown, attempts: 'single' | 'retried' = 'retried'): Unknown {
    const { status, code } = errorFacts(error);
    return backendUnknown(`${what} ${this.displayUrl}/${key}`, status, code, error, undefined, attempts);
  }

  async get(key: string, signal?: AbortSignal): Promise<GetOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      // createReadStream rather than download(): it exposes the response headers, so the
      // generation comes with the very bytes we read (a separate metadata call could race).
      const stream = this.plain.file(key).createReadStream();
      let generation: string | undefined;
      stream.on('response', (response: { headers?: Record<string, unknown> }) => {
        const header = response.headers?.['x-goog-generation'];
        if (typeof header === 'string') generation = header;
      });
      const onAbort = () => stream.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        if (generation === undefined) return this.fail('GET', key, new Error('response without x-goog-generation'));
        return { kind: 'found', body: Buffer.concat(chunks), etag: generation };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'NoSuchBucket') return { kind: 'notFound' };
        return this.fail('GET', key, error);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  async head(key: string, _signal?: AbortSignal): Promise<HeadOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        const [metadata] = await this.plain.file(key).getMetadata();
        if (metadata.generation === undefined) return this.fail('HEAD', key, new Error('metadata without generation'));
        return {
          kind: 'found',
          etag: String(metadata.generation),
          size: Number(metadata.size ?? 0),
          lastModifiedMs: metadata.updated ? Date.parse(metadata.updated) : 0,
        };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'NoSuchBucket') return { kind: 'notFound' };
        return this.fail('HEAD', key, error);
      }
    });
  }

  async putIfAbsent(key: string, body: Uint8Array, signal?: AbortSignal): Promise<CreateOutcome> {
    checkKey(key);
    const outcome = await this.save(this.conditional, key, body, 0, signal);
    if (outcome.kind === 'precondition') return { kind: 'exists' };
    return outcome;
  }

  async putIfMatch(key: string, body: Uint8Array, etag: string, signal?: AbortSignal): Promise<SwapOutcome> {
    checkKey(key);
    // an etag that is not a generation cannot be current (generation 0 would mean "absent")
    if (!/^[1-9]\d*$/.test(etag)) {
      const current = await this.head(key, signal);
      if (current.kind === 'unknown') return current;
      return current.kind === 'notFound' ? { kind: 'notFound' } : { kind: 'mismatch' };
    }
    const outcome = await this.save(this.conditional, key, body, etag, signal);
    if (outcome.kind !== 'precondition') return outcome;
    const current = await this.head(key, signal);
    if (current.kind === 'unknown') return current;
    return current.kind === 'notFound' ? { kind: 'notFound' } : { kind: 'mismatch' };
  }

  async put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<PutOutcome> {
    checkKey(key);
    const outcome = await this.save(this.plain, key, body, undefined, signal);
    if (outcome.kind === 'precondition') return this.fail('PUT', key, new Error('412 without a precondition'));
    return outcome;
  }

  private async save(
    bucket: Bucket,
    key: string,
    body: Uint8Array,
    ifGenerationMatch: number | string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ kind: 'created'; etag: string } | { kind: 'precondition' } | Unknown> {
    return this.gate.run(async () => {
      const file = this.kmsKeyName ? bucket.file(key, { kmsKeyName: this.kmsKeyName }) : bucket.file(key);
      try {
        signal?.throwIfAborted();
        // single-request multipart upload: our objects are small, and a resumable session
        // would cost an extra round trip and leave state behind on failure
        await file.save(Buffer.from(body.buffer, body.byteOffset, body.byteLength), {
          resumable: false,
          contentType: 'application/octet-stream',
          ...(ifGenerationMatch === undefined ? {} : { preconditionOpts: { ifGenerationMatch } }),
        });
        const generation = file.metadata.generation;
        if (generation === undefined) return this.fail('PUT', key, new Error('response without generation'));
        return { kind: 'created', etag: String(generation) };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 412) return { kind: 'precondition' };
        // only the conditional client sends at most once; the plain one retries
        const attempts = bucket === this.conditional ? 'single' : 'retried';
        // a write cannot miss an object, so a 404 here is the bucket
        if (status === 404) return backendUnknown(`PUT ${this.displayUrl}/${key}`, status, 'NoSuchBucket', error, undefined, attempts);
        return this.fail('PUT', key, error, attempts);
      }
    });
  }

  async list(prefix: string, options: ListOptions = {}, _signal?: AbortSignal): Promise<ListOutcome> {
    const limit = Math.min(GCS_LIST_PAGE_MAX, Math.max(1, options.limit ?? GCS_LIST_PAGE_MAX));
    const startAfter = options.startAfter;
    return this.gate.run(async () => {
      try {
        // startOffset is inclusive: ask for one more and drop `startAfter` itself
        const [files, nextQuery] = await this.plain.getFiles({
          prefix: prefix === '' ? undefined : prefix,
          startOffset: startAfter,
          maxResults: startAfter === undefined ? limit : limit + 1,
          autoPaginate: false,
        });
        const all = files.filter((f) => startAfter === undefined || f.name > startAfter);
        const objects = all.slice(0, limit).map((f) => ({ key: f.name, size: Number(f.metadata.size ?? 0) }));
        const more = all.length > limit || (nextQuery !== null && nextQuery !== undefined);
        const last = objects[objects.length - 1];
        return { kind: 'listed', objects, nextStartAfter: more && last ? last.key : undefined };
      } catch (error) {
        const { status, code } = errorFacts(error);
        return backendUnknown(`LIST ${this.displayUrl}/${prefix}`, status, status === 404 ? 'NoSuchBucket' : code, error);
      }
    });
  }

  async delete(key: string, _signal?: AbortSignal): Promise<DeleteOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        await this.plain.file(key).delete();
        return { kind: 'deleted' };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'NoSuchBucket') return { kind: 'notFound' };
        return this.fail('DELETE', key, error);
      }
    });
  }

  async close(): Promise<void> {}
}
