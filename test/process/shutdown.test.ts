// Graceful shutdown of a real `floe serve` process: a commit in flight at SIGTERM is answered
// and is there after a restart; a client stalled mid-body does not hold the process past
// shutdown_timeout_ms; readiness fails while draining; a second signal exits at once; every
// step is in the log. Requests are written on raw sockets so the test decides when a body ends.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, request, startFloeServe, stopAllFloe, type FloeProcess } from '../e2e/processes.js';

after(stopAllFloe);

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function lines(proc: FloeProcess): Line[] {
  return proc
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

/** Resolves with the first log line matching `match`, as soon as the process prints it. */
function waitForLine(proc: FloeProcess, match: (line: Line) => boolean): Promise<Line> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = lines(proc).find(match);
      if (found) {
        proc.child.stdout?.off('data', check);
        resolve(found);
      }
    };
    proc.child.stdout?.on('data', check);
    void proc.exited.then(() => {
      check();
      reject(new Error(`exited without the line; stdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`));
    });
    check();
  });
}

/** Opens a connection and sends a POST's headers and the first `sentBytes` of its body. */
async function partialPost(baseUrl: string, path: string, body: string, sentBytes: number, requestId: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n\r\n` + body.slice(0, sentBytes),
  );
  return socket;
}

/** The first group of `pattern` in the banner (stderr), once printed: its lines may come in several chunks. */
function bannerMatch(proc: FloeProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(proc.stderr());
      if (match) {
        proc.child.stderr?.off('data', check);
        resolve(match[1]!);
      }
    };
    proc.child.stderr?.on('data', check);
    void proc.exited.then(() => reject(new Error(`exited without ${pattern}:\n${proc.stderr()}`)));
    check();
  });
}

function responseOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.once('close', () => resolve(text));
  });
}

const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };

function tempDirs(): { root: string; warehouse: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'floe-shutdown-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'catalog');
  const warehouse = join(dir, 'warehouse');
  return { root, warehouse, args: ['--storage', `file://${root}`, '--warehouse', `file://${warehouse}`, '--port', '0', '--log-level', 'debug'] };
}

test('a commit in flight at SIGTERM is answered, logged, and present after a restart; exit 0', { timeout: 120_000 }, async () => {
  const { args } = tempDirs();
  const env = childEnv({ FLOE_LOG_FORMAT: 'json' });
  const server = await startFloeServe(args, env);
  assert.equal((await request(server.url, 'POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
  assert.equal((await request(server.url, 'POST', '/v1/namespaces/db/tables', { name: 't', schema })).status, 200);

  const body = JSON.stringify({ requirements: [], updates: [{ action: 'set-properties', updates: { during: 'shutdown' } }] });
  const socket = await partialPost(server.url, '/v1/namespaces/db/tables/t', body, 10, 'inflight-1');
  const answered = responseOf(socket);
  await waitForLine(server, (l) => l.msg === 'request started' && l.requestId === 'inflight-1');
  server.child.kill('SIGTERM');
  await waitForLine(server, (l) => l.msg.startsWith('shutting down'));
  socket.write(body.slice(10));
  const response = await answered;
  assert.match(response, /^HTTP\/1\.1 200 /, response);
  assert.match(response, /\r\nconnection: close\r\n/i, 'a draining server closes the connection after the answer');
  assert.match(response, /"during":"shutdown"/);

  const exit = await server.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());
  const log = lines(server);
  const order = (match: (l: Line) => boolean) => log.findIndex(match);
  const shuttingDown = order((l) => l.msg.startsWith('shutting down'));
  const committed = order((l) => l.msg === 'request' && l.requestId === 'inflight-1');
  const done = order((l) => l.msg === 'shut down');
  assert.ok(shuttingDown >= 0 && committed > shuttingDown && done > committed, server.stdout());
  assert.equal(log[committed]!.status, 200);
  assert.equal(log[done]!.timedOut, false);
  assert.ok(log.some((l) => l.msg === 'signal received' && l.signal === 'SIGTERM'));

  const again = await startFloeServe(args, env);
  try {
    const loaded = await request(again.url, 'GET', '/v1/namespaces/db/tables/t');
    assert.equal(loaded.status, 200);
    assert.equal((loaded.body as { metadata: { properties: Record<string, string> } }).metadata.properties.during, 'shutdown');
  } finally {
    assert.deepEqual(await again.stop(), { code: 0, signal: null });
  }
});

test('a client stalled mid-body does not hold the process past shutdown_timeout_ms', { timeout: 120_000 }, async () => {
  const { args } = tempDirs();
  const timeoutMs = 800;
  const server = await startFloeServe(args, childEnv({ FLOE_LOG_FORMAT: 'json', FLOE_SHUTDOWN_TIMEOUT_MS: String(timeoutMs) }));
  assert.equal((await request(server.url, 'POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
  const socket = await partialPost(server.url, '/v1/namespaces', JSON.stringify({ namespace: ['never'] }), 5, 'stalled-1');
  const closed = responseOf(socket);
  await waitForLine(server, (l) => l.msg === 'request started' && l.requestId === 'stalled-1');
  const signalled = Date.now();
  server.child.kill('SIGTERM');
  const exit = await server.exited;
  const tookMs = Date.now() - signalled;
  assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());
  // it waited for the request, then gave up on it well before the 60 s request timeout
  assert.ok(tookMs >= timeoutMs, `exited after ${tookMs} ms, before the timeout`);
  assert.ok(tookMs < timeoutMs + 10_000, `exited after ${tookMs} ms`);
  await closed;
  const log = lines(server);
  const warned = log.find((l) => l.msg.startsWith('shutdown timeout'));
  assert.ok(warned, server.stdout());
  assert.equal(warned.level, 40);
  assert.equal(log.find((l) => l.msg === 'shut down')?.timedOut, true);
});

test('draining: the admin port answers /ready 503 and /health 200; a second signal exits at once', { timeout: 120_000 }, async () => {
  const { args } = tempDirs();
  const server = await startFloeServe([...args, '--admin-port', '0'], childEnv({ FLOE_LOG_FORMAT: 'json', FLOE_SHUTDOWN_TIMEOUT_MS: '600000' }));
  const adminUrl = await bannerMatch(server, /admin:\s+(http:\/\/\S+)/);
  assert.equal((await request(adminUrl, 'GET', '/ready')).status, 200);
  const metrics = await fetch(adminUrl + '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^# TYPE floe_http_request_duration_seconds histogram$/m);

  const socket = await partialPost(server.url, '/v1/namespaces', JSON.stringify({ namespace: ['never'] }), 5, 'stalled-2');
  void responseOf(socket);
  await waitForLine(server, (l) => l.msg === 'request started' && l.requestId === 'stalled-2');
  server.child.kill('SIGTERM');
  await waitForLine(server, (l) => l.msg.startsWith('shutting down'));
  const ready = await request(adminUrl, 'GET', '/ready');
  assert.equal(ready.status, 503);
  assert.deepEqual(ready.body, { status: 'draining' });
  assert.equal((await request(adminUrl, 'GET', '/health')).status, 200, 'draining is no reason to restart');

  const second = Date.now();
  server.child.kill('SIGTERM');
  const exit = await server.exited;
  assert.deepEqual(exit, { code: 1, signal: null });
  assert.ok(Date.now() - second < 10_000);
  assert.ok(lines(server).some((l) => l.msg.startsWith('second signal')), server.stdout());
});
