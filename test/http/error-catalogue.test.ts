// Walks the error catalogue (src/catalog/errors.ts): every code has a status and a type, is
// documented in docs/errors.md with both, and is produced by a real HTTP request below. The
// probes are a Record over the codes, so a new code does not compile until it has one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG_ERRORS, openCatalog, type CatalogErrorCode } from '../../src/catalog/index.js';
import { loadSettings } from '../../src/config/index.js';
import { REQUEST_HEADERS_BYTES_MAX, REQUEST_URL_BYTES_MAX } from '../../src/config/limits.js';
import { buildApp, OidcAuthenticator } from '../../src/http/index.js';
import { MemoryObjectStore, unknown, type CreateOutcome } from '../../src/objectstore/index.js';
import { avroFile, listEntry, MANIFEST_LIST_V2, put, snapshot } from '../fixtures/avro-table.js';
import { SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

interface Seen {
  status: number;
  type: string;
}

const CODES = Object.keys(CATALOG_ERRORS) as CatalogErrorCode[];
const AWS_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
const saved: Record<string, string | undefined> = {};
const metaDir = mkdtempSync(join(tmpdir(), 'floe-errors-'));
let server: TestServer;
let port: number;

before(async () => {
  // no AWS credentials: remote signing is then not configured (501)
  for (const name of AWS_VARS) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
  server = await startServer({
    warehouse: `file://${metaDir}`,
    env: { FLOE_ALLOWED_LOCATIONS: 's3://bkt/wh', FLOE_AWS_ENDPOINT: 'http://minio.local:9000' },
  });
  port = Number(new URL(server.url).port);
  assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
  assert.equal((await server.request('POST', '/v1/namespaces/db/tables', { name: 't', schema: SIMPLE_SCHEMA })).status, 200);
});

after(async () => {
  await server.close();
  for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  rmSync(metaDir, { recursive: true, force: true });
});

const seen = (response: { status: number; body: unknown }): Seen => {
  const error = (response.body as { error?: { type?: string; code?: number } } | undefined)?.error;
  assert.equal(error?.code, response.status, JSON.stringify(response.body));
  return { status: response.status, type: String(error?.type) };
};

/** Bytes on a fresh socket; the answer parsed (the server closes these connections). */
function raw(text: string, options: { to?: number; keepOpen?: boolean } = {}): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const socket = connect(options.to ?? port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('latin1');
      const split = answer.indexOf('\r\n\r\n');
      const status = Number(answer.split(' ')[1]);
      resolve(seen({ status, body: JSON.parse(answer.slice(split + 4)) }));
    });
    socket.write(text);
    if (!options.keepOpen) socket.end();
  });
}

/** A request with full control of the headers (Host included). */
function send(method: string, path: string, headers: Record<string, string>): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(seen({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) })));
    });
    req.on('error', reject);
    req.end();
  });
}

async function createTable(name: string, extra: Record<string, unknown> = {}): Promise<{ location: string; metadataLocation: string }> {
  const created = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA, ...extra });
  assert.equal(created.status, 200, created.text);
  return { location: created.body.metadata.location, metadataLocation: created.body['metadata-location'] };
}

const signBody = (uri: string) => ({ region: 'us-east-1', uri, method: 'GET', headers: {} });

/** Log writes answer "unknown outcome" while armed: the commit may or may not have landed. */
class AmbiguousLog extends MemoryObjectStore {
  armed = false;
  override async putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    if (this.armed && key.startsWith('log/')) {
      this.armed = false;
      return unknown(new Error('connection reset after the request was sent'), false);
    }
    return super.putIfAbsent(key, body);
  }
}

