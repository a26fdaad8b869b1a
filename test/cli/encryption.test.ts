// The Encryption Guide as a user follows it: its first sh block sourced with bash as it stands,
// then real `floe serve`, `floe status` and `floe keys` processes with the variables it exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENTRY = ['--import', 'tsx', 'src/cli/run.ts'];
const tempDir = () => mkdtempSync(join(tmpdir(), 'floe-enc-cli-'));

function firstShBlock(): string {
  const guide = readFileSync('docs/encryption.md', 'utf8');
  const m = /```sh\n([\s\S]*?)```/.exec(guide);
  assert.ok(m, 'the guide has an sh block');
  return m[1]!;
}

/** Sources the snippet with bash; returns the variables it added (name → value). */
function sourceSnippet(env: Record<string, string>): { added: Record<string, string>; stderr: string; code: number | null } {
  const dir = tempDir();
  const snippet = join(dir, 'snippet.sh');
  writeFileSync(snippet, firstShBlock());
  const script = `compgen -v | sort > "${dir}/before"; . "${snippet}" || exit 3; compgen -v | sort > "${dir}/after"; comm -13 "${dir}/before" "${dir}/after" | while read -r v; do printf '%s=%s\\n' "$v" "\${!v}"; done`;
  const run = spawnSync('bash', ['--noprofile', '--norc', '-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir, ...env } });
  const added: Record<string, string> = {};
  // bash's own bookkeeping variables change with any pipeline: not the snippet's doing
  for (const line of run.stdout.split('\n').filter((l) => l && !/^(PIPESTATUS|_|BASH_\w+)=/.test(l))) {
    const eq = line.indexOf('=');
    added[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { added, stderr: run.stderr, code: run.status };
}

function floe(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [...ENTRY, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function startServe(root: string, warehouse: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [...ENTRY, 'serve', '--storage', `file://${root}`, '--warehouse', `file://${warehouse}`, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    // the banner is on stderr: stdout is the JSON log stream
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url };
}

const stop = (child: ReturnType<typeof spawn>) => new Promise((r) => (child.kill('SIGTERM'), child.once('exit', r)));
const post = (url: string, path: string, body: unknown) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function bytesUnder(dir: string): Buffer[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).map((f) => readFileSync(f));
}

test("the guide's first sh block, sourced as it stands, creates a key file and exports only FLOE_ENCRYPTION_*", () => {
  const dir = tempDir();
  const keyfile = join(dir, 'sub', 'floe.keys');
  const first = sourceSnippet({ KEYFILE: keyfile });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(Object.keys(first.added).sort(), ['FLOE_ENCRYPTION_ACTIVE_KEY', 'FLOE_ENCRYPTION_KEY_FILE', 'FLOE_ENCRYPTION_PROVIDER']);
  assert.equal(first.added.FLOE_ENCRYPTION_KEY_FILE, keyfile);
  const created = readFileSync(keyfile, 'utf8');
  assert.match(created, /^key1:[A-Za-z0-9+/]{43}=\n$/);
  assert.equal(statSync(keyfile).mode & 0o077, 0, 'the key file is private');
  // sourcing again keeps the key
  assert.equal(sourceSnippet({ KEYFILE: keyfile }).code, 0);
  assert.equal(readFileSync(keyfile, 'utf8'), created);
  // without KEYFILE it says what to set and exports nothing
  const missing = sourceSnippet({});
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /KEYFILE/);
});

test('serve with the snippet\'s variables: nothing readable in the store, status reports it, keys rotate/retire/rewrap round trip', async () => {
  const dir = tempDir();
  const keyfile = join(dir, 'floe.keys');
  const sourced = sourceSnippet({ KEYFILE: keyfile });
  assert.equal(sourced.code, 0, sourced.stderr);
  const env = sourced.added;
  const root = join(dir, 'root');
  const warehouse = tempDir();
  const serve = await startServe(root, warehouse, env);
  try {
    const created = await post(serve.url, '/v1/namespaces', { namespace: ['narwhal_secret_ns_4242'], properties: { owner: 'axolotl_owner_1717' } });
    assert.equal(created.status, 200);
  } finally {
    await stop(serve.child);
  }
  for (const bytes of bytesUnder(root)) {
    assert.ok(!bytes.includes(Buffer.from('narwhal_secret_ns_4242')) && !bytes.includes(Buffer.from('axolotl_owner_1717')));
  }

  let status = floe(['status', '--storage', `file://${root}`, '--json'], env);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout);
  assert.equal(report.encryption.on, true);
  assert.equal(report.encryption.activeKey, 'key1');
  assert.equal(report.encryption.plaintextObjects, 0);
  assert.ok(!status.stdout.includes(readFileSync(keyfile, 'utf8').split(':')[1]!.trim()), 'no key material printed');

  // without the key: a start-up error naming the key id
  const noKey = floe(['status', '--storage', `file://${root}`], {});
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /key 'key1'/);

  // rotation to a second key added to the file
  appendFileSync(keyfile, `key2:${randomBytes(32).toString('base64')}\n`);
  const rotate = floe(['keys', 'rotate', '--storage', `file://${root}`, '--key', 'key2'], env);
  assert.equal(rotate.code, 0, rotate.stderr);
  assert.match(rotate.stdout, /active key: key2 \(was key1\)/);
  const refused = floe(['keys', 'retire', 'key1', '--storage', `file://${root}`], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /\d+ objects are still encrypted with key 'key1'/);
  const rewrap = floe(['keys', 'rewrap', '--storage', `file://${root}`], env);
  assert.equal(rewrap.code, 0, rewrap.stderr);
  const retire = floe(['keys', 'retire', 'key1', '--storage', `file://${root}`], env);
  assert.equal(retire.code, 0, retire.stderr);
  status = floe(['status', '--storage', `file://${root}`], env);
  assert.match(status.stdout, /encryption: +on \(AES-256-GCM, active key key2; key1 \(retired\): 0 objects, key2: \d+ objects; 0 plaintext objects remain\)/);
});

test('[encryption] loads from a TOML file and FLOE_ENCRYPTION_*; errors never echo key material', async () => {
  const { loadSettings } = await import('../../src/config/index.js');
  const { openKeyProvider } = await import('../../src/store/index.js');
  const dir = tempDir();
  const material = randomBytes(32).toString('base64');
  writeFileSync(join(dir, 'floe.toml'), `[encryption]\nprovider = "local"\nkeys = "a:${material}"\nactive_key = "a"\n`);
  const fromFile = loadSettings({ configFile: join(dir, 'floe.toml'), env: {} });
  assert.equal(openKeyProvider(fromFile.encryption)?.activeKey, 'a');
  const fromEnv = loadSettings({ env: { FLOE_ENCRYPTION_PROVIDER: 'local', FLOE_ENCRYPTION_KEYS: `b:${material}` } });
  assert.deepEqual(openKeyProvider(fromEnv.encryption)?.provider.keyIds(), ['b']);
  assert.throws(() => loadSettings({ env: { FLOE_ENCRYPTION_PROVIDER: 'vault' } }), /provider \(environment FLOE_ENCRYPTION_PROVIDER\).*allowed: none, local, aws-kms, gcp-kms or azure-keyvault/);
  const bad = `c:${material.slice(0, 20)}`;
  assert.throws(
    () => openKeyProvider(loadSettings({ env: { FLOE_ENCRYPTION_PROVIDER: 'local', FLOE_ENCRYPTION_KEYS: bad } }).encryption),
    (e: Error) => /key 'c' is not 32 bytes/.test(e.message) && !e.message.includes(material.slice(0, 20)),
  );
});
