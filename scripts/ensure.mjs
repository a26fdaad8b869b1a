// Makes a fresh clone runnable: installs dependencies when node_modules is missing or older
// than the lockfile, and compiles when dist/ is missing or older than any source file.
// `npm start` calls it with `serve`, `npm test` and `npm run bench` without, so those
// commands are all a clone needs.
//
//   node scripts/ensure.mjs         everything package.json lists (tests need the emulators)
//   node scripts/ensure.mjs serve   runtime dependencies only, plus what compiling needs
//
// Serving needs no test emulators (azurite, s3rver, iceberg-js...), so `serve` installs with
// `npm ci --omit=dev` and puts the compiler and the type packages the build needs (pinned
// to the lockfile's versions) in node_modules/.floe-build, compiling through a tsconfig there
// that extends the repository's. npm has no way to install a chosen part of devDependencies
// into the project tree itself: `npm install <pkg>` reifies all of them.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const mode = process.argv[2] === 'serve' ? 'serve' : 'all';
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const run = (command, cwd = root) => execSync(command, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });

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

const pkg = readJson(join(root, 'package.json'));
const lockFile = join(root, 'package-lock.json');
const installedMarker = join(root, 'node_modules', '.package-lock.json');
const fresh = existsSync(installedMarker) && mtime(installedMarker) >= mtime(lockFile);
const hasPackage = (name) => existsSync(join(root, 'node_modules', name, 'package.json'));
const devInstalled = Object.keys(pkg.devDependencies ?? {}).every(hasPackage);

if (mode === 'all' && !(fresh && devInstalled)) {
  console.error('floe: installing dependencies (npm ci)...');
  run('npm ci --no-audit --no-fund');
} else if (mode === 'serve' && !fresh) {
  console.error('floe: installing runtime dependencies (npm ci --omit=dev)...');
  run('npm ci --omit=dev --no-audit --no-fund');
}

const built = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(built) || mtime(built) < Math.max(newest(join(root, 'src')), mtime(join(root, 'tsconfig.json')))) {
  console.error('floe: compiling (tsc)...');
  if (hasPackage('typescript')) {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  } else {
    compileWithBuildTools();
  }
}

/** Only for a runtime install: tsc and the @types packages, at the lockfile's versions, beside it. */
function compileWithBuildTools() {
  const lock = readJson(lockFile);
  const names = ['typescript', ...Object.keys(pkg.devDependencies ?? {}).filter((n) => n.startsWith('@types/'))];
  const dependencies = Object.fromEntries(names.map((n) => [n, lock.packages[`node_modules/${n}`].version]));
  const dir = join(root, 'node_modules', '.floe-build');
  const manifest = join(dir, 'package.json');
  const wanted = JSON.stringify({ private: true, description: 'build tools for a runtime-only install (scripts/ensure.mjs)', dependencies }, null, 2);
  if (!existsSync(manifest) || readFileSync(manifest, 'utf8') !== wanted || !existsSync(join(dir, 'node_modules', 'typescript'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(manifest, wanted);
    console.error(`floe: installing the compiler (${names.map((n) => `${n}@${dependencies[n]}`).join(', ')})...`);
    run('npm install --no-audit --no-fund', dir);
  }
  // the repository's tsconfig, with its type packages found in the build tools' tree
  const moduleTypes = names.filter((n) => n.startsWith('@types/') && n !== '@types/node');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: {
        typeRoots: ['./node_modules/@types'],
        paths: Object.fromEntries(moduleTypes.map((n) => [n.slice('@types/'.length), [`./node_modules/${n}`]])),
      },
    }, null, 2),
  );
  execFileSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
}
