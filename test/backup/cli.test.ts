// The commands as an operator runs them: child processes, exit codes, files on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { CatalogStore } from '../../src/store/catalog-store.js';
import { checkpointKey, logKey } from '../../src/store/layout.js';
import { commitEffects, openCatalog, populate, stateBytes, tempDir } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function floe(args: string[], options: { env?: Record<string, string>; stdin?: Buffer } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    for (const key of Object.keys(env)) if (key.startsWith('FLOE_') && !options.env?.[key]) delete env[key];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(options.stdin ?? Buffer.alloc(0));
  });
}

async function sourceCatalog(options: { checkpointInterval?: number; warehouse?: string } = {}) {
  const dir = tempDir();
  const store = await openCatalog(new FileObjectStore(dir), { checkpointInterval: options.checkpointInterval ?? 4 });
  await populate(store, { namespaces: 3, tablesPerNs: 4, viewsPerNs: 1 });
  await store.idle(); // the background checkpoints
  return { dir, url: `file://${dir}`, store };
}

test('backup writes an archive, never overwrites it, and sha256sum -c accepts its SHA256SUMS', async () => {
  const { url, store } = await sourceCatalog();
  const out = tempDir();
  const archive = join(out, 'catalog.tar');
  const first = await floe(['backup', '--storage', url, '--output', archive, '--with-log', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const summary = JSON.parse(first.stdout.toString()) as { seq: number; counts: { tables: number }; sha256: string; bytes: number };
  assert.equal(summary.seq, store.headSeq);
  assert.equal(summary.counts.tables, 12);
  assert.equal(summary.bytes, statSync(archive).size);
  assert.deepEqual(readdirSync(out), ['catalog.tar'], 'no temporary file is left behind');

  const before = readFileSync(archive);
  const second = await floe(['backup', '--storage', url, '--output', archive]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /already exists; backup never overwrites/);
  assert.ok(readFileSync(archive).equals(before));

  const extracted = tempDir();
  assert.equal(spawnSync('tar', ['-xf', archive, '-C', extracted]).status, 0);
  const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: extracted, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /state\.json: OK/);

  const valid = await floe(['validate-backup', '--input', archive]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout.toString(), new RegExp(`^valid: backup of catalog ${store.identity.catalogId} at seq ${store.headSeq}`));

  const corrupt = Buffer.from(before);
  corrupt[1024 + 100] = corrupt[1024 + 100]! ^ 0x20;
  const bad = join(out, 'corrupt.tar');
  writeFileSync(bad, corrupt);
  const invalid = await floe(['validate-backup', '--input', bad, '--json']);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^floe: invalid backup .*corrupt\.tar: /);
  assert.equal((JSON.parse(invalid.stdout.toString()) as { valid: boolean }).valid, false);
  await store.close();
});

test('backup to stdout (-) pipes into validate-backup and restore; the restored catalog continues at S+1', async () => {
  const { url, store } = await sourceCatalog();
  const piped = await floe(['backup', '--storage', url, '--output', '-', '--compress']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, '', 'quiet when stderr is not a terminal');
  assert.deepEqual([...piped.stdout.subarray(0, 2)], [0x1f, 0x8b], 'gzip on stdout with --compress');

  const viaStdin = await floe(['validate-backup', '--input', '-'], { stdin: piped.stdout });
  assert.equal(viaStdin.code, 0, viaStdin.stderr);

  const archive = join(tempDir(), 'b.tgz');
  writeFileSync(archive, piped.stdout);
  const target = tempDir();
  const restored = await floe(['restore', '--input', archive, '--storage', `file://${target}`, '--json']);
  assert.equal(restored.code, 0, restored.stderr);
  const summary = JSON.parse(restored.stdout.toString()) as { seq: number; nextSeq: number; restoredFrom: { catalogId: string } };
  assert.equal(summary.seq, store.headSeq);
  assert.equal(summary.restoredFrom.catalogId, store.identity.catalogId);

  const again = await floe(['restore', '--input', archive, '--storage', `file://${target}`, '--force']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds a Floe catalog/);

  const reopened = await CatalogStore.open(new FileObjectStore(target), { create: false });
  assert.equal(stateBytes(reopened), stateBytes(store));
  await commitEffects(reopened, [{ op: 'ns.create', ns: ['after-restore'], properties: {} }]);
  assert.equal(reopened.headSeq, store.headSeq + 1);
  await reopened.close();

  const status = await floe(['status', '--storage', `file://${target}`, '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout.toString()) as { headSeq: number }).headSeq, store.headSeq + 1);
  await store.close();
});

test('backup --output - refuses a terminal and ends quietly when the reader closes the pipe', async () => {
  const { url, store } = await sourceCatalog();
  await store.close();
  // a terminal on stdout (script(1) gives the command a pseudo-terminal)
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FLOE_')) delete env[key];
  const command = `${process.execPath} --import tsx src/cli/run.ts backup --storage ${url} --output -`;
  const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: REPO, env, encoding: 'latin1' });
  assert.equal(tty.status, 2, tty.stdout);
  assert.match(tty.stdout, /writes a binary archive to stdout, which is a terminal here: redirect it/);
  assert.doesNotMatch(tty.stdout, /ustar/, 'no archive bytes on the terminal');
  // a reader that goes away before reading anything: no EPIPE message, the SIGPIPE status
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'backup', '--storage', url, '--output', '-'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 141);
});

