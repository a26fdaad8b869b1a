// Remote signing (signRequest, POST …/tables/{table}/sign): signs a client's S3 request with
// SigV4 using the server's own AWS credentials. The server's credentials reach further than one
// table, so it signs only requests whose object keys lie inside the table's location, only for
// plain object methods, only for the configured S3 endpoint (or AWS S3 itself), and only a uri
// the URL parser leaves exactly as written, so the host and path checked are the host and path
// signed (never a client's own `host` header). Anything else is refused with 403.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Consistency } from '../store/index.js';
import type { CatalogContext } from './context.js';
import { jsonReply, noop, read, refused, reject, type Asker, type Operation } from './decision.js';
import { bind, onTable, type Check } from './guards.js';
import { CatalogError } from './errors.js';
import type { Identifier } from './names.js';
import { loadCurrentTable } from './tables.js';
import { isWellFormed, parseLocation } from '../objectstore/index.js';

/** Methods of the S3 object API a reader or writer of a table needs. */
export const SIGNABLE_METHODS: readonly string[] = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
/** Keys one DeleteObjects request may name (the S3 limit). */
export const SIGN_DELETE_KEYS_MAX = 1000;
/** Location schemes whose objects live in S3 (Hadoop's s3a/s3n included). */
const S3_SCHEMES = new Set(['s3:', 's3a:', 's3n:']);
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const forbidden = (message: string) => new CatalogError('Forbidden', message);

export interface SignRequest {
  region: string;
  uri: string;
  method: string;
  headers: Record<string, string[]>;
  body?: string;
  provider?: string;
}

export interface SignResult {
  uri: string;
  headers: Record<string, string[]>;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The server's AWS credentials, from the standard environment variables (read per request). */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }) };
}

/** Validates a RemoteSignRequest body. */
export function parseSignRequest(body: Record<string, unknown>): SignRequest | CatalogError {
  const { region, uri, method, headers, provider } = body;
  const bad = (what: string) => new CatalogError('BadRequest', `Invalid sign request: ${what}`);
  if (typeof region !== 'string' || region === '') return bad('region must be a non-empty string');
  if (typeof uri !== 'string' || uri === '') return bad('uri must be a non-empty string');
  if (typeof method !== 'string') return bad('method must be a string');
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return bad('headers must be an object');
  for (const [name, values] of Object.entries(headers)) {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) return bad(`header ${name} must be an array of strings`);
  }
  if (body.body !== undefined && body.body !== null && typeof body.body !== 'string') return bad('body must be a string');
  if (provider !== undefined && provider !== null && typeof provider !== 'string') return bad('provider must be a string');
  return {
    region, uri, method, headers: headers as Record<string, string[]>,
    ...(typeof body.body === 'string' && { body: body.body }),
    ...(typeof provider === 'string' && { provider }),
  };
}

/** Bucket and key prefix of an s3:// table location, parsed by the one location parser (never decoded). */
function locationOf(text: string): { bucket: string; prefix: string } | CatalogError {
  const parsed = parseLocation(text);
  if (!parsed.ok) return forbidden(`Remote signing is not available for table location ${text}`);
  if (parsed.value.backend !== 's3') return forbidden(`Remote signing is only available for S3 table locations, not ${text}`);
  return { bucket: parsed.value.bucket, prefix: parsed.value.segments.join('/') };
}

const inside = (key: string, prefix: string) => prefix === '' || key === prefix || key.startsWith(`${prefix}/`);

/** An object key whose segments a server or SDK could resolve differently ('', '.', '..'). */
const unsafeKey = (key: string) => key.split('/').some((s) => s === '' || s === '.' || s === '..');

function xmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower]!;
  });
}

// eslint-disable-next-line no-control-regex
const UNSIGNABLE = /[\u0000-\u0020\u007f\\]/;
const malformedUri = (uri: string) => new CatalogError('BadRequest', `Invalid sign request: malformed uri ${uri}`);
const RAW_URI = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?$/i;

/**
 * The request target exactly as the signer will sign it. The URL parser normalises (resolves
 * '..' and percent-encoded dots, turns '\' into '/', lower-cases and re-encodes), so a uri is
 * refused unless parsing changes nothing: what we check is then what we sign.
 */
