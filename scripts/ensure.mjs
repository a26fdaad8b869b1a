// Makes a fresh clone runnable: installs dependencies when node_modules is missing or older
// than the lockfile, and compiles when dist/ is missing or older than any source file.
// `npm start` and `npm test` call it first, so those two commands are all a clone needs.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

if (process.argv.includes('--for-tests')) {
  const { missingShared } = await import('./shared-check.mjs');
  const missing = missingShared(root);
  if (missing) {
    console.error(missing);
    process.exit(1);
  }
}

const installedMarker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installedMarker) || mtime(installedMarker) < mtime(join(root, 'package-lock.json'))) {
  console.error('floe: installing dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
const built = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(built) || mtime(built) < Math.max(newest(join(root, 'src')), mtime(join(root, 'tsconfig.json')))) {
  console.error('floe: compiling (tsc)...');
  execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
