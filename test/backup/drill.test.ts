// The restore drill of docs/backup-and-restore.md, run exactly as written (docs/restore-drill.sh,
// which the doc reproduces verbatim) against a real backup of a catalog with tables whose
// metadata files are in a file:// warehouse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMPLE_SCHEMA, startServer } from '../http/harness.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(REPO, 'docs', 'restore-drill.sh');
const tempDir = () => mkdtempSync(join(tmpdir(), 'floe-drill-test-'));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

test('the doc reproduces docs/restore-drill.sh verbatim', () => {
  const doc = readFileSync(join(REPO, 'docs', 'backup-and-restore.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Restore drill'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  assert.equal(block, readFileSync(SCRIPT, 'utf8'));
});

test('the restore drill script runs as written and loads every table of the backup', async () => {
  const warehouseDir = tempDir();
  const warehouse = `file://${warehouseDir}`;
  const root = `file://${tempDir()}`;
  const source = await startServer({ storage: root, warehouse });
  try {
    for (const ns of ['sales', 'ops']) {
      assert.equal((await source.request('POST', '/v1/namespaces', { namespace: [ns] })).status, 200);
      for (const name of ['orders', 'events']) {
        assert.equal((await source.request('POST', `/v1/namespaces/${ns}/tables`, { name, schema: SIMPLE_SCHEMA })).status, 200);
      }
    }
  } finally {
    await source.close();
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FLOE_')) delete env[key];
  const backups = tempDir();
  const backup = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'backup', '--storage', root], {
    cwd: REPO, encoding: 'utf8', env: { ...env, FLOE_BACKUP_LOCATION: backups },
  });
  assert.equal(backup.status, 0, backup.stderr);

  const floe = `${process.execPath} --import tsx ${join(REPO, 'src', 'cli', 'run.ts')}`;
  const port = await freePort();
  const drill = spawn('bash', [SCRIPT], {
    cwd: REPO,
    env: { ...env, BACKUPS: backups, WAREHOUSE: warehouse, PORT: String(port), FLOE: floe },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  drill.stdout.on('data', (c: Buffer) => (out += c.toString()));
  drill.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => drill.once('exit', resolve));
  assert.equal(code, 0, `drill failed:\n${out}\n${err}`);
  assert.match(out, /valid: backup of catalog/);
  assert.match(out, /head sequence:/);
  assert.match(out, /restored from:\s+catalog \S+ at seq \d+ .*deletes no table files it did not write/);
  for (const ns of ['sales', 'ops']) for (const name of ['orders', 'events']) assert.match(out, new RegExp(`drill: loaded ${ns}\\.${name}\\n`));
  assert.match(out, /drill: ok\n$/);
});