function parseTarget(uri: string): URL | CatalogError {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return malformedUri(uri);
  }
  if (UNSIGNABLE.test(uri) || !isWellFormed(uri)) return forbidden("Refusing to sign a uri with '\\', spaces or control characters");
  const raw = RAW_URI.exec(uri);
  if (!raw) return malformedUri(uri);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return new CatalogError('BadRequest', `Invalid sign request: uri must be http(s): ${uri}`);
  if (url.username !== '' || url.password !== '') return forbidden('Refusing to sign a uri with credentials in it');
  const [, , authority, path] = raw as unknown as [string, string, string, string];
  if (authority.toLowerCase() !== url.host || (path === '' ? '/' : path) !== url.pathname) {
    return forbidden(`Refusing to sign a uri the URL parser would rewrite (dot segments, encoded dots, case): ${uri}`);
  }
  return url;
}

/** The endpoints the server signs for: the configured one, or AWS S3 itself when none is configured. */
export interface SigningEndpoint {
  /** e.g. http://minio.local:9000 ([storage] aws_endpoint) */
  endpoint?: string;
}

const AWS_HOST = /^s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/;

/**
 * Where the request goes: a virtual-hosted `bucket.<host>` or a path-style `<host>/bucket`,
 * where host is the configured endpoint's (same scheme and port) or an AWS S3 host over https.
 * Any other host is refused: a signature is worth something only to the endpoint it names.
 */
function addressing(url: URL, bucket: string, config: SigningEndpoint): 'virtual' | 'path' | CatalogError {
  const fail = () => forbidden(`Refusing to sign a request for host ${url.host}: not the S3 endpoint of bucket ${bucket}`);
  if (config.endpoint !== undefined) {
    const endpoint = new URL(config.endpoint);
    if (url.protocol === endpoint.protocol && url.port === endpoint.port) {
      if (url.hostname === endpoint.hostname) return 'path';
      if (url.hostname === `${bucket}.${endpoint.hostname}`) return 'virtual';
    }
  }
  if (url.protocol !== 'https:' || url.port !== '') return fail();
  if (AWS_HOST.test(url.hostname)) return 'path';
  if (url.hostname.startsWith(`${bucket}.`) && AWS_HOST.test(url.hostname.slice(bucket.length + 1))) return 'virtual';
  return fail();
}

/**
 * Why a request whose object keys (virtual-hosted or path-style) leave the table location is
 * refused; undefined only when it stays inside.
 */
function checkTarget(request: SignRequest, url: URL, bucket: string, prefix: string, config: SigningEndpoint): CatalogError | undefined {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return malformedUri(request.uri);
  }
  const style = addressing(url, bucket, config);
  if (style instanceof CatalogError) return style;
  let key: string;
  if (style === 'virtual') key = path.replace(/^\//, '');
  else if (path === `/${bucket}` || path === `/${bucket}/` || path.startsWith(`/${bucket}/`)) key = path.slice(bucket.length + 2);
  else return forbidden(`Refusing to sign a request outside the table location: ${request.uri}`);

  if (key !== '') {
    if (unsafeKey(key)) return forbidden(`Refusing to sign a uri with dot or empty segments: ${request.uri}`);
    if (!inside(key, prefix)) return forbidden(`Refusing to sign a request outside the table location: ${request.uri}`);
    return undefined;
  }
  // bucket-level requests: listing under the location, or a batch delete of keys under it
  // a listing prefix must end inside the location: "loc" alone would also list "loc2/…"
  const listPrefix = url.searchParams.get('prefix');
  if (request.method === 'GET' && listPrefix !== null && !unsafeKey(listPrefix.replace(/\/$/, '')) && (prefix === '' || listPrefix.startsWith(`${prefix}/`))) return undefined;
  if (request.method === 'POST' && url.searchParams.has('delete') && request.body !== undefined) {
    const keys = [...request.body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]!));
    if (keys.length > 0 && keys.length <= SIGN_DELETE_KEYS_MAX && keys.every((k) => !unsafeKey(k) && inside(k, prefix))) return undefined;
  }
  return forbidden(`Refusing to sign a bucket-level request that is not confined to the table location: ${request.uri}`);
}

/**
 * A copy (x-amz-copy-source, UploadPartCopy) reads its source with the same signature: the
 * source must lie under the table location too, or the server's credentials would read any key.
 */
