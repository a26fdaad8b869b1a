// az:// (Azure Blob Storage, and azurite in tests) through @azure/storage-blob.
//
// Create-if-absent is `If-None-Match: *` on Put Blob: Azure refuses with 409 BlobAlreadyExists
// (some front ends say 412 ConditionNotMet); both mean `exists`. Compare-and-swap is
// `If-Match: <etag>`: 412 = mismatch or notFound (Azure answers 412 for a missing blob too),
// told apart by a HEAD.
//
// SDK retries are explicit: a few for plain operations, none for conditional writes, whose
// retries belong to the commit loop above (it must see every ambiguous outcome).
//
// Azure has no "start after" in List Blobs, only an opaque continuation marker. We remember the
// marker that follows each page we returned (bounded), so paging through a listing in order
// costs one request per page; a cold `startAfter` falls back to scanning from the prefix.
// type-only: @azure/identity takes about a second to load, so it is imported on first use
import type { TokenCredential } from '@azure/identity';
import {
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { backendUnknown, Gate, isRefused } from './errors.js';
import {
  checkKey,
  type CreateOutcome,
  type DeleteOutcome,
  type GetOutcome,
  type HeadOutcome,
  type ListedObject,
  type ListOptions,
  type ListOutcome,
  type ObjectStore,
  type PutOutcome,
  type SwapOutcome,
  type Unknown,
} from './types.js';
import {
  AZURE_CONCURRENT_REQUESTS_MAX, AZURE_LIST_PAGE_MAX, AZURE_LIST_SCAN_PAGES_MAX, AZURE_MARKERS_MAX, AZURE_PLAIN_TRIES_MAX, AZURE_TRY_TIMEOUT_MS,
} from '../config/index.js';


export type AzureAuth =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'sharedKey'; account: string; accountKey: string; endpoint?: string }
  /** DefaultAzureCredential: env service principal, workload identity, managed identity, az login */
  | { kind: 'tokenCredential'; account: string; endpoint?: string };

export interface AzureContainerOptions {
  container: string;
  auth: AzureAuth;
  /** plain puts at or above this size go up in blocks of `blockBytes` */
  singleShotBytesMax: number;
  blockBytes: number;
  maxConcurrentRequests?: number;
  /** encryption scope sent with every blob written (x-ms-encryption-scope) */
  encryptionScope?: string;
}

/** The SDK's RestError shape at the boundary, validated field by field. */
function errorFacts(error: unknown): { status: number | undefined; code: string | undefined } {
  if (typeof error !== 'object' || error === null) return { status: undefined, code: undefined };
  const e = error as { statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown }; name?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code =
    typeof e.details?.errorCode === 'string'
      ? e.details.errorCode
      : typeof e.code === 'string'
        ? e.code
        : e.name === 'AbortError'
          ? 'AbortError'
          : undefined;
  return { status, code };
}

/** DefaultAzureCredential, loaded on the first token request (connection strings never need it). */
function lazyDefaultCredential(): TokenCredential {
  let inner: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      inner ??= import('@azure/identity').then((identity) => new identity.DefaultAzureCredential());
      return (await inner).getToken(scopes, options);
    },
  };
}

function serviceClient(auth: AzureAuth, pipeline: StoragePipelineOptions): BlobServiceClient {
  switch (auth.kind) {
    case 'connectionString':
      return BlobServiceClient.fromConnectionString(auth.connectionString, pipeline);
    case 'sharedKey':
      return new BlobServiceClient(
        auth.endpoint ?? `https://${auth.account}.blob.core.windows.net`,
        new StorageSharedKeyCredential(auth.account, auth.accountKey),
        pipeline,
      );
    case 'tokenCredential':
      return new BlobServiceClient(
        auth.endpoint ?? `https://${auth.account}.blob.core.windows.net`,
        lazyDefaultCredential(),
        pipeline,
      );
  }
}

