// A FAKE of the Google Cloud Storage JSON API, for tests only. It is not an emulator and not
// GCS: it implements just what the `@google-cloud/storage` SDK sends for Floe's verbs, in
// memory, on 127.0.0.1. It exists because no GCS emulator we can install here honours
// preconditions (the Firebase emulator ignores ifGenerationMatch; see
// shared/design/object-store-emulators.md), so it is what lets the real SDK and our GCS
// backend be tested against `ifGenerationMatch` / `ifMetagenerationMatch` → 412 at all.
//
// Supported: upload (uploadType=media and multipart, not resumable), object metadata GET,
// media GET (alt=media, with x-goog-generation), list (prefix, startOffset, maxResults,
// pageToken), DELETE; preconditions ifGenerationMatch, ifGenerationNotMatch,
// ifMetagenerationMatch, ifMetagenerationNotMatch on all of them. Everything else answers 501
// so a test never silently passes on an unimplemented path. Behaviour that is checked against
// real GCS documentation, not real GCS: 412 conditionNotMet for failed preconditions, 404
// for a missing object or bucket, ifGenerationMatch=0 meaning "must not exist".
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CRC32C } from '@google-cloud/storage';

interface FakeObject {
  name: string;
  body: Buffer;
  generation: number;
  metageneration: number;
  updated: string;
  contentType: string;
}

const LIST_PAGE_MAX = 1000;
const BODY_BYTES_MAX = 64 * 1024 * 1024;

