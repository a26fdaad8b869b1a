// `floe serve --tls-cert --tls-key`: HTTPS with a certificate made for this test (openssl), the
// pair re-read on SIGHUP without dropping open connections, a bad renewal leaving the old pair
// serving, and half a configuration refused at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

const ENTRY = ['--import', 'tsx', 'src/cli/run.ts'];
const baseEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLOE_'))) as Record<string, string>;

/** A self-signed certificate for 127.0.0.1 and localhost, and its key, as PEM files in `dir`. */
function makeCertificate(dir: string, name: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const run = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
  ], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

function get(port: number, ca: Buffer, agent: Agent | false): Promise<{ status: number; fingerprint: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', ca, agent }, (res) => {
      const socket = res.socket as TLSSocket;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint: socket.getPeerX509Certificate()?.fingerprint256 ?? '', socket }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS with the given pair; SIGHUP swaps it for new connections, open ones stay; a bad renewal is refused', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-tls-'));
  const first = makeCertificate(dir, 'first');
  const second = makeCertificate(dir, 'second');
  const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
  writeFileSync(live.cert, readFileSync(first.cert));
  writeFileSync(live.key, readFileSync(first.key));

  const child = spawn(process.execPath, [...ENTRY, 'serve', '--storage', 'memory://', '--port', '0', '--tls-cert', live.cert, '--tls-key', live.key], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: baseEnv(),
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const until = (pattern: RegExp, stream: () => string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => pattern.test(stream()) && resolve();
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
      check();
    });
  try {
    await until(/warehouse: .*\n/, () => err);
    const port = Number(/serving at https:\/\/127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
    assert.ok(port > 0, err);

    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = await get(port, readFileSync(first.cert), keepAlive);
    assert.deepEqual([before.status, before.fingerprint], [200, first.fingerprint]);

    writeFileSync(live.cert, readFileSync(second.cert));
    writeFileSync(live.key, readFileSync(second.key));
    child.kill('SIGHUP');
    await until(/TLS certificate and key re-read/, () => out);
    const fresh = await get(port, readFileSync(second.cert), false);
    assert.deepEqual([fresh.status, fresh.fingerprint], [200, second.fingerprint], 'a new connection gets the new certificate');
    const reused = await get(port, readFileSync(first.cert), keepAlive);
    assert.equal(reused.socket, before.socket, 'the open connection was not dropped');
    assert.equal(reused.status, 200);
    keepAlive.destroy();

    // a renewal caught half-written: refused, the second pair keeps serving
    writeFileSync(live.key, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    child.kill('SIGHUP');
    await until(/TLS reload failed, still serving the previous certificate/, () => out);
    assert.ok(!err.includes('not a key') && !out.includes('not a key'), 'the key file content is not printed');
    const after = await get(port, readFileSync(second.cert), false);
    assert.deepEqual([after.status, after.fingerprint], [200, second.fingerprint]);
  } finally {
    child.kill('SIGTERM');
  }
});

test('half a TLS configuration, a missing file or a mismatched pair is refused at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-tls-'));
  const one = makeCertificate(dir, 'one');
  const other = makeCertificate(dir, 'other');
  const floe = (args: string[]) => spawnSync(process.execPath, [...ENTRY, 'serve', '--storage', 'memory://', '--port', '0', ...args], { encoding: 'utf8', env: baseEnv(), timeout: 60_000 });
  let run = floe(['--tls-cert', one.cert]);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /HTTPS needs both \[server\] tls_cert and tls_key.*only tls_cert is set/);
  run = floe(['--tls-cert', one.cert, '--tls-key', join(dir, 'missing.key')]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /cannot read tls_key .*missing\.key: ENOENT/);
  run = floe(['--tls-cert', one.cert, '--tls-key', other.key]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /are not a usable PEM certificate and private key/);
  assert.ok(!run.stderr.includes('PRIVATE KEY'));
});