export class AzureObjectStore implements ObjectStore {
  readonly backend = 'azure' as const;
  readonly displayUrl: string;
  private readonly plain: ContainerClient;
  private readonly conditional: ContainerClient;
  private readonly gate: Gate;
  /** `${prefix}\0${lastKeyReturned}` → the marker of the page after it */
  private readonly markers = new Map<string, string>();

  constructor(private readonly options: AzureContainerOptions) {
    this.displayUrl = `az://${options.container}`;
    const pipeline = (maxTries: number): StoragePipelineOptions => ({
      retryOptions: { maxTries, tryTimeoutInMs: AZURE_TRY_TIMEOUT_MS, retryDelayInMs: 200, maxRetryDelayInMs: 5_000 },
      keepAliveOptions: { enable: true },
    });
    this.plain = serviceClient(options.auth, pipeline(AZURE_PLAIN_TRIES_MAX)).getContainerClient(options.container);
    this.conditional = serviceClient(options.auth, pipeline(1)).getContainerClient(options.container);
    this.gate = new Gate(options.maxConcurrentRequests ?? AZURE_CONCURRENT_REQUESTS_MAX);
  }

  private fail(what: string, key: string, error: unknown, attempts: 'single' | 'retried' = 'retried'): Unknown {
    const { status, code } = errorFacts(error);
    return backendUnknown(`${what} ${this.displayUrl}/${key}`, status, code, error, undefined, attempts);
  }

