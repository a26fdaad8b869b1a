// HTTP hygiene (issue 9 item 5): JSON bodies only as application/json (no simple-request CSRF),
// Host checked when bound to loopback (DNS rebinding), parser and router errors in the Iceberg
// envelope with no body on HEAD, request timeouts and a connection cap, and an Idempotency-Key
// whose fingerprint covers the body. Raw sockets where the point is what goes over the wire.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openCatalog, type Catalog } from '../../src/catalog/index.js';
import { loadSettings } from '../../src/config/index.js';
import { REQUEST_HEADERS_BYTES_MAX, REQUEST_URL_BYTES_MAX } from '../../src/config/limits.js';
import { buildApp, type AppOptions } from '../../src/http/app.js';

interface Served {
  app: FastifyInstance;
  catalog: Catalog;
  port: number;
}

const started: Served[] = [];

async function serve(options: Partial<AppOptions> = {}): Promise<Served> {
  const settings = loadSettings({ env: {}, flags: { object_store_url: 'memory://' } });
  const catalog = await openCatalog({ settings, warehouseUrl: `file://${mkdtempSync(join(tmpdir(), 'floe-wh-'))}` });
  const app = buildApp({ catalog, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const served = { app, catalog, port: typeof address === 'object' && address ? address.port : 0 };
  started.push(served);
  return served;
}

after(async () => {
  for (const s of started) {
    await s.app.close();
    await s.catalog.close();
  }
});

let server: Served;
before(async () => {
  server = await serve();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `raw` bytes on a fresh socket and reads until the server closes it (or `idleMs` of silence). */
function rawExchange(port: number, raw: string | Buffer, options: { keepOpen?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(raw);
    if (!options.keepOpen) socket.end();
  });
}

function parseRaw(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  assert.ok(split > 0, `no complete response head in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4) };
}

function assertEnvelope(response: RawResponse, status: number, message?: RegExp): void {
  assert.equal(response.status, status, JSON.stringify(response));
  const body = JSON.parse(response.body) as { error: { message: string; type: string; code: number } };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, status);
  assert.equal(typeof body.error.type, 'string');
  if (message) assert.match(body.error.message, message);
}

/** An HTTP request with full control of the headers (Host included). */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const framing = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...framing, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const namespaceExists = async (name: string) => (await send(server.port, 'HEAD', `/v1/namespaces/${name}`, {})).status === 204;

test('CSRF: a text/plain or form POST is refused with 415 and creates nothing', async () => {
  for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await send(server.port, 'POST', '/v1/namespaces', { 'content-type': type }, '{"namespace":["csrf"]}');
    assertEnvelope(res, 415, /application\/json/);
  }
  // no content type at all, with a body
  const untyped = parseRaw(await rawExchange(server.port, 'POST /v1/namespaces HTTP/1.1\r\nHost: localhost\r\nContent-Length: 22\r\nConnection: close\r\n\r\n{"namespace":["csrf"]}'));
  assertEnvelope(untyped, 415);
  assert.equal(await namespaceExists('csrf'), false);
  // a drop sent cross-site carries no body: it is refused by the same rule when it has one
  assert.equal((await send(server.port, 'POST', '/v1/namespaces', { 'content-type': 'application/json; charset=utf-8' }, '{"namespace":["csrf_ok"]}')).status, 200);
  assertEnvelope(await send(server.port, 'DELETE', '/v1/namespaces/csrf_ok', { 'content-type': 'text/plain' }, 'x'), 415);
  assert.equal(await namespaceExists('csrf_ok'), true);
  // without a body, any content type (or none) is fine
  assert.equal((await send(server.port, 'DELETE', '/v1/namespaces/csrf_ok', { 'content-type': 'text/plain' })).status, 204);
  // an unknown route is still a 404, whatever the body
  assertEnvelope(await send(server.port, 'POST', '/v1/oauth/tokens', { 'content-type': 'application/x-www-form-urlencoded' }, 'credential=a:b'), 404);
});

test('DNS rebinding: a foreign Host is refused when bound to loopback; loopback names with any port are fine', async () => {
  for (const host of ['evil.example', 'evil.example:' + server.port, '127.0.0.1.evil.example', 'localhost.evil.example:80']) {
    const res = await send(server.port, 'POST', '/v1/namespaces', { host, 'content-type': 'application/json' }, '{"namespace":["rebound"]}');
    assertEnvelope(res, 421, /not served here/);
    assertEnvelope(await send(server.port, 'GET', '/v1/config', { host }), 421);
  }
  assert.equal(await namespaceExists('rebound'), false);
  for (const host of ['localhost', `localhost:${server.port}`, '127.0.0.1:1', '[::1]:8181', 'LOCALHOST']) {
    assert.equal((await send(server.port, 'GET', '/v1/config', { host })).status, 200, host);
  }
  // configured names are answered too; bound to a non-loopback address nothing is checked
  const configured = await serve({ allowedHosts: ['catalog.internal'] });
  assert.equal((await send(configured.port, 'GET', '/v1/config', { host: 'catalog.internal:8181' })).status, 200);
  assertEnvelope(await send(configured.port, 'GET', '/v1/config', { host: 'evil.example' }), 421);
  const open = await serve({ host: '0.0.0.0' });
  assert.equal((await send(open.port, 'GET', '/v1/config', { host: 'catalog.example.com' })).status, 200);
});

test('headers too large: 431 in the envelope, and no body after a HEAD', async () => {
  const big = 'x'.repeat(REQUEST_HEADERS_BYTES_MAX + 100);
  const get = parseRaw(await rawExchange(server.port, `GET /v1/config HTTP/1.1\r\nHost: localhost\r\nX-Big: ${big}\r\n\r\n`));
  assertEnvelope(get, 431, /headers too large/);
  const head = await rawExchange(server.port, `HEAD /v1/namespaces/db HTTP/1.1\r\nHost: localhost\r\nX-Big: ${big}\r\n\r\n`);
  const parsed = parseRaw(head);
  assert.equal(parsed.status, 431);
  assert.equal(parsed.body, '', 'nothing after the head of a HEAD answer');
});

test('URI too long: 414 in the envelope, and no body after a HEAD', async () => {
  const longPath = `/v1/namespaces/${'a'.repeat(REQUEST_URL_BYTES_MAX)}`;
  assertEnvelope(parseRaw(await rawExchange(server.port, `GET ${longPath} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)), 414, /URI too long/);
  const head = parseRaw(await rawExchange(server.port, `HEAD ${longPath} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
  assert.equal(head.status, 414);
  assert.equal(head.body, '');
  // a path parameter over the router's length limit, within the URL limit
  const longParam = `/v1/namespaces/${'b'.repeat(4097)}`;
  assertEnvelope(parseRaw(await rawExchange(server.port, `GET ${longParam} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)), 414);
});

