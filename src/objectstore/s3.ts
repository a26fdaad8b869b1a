// s3:// (AWS S3, MinIO, Ceph radosgw and other S3-compatibles) through @aws-sdk/client-s3.
//
// Create-if-absent is PutObject `If-None-Match: *`: 412 = exists. 409 ConditionalRequestConflict
// means a concurrent write to the key was in flight; AWS says to retry, and retrying the same
// bytes is safe (a later 412 then means someone, perhaps our first try, created it).
// Compare-and-swap is `If-Match: <etag>`: 412 = mismatch, or notFound (radosgw answers 412 for a
// missing key where AWS answers 404), told apart by a HEAD.
//
// Quirks of S3-compatibles (shared/design/object-store-emulators.md):
// - radosgw (and DigitalOcean Spaces) compare If-Match against the *unquoted* etag and refuse
//   the quoted one the SDK hands back, so we keep etags unquoted and send them unquoted to any
//   custom endpoint. AWS itself gets the RFC 7232 quoted form.
// - radosgw answers most losers of a conditional race with 500 (ECANCELED) instead of 412:
//   a 5xx on a conditional PUT is `unknown`, and the commit loop re-reads.
// - The SDK's default request checksums use aws-chunked trailers that radosgw rejects (411),
//   so checksums are computed only when an operation requires them.
//
// SDK retries are explicit: plain reads/lists/puts may retry a few times, conditional writes
// never (maxAttempts 1), because the commit loop above owns their retries and must see every
// ambiguous outcome.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { systemClock } from '../util/index.js';
import { checkEndpoint } from './endpoint.js';
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
import {
  S3_CONFLICT_BACKOFF_MS, S3_CONFLICT_RETRIES_MAX, S3_CONNECT_TIMEOUT_MS, S3_LIST_PAGE_MAX, S3_MULTIPART_QUEUE_MAX, S3_PLAIN_ATTEMPTS_MAX,
  S3_REQUEST_TIMEOUT_MS,
} from '../config/index.js';


export interface S3BucketOptions {
  bucket: string;
  region: string;
  /** custom endpoint (MinIO, radosgw, ...): path-style addressing, unquoted If-Match */
  endpoint?: string;
  allowHttp: boolean;
  multipartThresholdBytes: number;
  multipartChunkBytes: number;
  maxConcurrentRequests: number;
  /** bucket-side encryption sent with every PUT (SSE-S3 / SSE-KMS) */
  serverSideEncryption?: { ServerSideEncryption: 'AES256' | 'aws:kms' | 'aws:kms:dsse'; SSEKMSKeyId?: string };
  /** explicit credentials (tests); otherwise the SDK's default chain (env, profile, IRSA, IMDS) */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The SDK's error shape at the boundary: validated field by field, nothing else assumed. */
function errorFacts(error: unknown): { status: number | undefined; code: string | undefined } {
  if (typeof error !== 'object' || error === null) return { status: undefined, code: undefined };
  const e = error as { $metadata?: { httpStatusCode?: unknown }; name?: unknown; Code?: unknown; code?: unknown };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : typeof e.code === 'string' ? e.code : undefined;
  return { status, code };
}

export function unquoteEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export class S3ObjectStore implements ObjectStore {
  readonly backend = 's3' as const;
  readonly displayUrl: string;
  private readonly plain: S3Client;
  private readonly conditional: S3Client;
  private readonly gate: Gate;
  private readonly quoteIfMatch: boolean;

  constructor(private readonly options: S3BucketOptions) {
    this.displayUrl = `s3://${options.bucket}`;
    if (options.endpoint !== undefined) checkEndpoint(options.endpoint, options.allowHttp);
    const base: S3ClientConfig = {
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.endpoint !== undefined,
      followRegionRedirects: options.endpoint === undefined,
      credentials: options.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: S3_CONNECT_TIMEOUT_MS,
        requestTimeout: S3_REQUEST_TIMEOUT_MS,
        httpAgent: { keepAlive: true, maxSockets: options.maxConcurrentRequests },
        httpsAgent: { keepAlive: true, maxSockets: options.maxConcurrentRequests },
      },
    };
    // On Node < 22 the SDK's client constructor prints a 9-line NodeVersionSupportWarning about
    // *future* SDK releases; Floe supports Node 20 with the SDK it locks, and the warning would
    // bury Floe's one-line start-up messages on stderr. The user can still opt back in.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.plain = new S3Client({ ...base, maxAttempts: S3_PLAIN_ATTEMPTS_MAX });
    this.conditional = new S3Client({ ...base, maxAttempts: 1 });
    this.gate = new Gate(options.maxConcurrentRequests);
    this.quoteIfMatch = options.endpoint === undefined;
  }

