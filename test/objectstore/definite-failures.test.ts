// Which failures prove that a write did not happen (`definite`), with real sockets, real SDKs
// and real files: a request that never left the process (connection refused, no DNS answer,
// TLS refused, no credentials), one the backend refused (4xx), a file:// write that failed
// before its name existed. A request that may have been received stays ambiguous.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AzureObjectStore } from '../../src/objectstore/azure.js';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { GcsObjectStore } from '../../src/objectstore/gcs.js';
import { S3ObjectStore } from '../../src/objectstore/s3.js';
import type { ObjectStore, Unknown } from '../../src/objectstore/types.js';
import { freePort } from './helpers.js';

const MB = 1024 * 1024;
const body = Buffer.from('{"x":1}');

/** `chain`: no explicit credentials, the SDK's default provider chain finds them (or not) */
const s3 = (endpoint: string, credentials: 'static' | 'chain' = 'static') =>
  new S3ObjectStore({
    bucket: 'b', region: 'us-east-1', endpoint, allowHttp: true, multipartThresholdBytes: 8 * MB, multipartChunkBytes: 5 * MB,
    maxConcurrentRequests: 4, ...(credentials === 'static' && { credentials: { accessKeyId: 'k', secretAccessKey: 's' } }),
  });

function failed(outcome: { kind: string }): Unknown {
  assert.equal(outcome.kind, 'unknown', JSON.stringify(outcome));
  return outcome as Unknown;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address);
  return address.port;
}

describe('cloud backends: a request that never left is definite', () => {
  it('connection refused: s3, gcs and azure conditional writes', async () => {
    const port = await freePort(); // nothing listens there
    const endpoint = `http://127.0.0.1:${port}`;
    const stores: ObjectStore[] = [
      s3(endpoint),
      new GcsObjectStore({ bucket: 'b', endpoint }),
      new AzureObjectStore({
        container: 'c', singleShotBytesMax: 8 * MB, blockBytes: 4 * MB,
        auth: { kind: 'sharedKey', account: 'devstoreaccount1', accountKey: Buffer.from('not-a-key').toString('base64'), endpoint: `${endpoint}/devstoreaccount1` },
      }),
    ];
    for (const store of stores) {
      const created = failed(await store.putIfAbsent('log/00000000000000000001.json', body));
      assert.equal(created.definite, true, `${store.backend}: ${created.cause.message}`);
      assert.match(created.cause.message, /ECONNREFUSED/);
      await store.close();
    }
  });

  it('a plain write the SDK retried is not proof: its earlier attempts may have landed', async () => {
    const store = s3(`http://127.0.0.1:${await freePort()}`);
    const put = failed(await store.put('gc/clock-probe', body));
    assert.notEqual(put.definite, true);
    await store.close();
  });

  it('no DNS answer', async () => {
    const store = s3('http://floe-test-host.invalid:9000');
    const created = failed(await store.putIfAbsent('k', body));
    assert.equal(created.definite, true, created.cause.message);
    assert.match(created.cause.message, /ENOTFOUND|EAI_AGAIN/);
    await store.close();
  });

  it('a TLS handshake that fails (https to a plain-http port)', async (t) => {
    const server = createHttpServer((_req, res) => res.end('plain'));
    const port = await listen(server);
    t.after(() => server.close());
    const store = s3(`https://127.0.0.1:${port}`);
    const created = failed(await store.putIfAbsent('k', body));
    assert.equal(created.definite, true, created.cause.message);
    await store.close();
  });

  it('no credentials to sign with (the SDK default chain finds none)', async (t) => {
    const saved = { ...process.env };
    t.after(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    const empty = mkdtempSync(join(tmpdir(), 'floe-nocreds-'));
    t.after(() => rmSync(empty, { recursive: true, force: true }));
    process.env.AWS_CONFIG_FILE = join(empty, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(empty, 'credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const store = s3(`http://127.0.0.1:${await freePort()}`, 'chain');
    const created = failed(await store.putIfAbsent('k', body));
    assert.equal(created.definite, true, created.cause.message);
    assert.match(created.cause.message, /credentials/i);
    await store.close();
  });
});

describe('cloud backends: refused by the backend vs. maybe received', () => {
  let requests = 0;
  let mode: 'forbidden' | 'server-error' | 'reset-after-request' = 'forbidden';
  const server = createHttpServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      if (mode === 'forbidden') {
        res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
      } else if (mode === 'server-error') {
        res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>oops</Message></Error>');
      } else {
        req.socket.destroy(); // the request arrived; its answer is lost
      }
    });
  });
  after(() => server.close());

  it('403 is definite; 500 and a reset after the request was sent are not', async () => {
    const store = s3(`http://127.0.0.1:${await listen(server)}`);
    mode = 'forbidden';
    const forbidden = failed(await store.putIfAbsent('k', body));
    assert.equal(forbidden.definite, true, forbidden.cause.message);
    mode = 'server-error';
    const serverError = failed(await store.putIfAbsent('k', body));
    assert.notEqual(serverError.definite, true, serverError.cause.message);
    mode = 'reset-after-request';
    const reset = failed(await store.putIfAbsent('k', body));
    assert.notEqual(reset.definite, true, reset.cause.message);
    assert.equal(requests, 3, 'every request reached the server');
    await store.close();
  });
});

describe('file://: a write that failed before its name existed is definite', () => {
  const root = mkdtempSync(join(tmpdir(), 'floe-file-definite-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the directory of the key is a regular file: putIfAbsent, put, putUnpublished, putIfMatch', async () => {
    const store = new FileObjectStore(root);
    writeFileSync(join(root, 'log'), 'not a directory');
    for (const outcome of [
      await store.putIfAbsent('log/00000000000000000001.json', body),
      await store.put('log/x', body),
      await store.putUnpublished('log/y', body),
      await store.putIfMatch('log/z', body, 'etag'),
    ]) {
      const unknown = failed(outcome);
      assert.equal(unknown.definite, true, unknown.cause.message);
    }
    assert.deepEqual(readdirSync(root), ['log'], 'nothing else was created');
    rmSync(join(root, 'log'));
    assert.equal((await store.putIfAbsent('log/00000000000000000001.json', body)).kind, 'created', 'works once the path is a directory');
    assert.equal(existsSync(join(root, 'log', '00000000000000000001.json')), true);
    await store.close();
  });
});