test('restore refuses a non-empty root without --force', async () => {
  const { url, store } = await sourceCatalog();
  const archive = join(tempDir(), 'b.tar.gz');
  assert.equal((await floe(['backup', '--storage', url, '--output', archive])).code, 0);
  const target = tempDir();
  writeFileSync(join(target, 'someone-elses.txt'), 'keep me');
  const refused = await floe(['restore', '--input', archive, '--storage', `file://${target}`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is not empty \(found someone-elses.txt\); pass --force/);
  assert.ok(!existsSync(join(target, 'catalog.json')));
  const forced = await floe(['restore', '--input', archive, '--storage', `file://${target}`, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(readFileSync(join(target, 'someone-elses.txt'), 'utf8'), 'keep me');
  await store.close();
});

test('--at-seq before the retained checkpoint is refused clearly; usage errors exit 2', async () => {
  const { dir, url, store } = await sourceCatalog({ checkpointInterval: 3 });
  const objects = new FileObjectStore(dir);
  const kept = store.lastCheckpoint;
  assert.ok(kept >= 6);
  for (let seq = 1; seq <= kept; seq++) await objects.delete(logKey(seq));
  for (let seq = 1; seq < kept; seq++) await objects.delete(checkpointKey(seq));
  const out = tempDir();
  const old = await floe(['backup', '--storage', url, '--output', join(out, 'old.tar'), '--at-seq', '2']);
  assert.equal(old.code, 1);
  assert.match(old.stderr, new RegExp(`seq 2 is before the oldest retained point: the oldest retained checkpoint is seq ${kept}`));
  assert.deepEqual(readdirSync(out), [], 'nothing written');
  const ok = await floe(['backup', '--storage', url, '--output', join(out, 'ok.tar'), '--at-seq', String(kept), '--with-log']);
  assert.equal(ok.code, 0, ok.stderr);

  const noOutput = await floe(['backup', '--storage', url]);
  assert.equal(noOutput.code, 2);
  assert.match(noOutput.stderr, /no --output and no \[backup\] location/);
  const both = await floe(['backup', '--storage', url, '--output', join(out, 'x.tar'), '--at-seq', '1', '--at-time', '2020-01-01T00:00:00Z']);
  assert.equal(both.code, 2);
  await store.close();
});

test('[backup] location names the archive after the catalog and the time', async () => {
  const { url, store } = await sourceCatalog();
  const backups = join(tempDir(), 'nightly');
  const config = join(tempDir(), 'floe.toml');
  writeFileSync(config, `[storage]\nobject_store_url = "${url}"\n\n[backup]\nlocation = "file://${backups}"\n`);
  const run = await floe(['backup', '--config', config]);
  assert.equal(run.code, 0, run.stderr);
  const [name] = readdirSync(backups);
  assert.match(name!, new RegExp(`^floe-backup-${store.identity.catalogId.slice(0, 8)}-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
  const valid = await floe(['validate-backup', '--input', join(backups, name!)]);
  assert.equal(valid.code, 0, valid.stderr);
  await store.close();
});

test('validate-backup --check-locations --warehouse checks every metadata-location', async () => {
  const warehouse = tempDir('floe-wh-');
  const dir = tempDir();
  const store = await openCatalog(new FileObjectStore(dir));
  const loc = (name: string) => `file://${warehouse}/a/${name}/metadata/00000-x.metadata.json`;
  await commitEffects(store, [{ op: 'ns.create', ns: ['a'], properties: {} }]);
  await commitEffects(store, [
    { op: 'table.create', ns: ['a'], name: 't', to: loc('t') },
    { op: 'view.create', ns: ['a'], name: 'v', to: loc('v') },
  ]);
  const archive = join(tempDir(), 'b.tar');
  assert.equal((await floe(['backup', '--storage', `file://${dir}`, '--output', archive])).code, 0);
  const missing = await floe(['validate-backup', '--input', archive, '--check-locations', '--warehouse', `file://${warehouse}`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /metadata-location file:\/\/.*\/a\/t\/metadata\/00000-x\.metadata\.json does not exist/);
  for (const name of ['t', 'v']) {
    mkdirSync(join(warehouse, 'a', name, 'metadata'), { recursive: true });
    writeFileSync(join(warehouse, 'a', name, 'metadata', '00000-x.metadata.json'), '{}');
  }
  const present = await floe(['validate-backup', '--input', archive, '--check-locations', '--warehouse', `file://${warehouse}`]);
  assert.equal(present.code, 0, present.stderr);
  assert.match(present.stdout.toString(), /2 metadata-locations exist/);
  await store.close();
});
