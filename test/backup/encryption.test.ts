// Backups of an encrypted catalog, as a user runs them (real processes, real files): the archive
// is encrypted end to end, validate-backup and restore need its key, restore re-encrypts under
// the target's keys, and a plaintext archive or restore only on explicit request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { CatalogStore, openKeyProvider, scanEncryption, type Prepared } from '../../src/store/index.js';

const ENTRY = ['--import', 'tsx', 'src/cli/run.ts'];
const tmp = () => mkdtempSync(join(tmpdir(), 'floe-enc-backup-'));
const SECRET = 'wombat_backup_secret_6060';

function floe(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLOE_'))) as Record<string, string>;
  const result = spawnSync(process.execPath, [...ENTRY, ...args], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const keys = { src: randomBytes(32).toString('base64'), bak: randomBytes(32).toString('base64'), dst: randomBytes(32).toString('base64') };
const env = (ids: (keyof typeof keys)[], active: keyof typeof keys) => ({
  FLOE_ENCRYPTION_PROVIDER: 'local',
  FLOE_ENCRYPTION_KEYS: ids.map((id) => `${id}:${keys[id]}`).join(','),
  FLOE_ENCRYPTION_ACTIVE_KEY: active,
});

async function encryptedCatalog(): Promise<string> {
  const dir = tmp();
  const store = await CatalogStore.open(new FileObjectStore(dir), {
    create: true, gcIntervalMs: 0, checkpointInterval: 2,
    encryption: openKeyProvider({ provider: 'local', keys: `src:${keys.src}`, active_key: 'src' }),
  });
  for (const name of [SECRET, 'second_ns', 'third_ns']) {
    await store.commit(async (): Promise<Prepared<null>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [name], properties: { note: SECRET } }], result: null }));
  }
  await store.close();
  return dir;
}

test('an encrypted catalog backs up encrypted; validate and restore need the key; restore re-encrypts under the target key', async () => {
  const source = await encryptedCatalog();
  const out = join(tmp(), 'b.tar.gz');
  let run = floe(['backup', '--storage', `file://${source}`, '--output', out, '--with-log', '--json'], env(['src'], 'src'));
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).encryptedWithKey, 'src');
  const archive = readFileSync(out);
  assert.ok(!archive.includes(Buffer.from(SECRET)));
  assert.throws(() => gunzipSync(archive), 'not a gzip in the clear');

  run = floe(['validate-backup', '--input', out], {});
  assert.equal(run.code, 1);
  assert.match(run.stderr, /encrypted with key 'src'/);
  run = floe(['validate-backup', '--input', out], env(['dst'], 'dst'));
  assert.equal(run.code, 1);
  assert.match(run.stderr, /key 'src', which is not configured/);
  run = floe(['validate-backup', '--input', out], env(['src'], 'src'));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /valid: backup of catalog/);

  // a flipped bit in the archive is refused
  const tampered = join(tmp(), 't.tar.gz');
  const bad = Buffer.from(archive);
  bad[bad.length - 30]! ^= 1;
  writeFileSync(tampered, bad);
  run = floe(['validate-backup', '--input', tampered], env(['src'], 'src'));
  assert.equal(run.code, 1);
  assert.match(run.stderr, /fails authentication under key 'src'/);

  // restore into a target with its own key: readable with dst alone, nothing in plaintext
  const target = tmp();
  run = floe(['restore', '--input', out, '--storage', `file://${target}`], env(['src', 'dst'], 'dst'));
  assert.equal(run.code, 0, run.stderr);
  for (const f of readdirSync(target, { recursive: true, encoding: 'utf8' }).map((f) => join(target, f)).filter((f) => statSync(f).isFile())) {
    assert.ok(!readFileSync(f).includes(Buffer.from(SECRET)), f);
  }
  const scan = await scanEncryption(new FileObjectStore(target));
  assert.deepEqual(Object.keys(scan.byKey), ['dst']);
  assert.equal(scan.plaintext, 0);
  const restored = await CatalogStore.open(new FileObjectStore(target), {
    create: false, gcIntervalMs: 0, encryption: openKeyProvider({ provider: 'local', keys: `dst:${keys.dst}` }),
  });
  assert.ok(restored.state.hasNamespace([SECRET]));
  assert.equal(restored.encryption?.active, 'dst');
  await restored.close();

  // into a target without keys: only with --plaintext
  const plainTarget = tmp();
  run = floe(['restore', '--input', out, '--storage', `file://${plainTarget}`], {});
  assert.equal(run.code, 1);
  run = floe(['restore', '--input', out, '--storage', `file://${plainTarget}`], { FLOE_ENCRYPTION_PROVIDER: 'none' });
  assert.equal(run.code, 1, 'a backup of an encrypted catalog needs its key to be read at all');
});

test('--backup-key encrypts with a separate key; --plaintext writes a plaintext archive only on request', async () => {
  const source = await encryptedCatalog();
  const out = join(tmp(), 'k.tar');
  let run = floe(['backup', '--storage', `file://${source}`, '--output', out, '--backup-key', 'bak', '--json'], env(['src', 'bak'], 'src'));
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).encryptedWithKey, 'bak');
  run = floe(['validate-backup', '--input', out], env(['bak'], 'bak'));
  assert.equal(run.code, 0, run.stderr);

  const plain = join(tmp(), 'p.tar');
  run = floe(['backup', '--storage', `file://${source}`, '--output', plain, '--plaintext'], env(['src'], 'src'));
  assert.equal(run.code, 0, run.stderr);
  assert.ok(readFileSync(plain).includes(Buffer.from(SECRET)), 'plaintext on request');
  const target = tmp();
  run = floe(['restore', '--input', plain, '--storage', `file://${target}`], {});
  assert.equal(run.code, 1);
  assert.match(run.stderr, /--plaintext/);
  run = floe(['restore', '--input', plain, '--storage', `file://${target}`, '--plaintext'], {});
  assert.equal(run.code, 0, run.stderr);

  // the catalog's key alone is not a backup's: without encryption configured backup refuses
  run = floe(['backup', '--storage', `file://${source}`, '--output', join(tmp(), 'x.tar')], {});
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /key 'src'/);
});