test('bad percent-encoding in the URL: 400 in the envelope, and no body after a HEAD', async () => {
  for (const path of ['/v1/namespaces/%E0%A4%A', '/v1/namespaces/%zz', '/v1/namespaces/db/tables/%C3%28']) {
    assertEnvelope(parseRaw(await rawExchange(server.port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)), 400, /percent-encoding/);
  }
  const head = parseRaw(await rawExchange(server.port, 'HEAD /v1/namespaces/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
  assert.equal(head.status, 400);
  assert.equal(head.body, '');
});

test('a bad Content-Length is 400 and one over the body limit 413, both in the envelope', async () => {
  for (const length of ['abc', '-1', '1, 2']) {
    const res = parseRaw(await rawExchange(server.port, `POST /v1/namespaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{}`));
    assertEnvelope(res, 400, /Content-Length/);
  }
  const huge = parseRaw(await rawExchange(server.port, 'POST /v1/namespaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n{}'));
  assertEnvelope(huge, 413, /too large/);
});

test('a slow request body times out with 408 in the envelope', { timeout: 20_000 }, async () => {
  const slow = await serve({ http: { requestTimeoutMs: 300, headersTimeoutMs: 200, timeoutCheckIntervalMs: 50 } });
  // half a body, then silence: the server must give up on its own
  const res = parseRaw(await rawExchange(slow.port, 'POST /v1/namespaces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"namespace":', { keepOpen: true }));
  assertEnvelope(res, 408, /timeout/i);
  // and slow headers too
  const headers = parseRaw(await rawExchange(slow.port, 'GET /v1/config HTTP/1.1\r\nHost: localhost\r\n', { keepOpen: true }));
  assert.equal(headers.status, 408);
});

test('connections beyond the cap are closed on accept', { timeout: 20_000 }, async () => {
  const capped = await serve({ http: { connectionsMax: 2 } });
  const open = async (): Promise<Socket> => {
    const socket = connect(capped.port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  };
  /** One keep-alive request on `socket`; resolves with the status line, or 'closed'. */
  const ask = (socket: Socket) =>
    new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (c: Buffer) => {
        data += c.toString();
        if (data.includes('\r\n\r\n')) resolve(data.split('\r\n')[0]!);
      });
      socket.once('close', () => resolve(data === '' ? 'closed' : data.split('\r\n')[0]!));
      socket.once('error', () => undefined);
      socket.write('GET /v1/config HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
  const first = await open();
  const second = await open();
  assert.match(await ask(first), / 200 /);
  assert.match(await ask(second), / 200 /);
  const third = await open();
  assert.equal(await ask(third), 'closed');
  first.destroy();
  second.destroy();
});

test('an Idempotency-Key reused with another body is 400; with the same body it replays', async () => {
  const key = '0190d5c0-0000-7000-8000-00000000abcd';
  const headers = { 'content-type': 'application/json', 'idempotency-key': key };
  assert.equal((await send(server.port, 'POST', '/v1/namespaces', headers, '{"namespace":["idem_a"]}')).status, 200);
  const seq = server.catalog.store.headSeq;
  const replay = await send(server.port, 'POST', '/v1/namespaces', headers, '{ "namespace": ["idem_a"] }');
  assert.equal(replay.status, 200, replay.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  const other = await send(server.port, 'POST', '/v1/namespaces', headers, '{"namespace":["idem_b"]}');
  assertEnvelope(other, 400, /already used for a different request/);
  assert.equal(await namespaceExists('idem_b'), false);
  assert.equal(server.catalog.store.headSeq, seq, 'nothing applied');
});

test('an idempotency record written before bodies were fingerprinted still replays', async () => {
  const key = '0190d5c0-0000-7000-8000-00000000abce';
  const recorded = { namespace: ['old_format'], properties: {} };
  // the record as the previous format wrote it: method and path, no body digest
  await server.catalog.store.commit(async () => ({
    kind: 'txn' as const,
    effects: [],
    idem: { key, status: 200, body: { fingerprint: 'POST /v1/namespaces', response: { status: 200, body: recorded } }, expiresAtMs: Date.now() + 60_000 },
    result: undefined,
  }));
  const res = await send(server.port, 'POST', '/v1/namespaces', { 'content-type': 'application/json', 'idempotency-key': key }, '{"namespace":["anything"]}');
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(JSON.parse(res.body), recorded);
  assert.equal(res.headers['idempotent-replayed'], 'true');
  // another path is still refused
  const elsewhere = await send(server.port, 'DELETE', '/v1/namespaces/old_format', { 'idempotency-key': key });
  assertEnvelope(elsewhere, 400, /already used for a different request/);
});