const PROBES: Record<CatalogErrorCode, () => Promise<Seen>> = {
  BadRequest: async () => seen(await server.request('POST', '/v1/namespaces', [])),
  IllegalArgument: async () =>
    seen(await server.request('POST', '/v1/namespaces/db/tables/t/plan', { 'snapshot-id': 1, 'start-snapshot-id': 1, 'end-snapshot-id': 2 })),
  NotAuthorized: async () => {
    // no token: refused before the provider (unreachable here) is ever asked
    const authenticator = new OidcAuthenticator({ issuer: 'http://127.0.0.1:9/', audience: 'floe', principalClaim: 'sub' });
    const guarded = await startServer({ auth: { authenticator, metricsRequireAuth: true } });
    try {
      const response = await guarded.request('GET', '/v1/config');
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="floe"/);
      return seen(response);
    } finally {
      await guarded.close();
    }
  },
  Forbidden: async () => {
    await createTable('s3t', { location: 's3://bkt/wh/db/s3t', properties: { 'write.metadata.path': `file://${metaDir}/s3t-meta` } });
    return seen(await server.request('POST', '/v1/namespaces/db/tables/s3t/sign', signBody('https://other.s3.amazonaws.com/x')));
  },
  NoSuchNamespace: async () => seen(await server.request('GET', '/v1/namespaces/nope')),
  NoSuchTable: async () => seen(await server.request('GET', '/v1/namespaces/db/tables/nope')),
  NoSuchView: async () => seen(await server.request('GET', '/v1/namespaces/db/views/nope')),
  NotFound: async () => {
    // the pointer names a metadata file that is gone
    const { metadataLocation } = await createTable('vanished');
    rmSync(fileURLToPath(metadataLocation));
    server.catalog.warehouse.forget(metadataLocation);
    return seen(await server.request('GET', '/v1/namespaces/db/tables/vanished'));
  },
  NoSuchRoute: async () => seen(await server.request('GET', '/v1/nowhere')),
  MethodNotAllowed: async () => seen(await server.request('PUT', '/v1/namespaces')),
  Unsupported: async () => {
    // a manifest list in an Avro codec nobody reads
    const { location } = await createTable('codec');
    const list = `${location}/metadata/snap-1.avro`;
    const identity = (buf: Buffer, cb: (e: Error | null, out?: Buffer) => void) => cb(null, buf);
    put(list, await avroFile(MANIFEST_LIST_V2, [listEntry(`${location}/metadata/m1.avro`, 0, 1)], { codec: 'bogus', codecs: { bogus: identity } }));
    const committed = await server.request('POST', '/v1/namespaces/db/tables/codec', {
      requirements: [],
      updates: [
        { action: 'add-snapshot', snapshot: snapshot(1, list) },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1 },
      ],
    });
    assert.equal(committed.status, 200, committed.text);
    return seen(await server.request('POST', '/v1/namespaces/db/tables/codec/plan', {}));
  },
  AlreadyExists: async () => seen(await server.request('POST', '/v1/namespaces', { namespace: ['db'] })),
  NamespaceNotEmpty: async () => seen(await server.request('DELETE', '/v1/namespaces/db')),
  CommitFailed: async () =>
    seen(await server.request('POST', '/v1/namespaces/db/tables/t', {
      requirements: [{ type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }],
      updates: [],
    })),
  RequestTimeout: async () => {
    const settings = loadSettings({ env: {}, flags: { object_store_url: 'memory://' } });
    const catalog = await openCatalog({ settings, warehouseUrl: `file://${metaDir}/slow` });
    const app = buildApp({ catalog, http: { requestTimeoutMs: 300, headersTimeoutMs: 200, timeoutCheckIntervalMs: 50 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = app.server.address();
      const to = typeof address === 'object' && address ? address.port : 0;
      const head = 'POST /v1/namespaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
      return await raw(`${head}{"namespace":`, { to, keepOpen: true });
    } finally {
      await app.close();
      await catalog.close();
    }
  },
  PayloadTooLarge: () =>
    raw('POST /v1/namespaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n{}'),
  UriTooLong: () => raw(`GET /v1/namespaces/${'a'.repeat(REQUEST_URL_BYTES_MAX)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
  UnsupportedMediaType: async () => seen(await server.request('POST', '/v1/namespaces', '{"namespace":["x"]}', { 'content-type': 'text/plain' })),
  MisdirectedRequest: () => send('GET', '/v1/config', { host: 'evil.example' }),
  UnprocessableEntity: async () =>
    seen(await server.request('POST', '/v1/namespaces/db/properties', { updates: { a: '1' }, removals: ['a'] })),
  HeadersTooLarge: () => raw(`GET /v1/config HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'x'.repeat(REQUEST_HEADERS_BYTES_MAX)}\r\n\r\n`),
  CommitStateUnknown: async () => {
    const objects = new AmbiguousLog();
    const ambiguous = await startServer({ objects });
    try {
      objects.armed = true;
      return seen(await ambiguous.request('POST', '/v1/namespaces', { namespace: ['maybe'] }));
    } finally {
      await ambiguous.close();
    }
  },
  Internal: async () => {
    const { metadataLocation } = await createTable('corrupt');
    writeFileSync(fileURLToPath(metadataLocation), '{ not json');
    server.catalog.warehouse.forget(metadataLocation);
    return seen(await server.request('GET', '/v1/namespaces/db/tables/corrupt'));
  },
  NotImplemented: async () => seen(await server.request('POST', '/v1/namespaces/db/tables/s3t/sign', signBody('https://bkt.s3.amazonaws.com/wh/db/s3t/data/f'))),
  ServiceUnavailable: async () => {
    const root = mkdtempSync(join(tmpdir(), 'floe-errors-store-'));
    const down = await startServer({ storage: `file://${root}` });
    try {
      // a regular file where the log directory must be: the log write definitely fails
      writeFileSync(join(root, 'log'), 'in the way');
      return seen(await down.request('POST', '/v1/namespaces', { namespace: ['a'] }));
    } finally {
      await down.close();
      rmSync(root, { recursive: true, force: true });
    }
  },
};

test('every code has a status and an Iceberg type', () => {
  for (const code of CODES) {
    const { status, type } = CATALOG_ERRORS[code];
    assert.ok(status >= 400 && status < 600, `${code}: ${status}`);
    assert.match(type, /^[A-Z][A-Za-z]+$/, code);
  }
});

test('every code is documented in docs/errors.md with its status and type', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const code of CODES) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    assert.ok(row, `docs/errors.md has no row for ${code}`);
    const [, , status, type, message] = row.split('|').map((cell) => cell.trim());
    assert.equal(status, String(CATALOG_ERRORS[code].status), code);
    assert.equal(type, `\`${CATALOG_ERRORS[code].type}\``, code);
    assert.ok(message && message.length > 0, `${code} has a documented message`);
  }
});

// one test per code, in order: later probes build on state earlier ones created (s3t)
for (const code of CODES) {
  test(`${code} is produced by a real request`, { timeout: 30_000 }, async () => {
    const got = await PROBES[code]();
    assert.deepEqual(got, { status: CATALOG_ERRORS[code].status, type: CATALOG_ERRORS[code].type }, code);
  });
}