  async get(key: string, signal?: AbortSignal): Promise<GetOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        const out = await this.plain.getBlockBlobClient(key).download(0, undefined, { abortSignal: signal });
        if (!out.etag || !out.readableStreamBody) return this.fail('GET', key, new Error('response without body or ETag'));
        const chunks: Buffer[] = [];
        for await (const chunk of out.readableStreamBody) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        return { kind: 'found', body: Buffer.concat(chunks), etag: out.etag };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'ContainerNotFound') return { kind: 'notFound' };
        return this.fail('GET', key, error);
      }
    });
  }

  async head(key: string, signal?: AbortSignal): Promise<HeadOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        const out = await this.plain.getBlockBlobClient(key).getProperties({ abortSignal: signal });
        if (!out.etag) return this.fail('HEAD', key, new Error('response without ETag'));
        return { kind: 'found', etag: out.etag, size: out.contentLength ?? 0, lastModifiedMs: out.lastModified?.getTime() ?? 0 };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'ContainerNotFound') return { kind: 'notFound' };
        return this.fail('HEAD', key, error);
      }
    });
  }

  async putIfAbsent(key: string, body: Uint8Array, signal?: AbortSignal): Promise<CreateOutcome> {
    checkKey(key);
    const outcome = await this.conditionalPut(key, body, { ifNoneMatch: '*' }, signal);
    if (outcome.kind === 'precondition') return { kind: 'exists' };
    if (outcome.kind === 'notFound') return this.fail('PUT', key, new Error('404 on create'));
    return outcome;
  }

  async putIfMatch(key: string, body: Uint8Array, etag: string, signal?: AbortSignal): Promise<SwapOutcome> {
    checkKey(key);
    const outcome = await this.conditionalPut(key, body, { ifMatch: etag }, signal);
    if (outcome.kind !== 'precondition') return outcome;
    const current = await this.head(key, signal);
    if (current.kind === 'unknown') return current;
    return current.kind === 'notFound' ? { kind: 'notFound' } : { kind: 'mismatch' };
  }

  private async conditionalPut(
    key: string,
    body: Uint8Array,
    conditions: { ifNoneMatch: '*' } | { ifMatch: string },
    signal: AbortSignal | undefined,
  ): Promise<{ kind: 'created'; etag: string } | { kind: 'precondition' } | { kind: 'notFound' } | Unknown> {
    return this.gate.run(async () => {
      try {
        const out = await this.conditional
          .getBlockBlobClient(key)
          .upload(body, body.byteLength, { conditions, abortSignal: signal, encryptionScope: this.options.encryptionScope });
        if (!out.etag) return this.fail('PUT', key, new Error('response without ETag'));
        return { kind: 'created', etag: out.etag };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 412) return { kind: 'precondition' };
        if (status === 409 && code === 'BlobAlreadyExists') return { kind: 'precondition' };
        if (status === 404 && code === 'BlobNotFound') return { kind: 'notFound' };
        return this.fail('PUT', key, error, 'single'); // the conditional client never retries
      }
    });
  }

  async put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<PutOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        const out = await this.plain.getBlockBlobClient(key).uploadData(body, {
          abortSignal: signal,
          maxSingleShotSize: this.options.singleShotBytesMax,
          encryptionScope: this.options.encryptionScope,
          blockSize: this.options.blockBytes,
          concurrency: 4,
        });
        if (!out.etag) return this.fail('PUT', key, new Error('response without ETag'));
        return { kind: 'created', etag: out.etag };
      } catch (error) {
        return this.fail('PUT', key, error);
      }
    });
  }

  async list(prefix: string, options: ListOptions = {}, signal?: AbortSignal): Promise<ListOutcome> {
    const limit = Math.min(AZURE_LIST_PAGE_MAX, Math.max(1, options.limit ?? 1000));
    const startAfter = options.startAfter;
    let marker = startAfter === undefined ? undefined : this.markers.get(`${prefix}\0${startAfter}`);
    const resumed = marker !== undefined;
    const objects: ListedObject[] = [];
    try {
      for (let pages = 0; pages < AZURE_LIST_SCAN_PAGES_MAX; pages++) {
        // a resumed listing needs exactly `limit`; a scan pages in big steps to skip quickly
        const pageSize = resumed || startAfter === undefined ? limit - objects.length : AZURE_LIST_PAGE_MAX;
        const page = await this.gate.run(async () => {
          const iterator = this.plain
            .listBlobsFlat({ prefix: prefix === '' ? undefined : prefix, abortSignal: signal })
            .byPage({ maxPageSize: pageSize, continuationToken: marker });
          return (await iterator.next()).value;
        });
        if (isRefused(page)) return page;
        const items = page?.segment.blobItems ?? [];
        const next: string | undefined = page?.continuationToken || undefined;
        for (let i = 0; i < items.length; i++) {
          const item = items[i]!;
          if (startAfter !== undefined && item.name <= startAfter) continue;
          objects.push({ key: item.name, size: item.properties.contentLength ?? 0 });
          if (objects.length === limit) {
            const more = i < items.length - 1 || next !== undefined;
            if (more && i === items.length - 1 && next !== undefined) this.remember(prefix, item.name, next);
            return { kind: 'listed', objects, nextStartAfter: more ? item.name : undefined };
          }
        }
        if (next === undefined) return { kind: 'listed', objects, nextStartAfter: undefined };
        marker = next;
      }
      throw new Error(`listing ${prefix} took more than ${AZURE_LIST_SCAN_PAGES_MAX} pages`);
    } catch (error) {
      const { status, code } = errorFacts(error);
      return backendUnknown(`LIST ${this.displayUrl}/${prefix}`, status, code, error);
    }
  }

  private remember(prefix: string, lastKey: string, marker: string): void {
    if (this.markers.size >= AZURE_MARKERS_MAX) {
      const oldest = this.markers.keys().next().value;
      if (oldest !== undefined) this.markers.delete(oldest);
    }
    this.markers.set(`${prefix}\0${lastKey}`, marker);
  }

  async delete(key: string, signal?: AbortSignal): Promise<DeleteOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        await this.plain.getBlockBlobClient(key).delete({ abortSignal: signal });
        return { kind: 'deleted' };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'ContainerNotFound') return { kind: 'notFound' };
        return this.fail('DELETE', key, error);
      }
    });
  }

  async close(): Promise<void> {}
}