  private fail(what: string, key: string, error: unknown, attempts: 'single' | 'retried' = 'retried'): Unknown {
    const { status, code } = errorFacts(error);
    return backendUnknown(`${what} ${this.displayUrl}/${key}`, status, code, error, undefined, attempts);
  }

  async get(key: string, signal?: AbortSignal): Promise<GetOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        const out = await this.plain.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal });
        if (!out.Body || !out.ETag) return this.fail('GET', key, new Error('response without body or ETag'));
        const body = Buffer.from(await out.Body.transformToByteArray());
        return { kind: 'found', body, etag: unquoteEtag(out.ETag) };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'NoSuchBucket') return { kind: 'notFound' };
        return this.fail('GET', key, error);
      }
    });
  }

  async head(key: string, signal?: AbortSignal): Promise<HeadOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        const out = await this.plain.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal });
        if (!out.ETag) return this.fail('HEAD', key, new Error('response without ETag'));
        return {
          kind: 'found',
          etag: unquoteEtag(out.ETag),
          size: out.ContentLength ?? 0,
          lastModifiedMs: out.LastModified?.getTime() ?? 0,
        };
      } catch (error) {
        const { status, code } = errorFacts(error);
        // HEAD has no body, so a missing bucket also reads as a bare 404; the probe's
        // create catches that case with a proper NoSuchBucket.
        if (status === 404 && code !== 'NoSuchBucket') return { kind: 'notFound' };
        return this.fail('HEAD', key, error);
      }
    });
  }

  async putIfAbsent(key: string, body: Uint8Array, signal?: AbortSignal): Promise<CreateOutcome> {
    checkKey(key);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.conditionalPut(key, body, { IfNoneMatch: '*' }, signal);
      switch (outcome.kind) {
        case 'created':
          return outcome;
        case 'precondition':
          return { kind: 'exists' };
        case 'conflict':
          if (attempt >= S3_CONFLICT_RETRIES_MAX) return outcome.unknown;
          await systemClock.sleep(S3_CONFLICT_BACKOFF_MS * (attempt + 1), signal);
          continue;
        case 'unknown':
          return outcome;
      }
    }
  }

  async putIfMatch(key: string, body: Uint8Array, etag: string, signal?: AbortSignal): Promise<SwapOutcome> {
    checkKey(key);
    const bare = unquoteEtag(etag);
    const ifMatch = this.quoteIfMatch ? `"${bare}"` : bare;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.conditionalPut(key, body, { IfMatch: ifMatch }, signal);
      switch (outcome.kind) {
        case 'created':
          return outcome;
        case 'notFound':
          return { kind: 'notFound' };
        case 'precondition': {
          const current = await this.head(key, signal);
          if (current.kind === 'unknown') return current;
          return current.kind === 'notFound' ? { kind: 'notFound' } : { kind: 'mismatch' };
        }
        case 'conflict':
          if (attempt >= S3_CONFLICT_RETRIES_MAX) return outcome.unknown;
          await systemClock.sleep(S3_CONFLICT_BACKOFF_MS * (attempt + 1), signal);
          continue;
        case 'unknown':
          return outcome;
      }
    }
  }

  private async conditionalPut(
    key: string,
    body: Uint8Array,
    condition: { IfNoneMatch: '*' } | { IfMatch: string },
    signal: AbortSignal | undefined,
  ): Promise<
    | { kind: 'created'; etag: string }
    | { kind: 'precondition' }
    | { kind: 'notFound' }
    | { kind: 'conflict'; unknown: Unknown }
    | Unknown
  > {
    return this.gate.run(async () => {
      try {
        const out = await this.conditional.send(
          new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentLength: body.byteLength, ...condition, ...this.options.serverSideEncryption }),
          { abortSignal: signal },
        );
        if (!out.ETag) return this.fail('PUT', key, new Error('response without ETag'));
        return { kind: 'created', etag: unquoteEtag(out.ETag) };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 412) return { kind: 'precondition' };
        if (status === 409 && code === 'ConditionalRequestConflict') {
          return { kind: 'conflict', unknown: backendUnknown(`PUT ${this.displayUrl}/${key}`, status, code, error, 'conflict') };
        }
        // AWS answers If-Match on a missing key with 404 NoSuchKey
        if (status === 404 && code === 'NoSuchKey' && 'IfMatch' in condition) return { kind: 'notFound' };
        return this.fail('PUT', key, error, 'single'); // the conditional client never retries
      }
    });
  }

  async put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<PutOutcome> {
    checkKey(key);
    return this.gate.run(async () => {
      try {
        if (body.byteLength >= this.options.multipartThresholdBytes) return await this.multipartPut(key, body, signal);
        const out = await this.plain.send(
          new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentLength: body.byteLength, ...this.options.serverSideEncryption }),
          { abortSignal: signal },
        );
        if (!out.ETag) return this.fail('PUT', key, new Error('response without ETag'));
        return { kind: 'created', etag: unquoteEtag(out.ETag) };
      } catch (error) {
        return this.fail('PUT', key, error);
      }
    });
  }

  private async multipartPut(key: string, body: Uint8Array, signal: AbortSignal | undefined): Promise<PutOutcome> {
    const upload = new Upload({
      client: this.plain,
      params: { Bucket: this.options.bucket, Key: key, Body: body, ...this.options.serverSideEncryption },
      partSize: this.options.multipartChunkBytes,
      // the whole upload holds one gate permit, so keep its own fan-out small
      queueSize: Math.max(1, Math.min(S3_MULTIPART_QUEUE_MAX, this.options.maxConcurrentRequests)),
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const out = await upload.done();
      if (out.ETag) return { kind: 'created', etag: unquoteEtag(out.ETag) };
      // radosgw 16 answers CompleteMultipartUpload with an empty ETag; a plain put promises no
      // atomicity with other writers, so reading it back is as good as the answer would be
      const head = await this.plain.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal });
      if (!head.ETag) return this.fail('PUT (multipart)', key, new Error('response without ETag'));
      return { kind: 'created', etag: unquoteEtag(head.ETag) };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async list(prefix: string, options: ListOptions = {}, signal?: AbortSignal): Promise<ListOutcome> {
    const limit = Math.min(S3_LIST_PAGE_MAX, Math.max(1, options.limit ?? S3_LIST_PAGE_MAX));
    return this.gate.run(async () => {
      try {
        const out = await this.plain.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix === '' ? undefined : prefix,
            StartAfter: options.startAfter,
            MaxKeys: limit,
          }),
          { abortSignal: signal },
        );
        const objects = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ key: o.Key, size: o.Size ?? 0 }]));
        const last = objects[objects.length - 1];
        return { kind: 'listed', objects, nextStartAfter: out.IsTruncated && last ? last.key : undefined };
      } catch (error) {
        const { status, code } = errorFacts(error);
        return backendUnknown(`LIST ${this.displayUrl}/${prefix}`, status, code, error);
      }
    });
  }

  async delete(key: string, signal?: AbortSignal): Promise<DeleteOutcome> {
    checkKey(key);
    // S3 answers 204 whether or not the key existed; the HEAD makes `notFound` truthful for
    // callers (GC) that count what they removed. Deletes are rare, so the extra request is cheap.
    const current = await this.head(key, signal);
    if (current.kind !== 'found') return current;
    return this.gate.run(async () => {
      try {
        await this.plain.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal });
        return { kind: 'deleted' };
      } catch (error) {
        const { status, code } = errorFacts(error);
        if (status === 404 && code !== 'NoSuchBucket') return { kind: 'notFound' };
        return this.fail('DELETE', key, error);
      }
    });
  }

  async close(): Promise<void> {
    this.plain.destroy();
    this.conditional.destroy();
  }
}