export interface GcsFake {
  endpoint: string;
  buckets: Map<string, Map<string, FakeObject>>;
  /** every request line seen, for asserting what the SDK sent */
  requests: string[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startGcsFake(bucketNames: string[]): Promise<GcsFake> {
  const buckets = new Map(bucketNames.map((b) => [b, new Map<string, FakeObject>()]));
  const requests: string[] = [];
  let nextGeneration = 1_700_000_000_000_000;

  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handle(req, res).catch((error: unknown) => {
      const e = error instanceof HttpError ? error : new HttpError(500, 'backendError', String(error));
      sendJson(res, e.status, { error: { code: e.status, message: e.message, errors: [{ reason: e.reason, message: e.message }] } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const q = url.searchParams;
    const path = url.pathname;
    let m: RegExpExecArray | null;

    if (req.method === 'POST' && (m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) {
      const objects = bucketOf(m[1]!);
      const body = await readBody(req);
      let name = q.get('name') ?? undefined;
      let content = body;
      let contentType = req.headers['content-type'] ?? 'application/octet-stream';
      const uploadType = q.get('uploadType');
      if (uploadType === 'multipart') {
        const parts = parseMultipart(body, contentType);
        const meta = JSON.parse(parts[0]!.body.toString('utf8')) as { name?: unknown; contentType?: unknown };
        if (typeof meta.name === 'string') name = meta.name;
        content = parts[1]!.body;
        contentType = typeof meta.contentType === 'string' ? meta.contentType : parts[1]!.contentType;
      } else if (uploadType !== 'media') {
        throw new HttpError(501, 'notImplemented', `fake: uploadType=${uploadType} is not implemented`);
      }
      if (!name) throw new HttpError(400, 'required', 'Required parameter: name');
      checkPreconditions(q, objects.get(name));
      const object: FakeObject = {
        name,
        body: content,
        generation: ++nextGeneration,
        metageneration: 1,
        updated: new Date().toISOString(),
        contentType,
      };
      objects.set(name, object);
      return sendJson(res, 200, resource(m[1]!, object));
    }

    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const bucket = m[1]!;
      const objects = bucketOf(bucket);
      const name = decodeURIComponent(m[2]!);
      const object = objects.get(name);
      if (req.method === 'GET') {
        if (!object) throw new HttpError(404, 'notFound', `No such object: ${bucket}/${name}`);
        checkPreconditions(q, object);
        if (q.get('alt') === 'media') {
          res.writeHead(200, {
            'content-type': object.contentType,
            'content-length': object.body.length,
            'x-goog-generation': String(object.generation),
            'x-goog-metageneration': String(object.metageneration),
          });
          res.end(object.body);
          return;
        }
        return sendJson(res, 200, resource(bucket, object));
      }
      if (req.method === 'DELETE') {
        if (!object) throw new HttpError(404, 'notFound', `No such object: ${bucket}/${name}`);
        checkPreconditions(q, object);
        objects.delete(name);
        res.writeHead(204).end();
        return;
      }
    }

    if (req.method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) {
      const bucket = m[1]!;
      const objects = bucketOf(bucket);
      const prefix = q.get('prefix') ?? '';
      const startOffset = q.get('startOffset') ?? '';
      const after = q.get('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString('utf8') : undefined;
      const max = Math.min(LIST_PAGE_MAX, Math.max(1, Number(q.get('maxResults') ?? LIST_PAGE_MAX)));
      if (q.get('delimiter')) throw new HttpError(501, 'notImplemented', 'fake: delimiter is not implemented');
      const names = [...objects.keys()]
        .filter((n) => n.startsWith(prefix) && n >= startOffset && (after === undefined || n > after))
        .sort(compareUtf8);
      const page = names.slice(0, max);
      const nextPageToken = names.length > max ? Buffer.from(page[page.length - 1]!, 'utf8').toString('base64url') : undefined;
      return sendJson(res, 200, {
        kind: 'storage#objects',
        items: page.map((n) => resource(bucket, objects.get(n)!)),
        ...(nextPageToken ? { nextPageToken } : {}),
      });
    }

    if (req.method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)$/.exec(path))) {
      bucketOf(m[1]!);
      return sendJson(res, 200, { kind: 'storage#bucket', name: m[1], id: m[1] });
    }

    throw new HttpError(501, 'notImplemented', `fake: ${req.method} ${path} is not implemented`);
  }

  function bucketOf(name: string): Map<string, FakeObject> {
    const objects = buckets.get(decodeURIComponent(name));
    if (!objects) throw new HttpError(404, 'notFound', 'The specified bucket does not exist.');
    return objects;
  }

  // Node closes an idle keep-alive socket after 5 s; a client that reuses it at that moment gets
  // ECONNRESET (a test that paused ~5 s for a child process saw an 'unknown' HEAD). Real GCS keeps
  // connections far longer than any test's pause.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    buckets,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GCS semantics: a missing object has generation 0; a failed condition is 412. */
function checkPreconditions(q: URLSearchParams, object: FakeObject | undefined): void {
  const generation = object?.generation ?? 0;
  const metageneration = object?.metageneration ?? 0;
  const fail = (what: string) => {
    throw new HttpError(412, 'conditionNotMet', `At least one of the pre-conditions you specified did not hold. (${what})`);
  };
  const ifGen = q.get('ifGenerationMatch');
  if (ifGen !== null && Number(ifGen) !== generation) fail('ifGenerationMatch');
  const ifGenNot = q.get('ifGenerationNotMatch');
  if (ifGenNot !== null && Number(ifGenNot) === generation) fail('ifGenerationNotMatch');
  const ifMeta = q.get('ifMetagenerationMatch');
  if (ifMeta !== null && (object === undefined || Number(ifMeta) !== metageneration)) fail('ifMetagenerationMatch');
  const ifMetaNot = q.get('ifMetagenerationNotMatch');
  if (ifMetaNot !== null && object !== undefined && Number(ifMetaNot) === metageneration) fail('ifMetagenerationNotMatch');
}

function resource(bucket: string, o: FakeObject): Record<string, unknown> {
  const crc = new CRC32C();
  crc.update(o.body);
  return {
    kind: 'storage#object',
    id: `${bucket}/${o.name}/${o.generation}`,
    name: o.name,
    bucket,
    generation: String(o.generation),
    metageneration: String(o.metageneration),
    contentType: o.contentType,
    size: String(o.body.length),
    updated: o.updated,
    timeCreated: o.updated,
    md5Hash: createHash('md5').update(o.body).digest('base64'),
    crc32c: crc.toString(),
    etag: `${o.generation}/${o.metageneration}`,
  };
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': body.length });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_BYTES_MAX) throw new HttpError(413, 'uploadTooLarge', 'fake: body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseMultipart(body: Buffer, contentType: string): Array<{ contentType: string; body: Buffer }> {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'invalid', 'multipart upload without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ contentType: string; body: Buffer }> = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new HttpError(400, 'invalid', 'multipart part without headers');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    let content = part.subarray(headerEnd + 4);
    // the CRLF before the next delimiter belongs to the delimiter, not the content
    if (content.subarray(content.length - 2).toString() === '\r\n') content = content.subarray(0, content.length - 2);
    parts.push({ contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? 'application/octet-stream', body: content });
    at = next;
  }
  if (parts.length !== 2) throw new HttpError(400, 'invalid', `multipart upload with ${parts.length} parts, expected 2`);
  return parts;
}