function checkCopySource(request: SignRequest, bucket: string, prefix: string): CatalogError | undefined {
  for (const [name, values] of Object.entries(request.headers)) {
    if (name.toLowerCase() !== 'x-amz-copy-source') continue;
    for (const value of values) {
      let source: string;
      try {
        source = decodeURIComponent(value.split('?')[0]!.replace(/^\//, ''));
      } catch {
        return new CatalogError('BadRequest', 'Invalid sign request: malformed x-amz-copy-source');
      }
      const slash = source.indexOf('/');
      const key = source.slice(slash + 1);
      if (slash < 0 || source.slice(0, slash) !== bucket || unsafeKey(key) || !inside(key, prefix)) {
        return forbidden(`Refusing to sign a copy from outside the table location: ${value}`);
      }
    }
  }
  return undefined;
}

/** node:crypto as the SHA-256 (and HMAC) constructor SignatureV4 expects. */
type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data): Buffer | string =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);

class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: Data) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/**
 * What signing `method` gives the caller: reading (GET, HEAD) needs TABLE_READ_DATA, anything
 * that writes or deletes (PUT, POST, DELETE) TABLE_WRITE_DATA, so a read-only principal never
 * gets a signature that changes the table's files.
 */
export const signingPrivilege = (method: string) => (method === 'GET' || method === 'HEAD' ? 'TABLE_READ_DATA' : 'TABLE_WRITE_DATA');

/** The check a sign request of `req`'s caller makes (see signingPrivilege). */
export const signingCheck = (id: Identifier, request: SignRequest, req: Asker): Check => bind(onTable(signingPrivilege(request.method), id), req);

/**
 * signRequest: checks the caller (`check`, after the read barrier), validates the target
 * against the table's location, then signs. Without server credentials it cannot sign (501).
 */
export async function signRequest(
  ctx: CatalogContext,
  id: Identifier,
  request: SignRequest,
  credentials: AwsCredentials | undefined,
  consistency: Consistency | undefined,
  check: Check,
): Promise<SignResult | CatalogError> {
  const { metadata } = await loadCurrentTable(ctx, id, consistency, check);
  if (request.provider !== undefined && request.provider !== 's3') {
    return new CatalogError('BadRequest', `Invalid sign request: unsupported provider ${request.provider} (only s3)`);
  }
  if (!SIGNABLE_METHODS.includes(request.method)) return forbidden(`Refusing to sign method ${request.method}`);
  const url = parseTarget(request.uri);
  if (url instanceof CatalogError) return url;
  const location = locationOf(metadata.location);
  if (location instanceof CatalogError) return location;
  const { bucket, prefix } = location;
  // each check answers why it refuses; nothing is signed unless every one answered undefined
  const outside = checkTarget(request, url, bucket, prefix, { endpoint: ctx.warehouse.s3Endpoint }) ?? checkCopySource(request, bucket, prefix);
  if (outside !== undefined) return outside;
  if (!credentials) {
    return new CatalogError('NotImplemented', 'Remote signing is not configured: the server has no AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)');
  }

  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    // ours to set: the signature, its date, the (server's) session token, and the host we checked
    if (lower === 'authorization' || lower === 'x-amz-date' || lower === 'x-amz-security-token' || lower === 'host') continue;
    headers[lower] = values.join(',');
  }
  headers.host = url.host;
  // a body shown to us is bound into the signature; otherwise the payload is not signed
  if (request.body !== undefined) headers['x-amz-content-sha256'] = createHash('sha256').update(request.body).digest('hex');
  else headers['x-amz-content-sha256'] ??= UNSIGNED_PAYLOAD;

  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({ credentials, region: request.region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' && { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers,
    },
    { signingDate: new Date(ctx.clock.nowMs()) },
  );
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(signed.headers)) out[name] = [value];
  return { uri: request.uri, headers: out };
}

/** POST …/sign: the signed headers, with the server's credentials. */
export const signOperation = (id: Identifier, request: SignRequest): Operation =>
  read(async (ctx, req) => {
    const signed = await signRequest(ctx, id, request, credentialsFromEnv(), req.consistency, signingCheck(id, request, req));
    return signed instanceof CatalogError ? reject(signed) : noop(jsonReply(JSON.stringify(signed)));
  });

/** POST …/sign with its body; a malformed body is refused before the table is read. */
export function signOperationRequest(id: Identifier, body: Record<string, unknown>): Operation {
  const request = parseSignRequest(body);
  return request instanceof CatalogError ? refused(request) : signOperation(id, request);
}
