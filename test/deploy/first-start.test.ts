// `npm start` on a fresh clone (scripts/ensure.mjs serve) installs the runtime dependencies
// and a compiler, never the test emulators, and still compiles and serves; `npm test`'s
// ensure (no argument) on that tree sees the missing devDependencies and installs everything.
// Run on a temp copy of what a clone holds, with real npm (offline-first: the cache is warm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const devOnly = Object.entries(lock.packages)
  .filter(([path, p]) => p.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
  .map(([path]) => path.slice('node_modules/'.length));

test('npm start installs no dev-only package, compiles and runs; npm test then installs everything', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-first-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/ensure.mjs', 'src', 'bin']) {
    cpSync(path, join(dir, path), { recursive: true });
  }
  const env = { ...process.env, npm_config_prefer_offline: 'true' };
  const start = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start as string;
  const ensureServe = /^node scripts\/ensure\.mjs( \w+)?/.exec(start)![0].split(' ').slice(1);

  const first = spawnSync(process.execPath, ensureServe, { cwd: dir, env, encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);
  assert.ok(devOnly.includes('azurite') && devOnly.includes('typescript'));
  const present = devOnly.filter((name) => existsSync(join(dir, 'node_modules', name, 'package.json')));
  assert.deepEqual(present, [], 'dev-only packages installed by npm start');
  const version = spawnSync(process.execPath, ['bin/floe.js', '--version'], { cwd: dir, encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);

  const again = spawnSync(process.execPath, ensureServe, { cwd: dir, env, encoding: 'utf8' });
  assert.equal(again.status, 0);
  assert.equal(again.stderr, '', 'a second npm start installs and compiles nothing');

  // npm test's ensure must not take this tree for a complete one: it starts `npm ci`, which we
  // stop once announced (the full install itself is what every CI run does anyway)
  const full = spawn(process.execPath, ['scripts/ensure.mjs'], { cwd: dir, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const announced = await new Promise<boolean>((resolve) => {
    full.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('installing dependencies (npm ci)')) resolve(true);
    });
    full.once('exit', () => resolve(false));
  });
  try {
    process.kill(-full.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  assert.ok(announced, `ensure for npm test did not reinstall: ${stderr}`);
});
