// Remote signing (signRequest, POST …/tables/{table}/sign): signs a client's S3 request with
// SigV4 using the server's own AWS credentials. The server's credentials reach further than one
// table, so it signs only requests whose object keys lie inside the table's location, only for
// plain object methods, and never a path with dot segments (an HTTP stack may resolve them after
// we checked). Anything else is refused with 403 rather than signed.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CatalogContext } from './context.js';
import { CatalogError } from './errors.js';
import type { Identifier } from './names.js';
import { loadTable } from './tables.js';

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
export function parseSignRequest(body: Record<string, unknown>): SignRequest {
  const { region, uri, method, headers, provider } = body;
  const bad = (what: string) => new CatalogError('BadRequest', `Invalid sign request: ${what}`);
  if (typeof region !== 'string' || region === '') throw bad('region must be a non-empty string');
  if (typeof uri !== 'string' || uri === '') throw bad('uri must be a non-empty string');
  if (typeof method !== 'string') throw bad('method must be a string');
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw bad('headers must be an object');
  for (const [name, values] of Object.entries(headers)) {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw bad(`header ${name} must be an array of strings`);
  }
  if (body.body !== undefined && body.body !== null && typeof body.body !== 'string') throw bad('body must be a string');
  if (provider !== undefined && provider !== null && typeof provider !== 'string') throw bad('provider must be a string');
  return {
    region, uri, method, headers: headers as Record<string, string[]>,
    ...(typeof body.body === 'string' && { body: body.body }),
    ...(typeof provider === 'string' && { provider }),
  };
}

/** Bucket and key prefix of an s3:// table location. */
function locationOf(location: string): { bucket: string; prefix: string } {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw forbidden(`Remote signing is not available for table location ${location}`);
  }
  if (!S3_SCHEMES.has(url.protocol) || url.hostname === '') {
    throw forbidden(`Remote signing is only available for S3 table locations, not ${location}`);
  }
  return { bucket: url.hostname, prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '') };
}

const inside = (key: string, prefix: string) => prefix === '' || key === prefix || key.startsWith(`${prefix}/`);

/** The raw path of a URI as written (before URL parsing resolves dot segments). */
function rawPath(uri: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(uri);
  return match?.[1] ?? '';
}

function xmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower]!;
  });
}

/** Refuses a request whose object keys (virtual-hosted or path-style) leave the table location. */
function checkTarget(request: SignRequest, url: URL, bucket: string, prefix: string): void {
  const segments = rawPath(request.uri).split('/');
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    throw new CatalogError('BadRequest', `Invalid sign request: malformed uri ${request.uri}`);
  }
  if (decoded.some((s) => s === '.' || s === '..')) throw forbidden(`Refusing to sign a uri with dot segments: ${request.uri}`);
  const path = decoded.join('/');

  let key: string;
  if (url.hostname === bucket || url.hostname.startsWith(`${bucket}.`)) key = path.replace(/^\//, '');
  else if (path === `/${bucket}` || path.startsWith(`/${bucket}/`)) key = path.slice(bucket.length + 2);
  else throw forbidden(`Refusing to sign a request outside the table location: ${request.uri}`);

  if (key !== '') {
    if (!inside(key, prefix)) throw forbidden(`Refusing to sign a request outside the table location: ${request.uri}`);
    return;
  }
  // bucket-level requests: listing under the location, or a batch delete of keys under it
  // a listing prefix must end inside the location: "loc" alone would also list "loc2/…"
  const listPrefix = url.searchParams.get('prefix');
  if (request.method === 'GET' && listPrefix !== null && (prefix === '' || listPrefix.startsWith(`${prefix}/`))) return;
  if (request.method === 'POST' && url.searchParams.has('delete') && request.body !== undefined) {
    const keys = [...request.body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]!));
    if (keys.length > 0 && keys.length <= SIGN_DELETE_KEYS_MAX && keys.every((k) => inside(k, prefix))) return;
  }
  throw forbidden(`Refusing to sign a bucket-level request that is not confined to the table location: ${request.uri}`);
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
 * signRequest: validates the target against the table's location, then signs. `credentials`
 * defaults to the environment; without any the server cannot sign (501).
 */
export async function signRequest(
  ctx: CatalogContext,
  id: Identifier,
  request: SignRequest,
  credentials: AwsCredentials | undefined = credentialsFromEnv(),
): Promise<SignResult> {
  const { metadata } = await loadTable(ctx, id);
  if (request.provider !== undefined && request.provider !== 's3') {
    throw new CatalogError('BadRequest', `Invalid sign request: unsupported provider ${request.provider} (only s3)`);
  }
  if (!SIGNABLE_METHODS.includes(request.method)) throw forbidden(`Refusing to sign method ${request.method}`);
  let url: URL;
  try {
    url = new URL(request.uri);
  } catch {
    throw new CatalogError('BadRequest', `Invalid sign request: malformed uri ${request.uri}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CatalogError('BadRequest', `Invalid sign request: uri must be http(s): ${request.uri}`);
  const { bucket, prefix } = locationOf(metadata.location);
  checkTarget(request, url, bucket, prefix);
  if (!credentials) {
    throw new CatalogError('NotImplemented', 'Remote signing is not configured: the server has no AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)');
  }

  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    // ours to set: the signature, its date and the (server's) session token
    if (lower === 'authorization' || lower === 'x-amz-date' || lower === 'x-amz-security-token') continue;
    headers[lower] = values.join(',');
  }
  headers.host ??= url.host;
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
