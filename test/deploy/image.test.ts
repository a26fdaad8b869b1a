// The container image without a Docker engine: what the Dockerfile says is checked against
// the app (user, port, environment, probe, entrypoint, build context), and its runtime stage
// is re-enacted — the same `npm ci` in a temp copy holding only package.json,
// package-lock.json, bin/ and a freshly compiled dist/ — to show that the runtime
// dependencies alone start `floe serve` and answer GET /v1/config, and that every module the
// compiled code imports (including lazily loaded cloud SDKs) resolves there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/index.js';
import { planAuth } from '../../src/http/index.js';
import { COMMANDS, DEFAULT_PORT, PROBE_PATHS, assignments, parseDockerfile, stages, unknownEnvNames, type Stage } from './facts.js';

const dockerfile = stages(parseDockerfile(readFileSync('Dockerfile', 'utf8')));
const runtime = dockerfile.stages.at(-1)!;
const build = dockerfile.stages.find((s) => s.name === 'build');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean }> };

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string) => {
  const found = all(stage, keyword);
  assert.equal(found.length, 1, `exactly one ${keyword} in stage ${stage.name ?? stage.from}`);
  return found[0]!;
};
const runtimeEnv = (): Record<string, string> => Object.assign({}, ...all(runtime, 'ENV').map((i) => assignments(i.args)));

test('both stages are Node 22 LTS on Debian slim', () => {
  assert.ok(build, 'a stage named build');
  for (const stage of dockerfile.stages) assert.match(stage.from, /^node:22-bookworm-slim(@sha256:[0-9a-f]{64})?$/, stage.from);
  assert.equal(dockerfile.stages.length, 2);
});

test('the runtime stage installs runtime dependencies only and takes dist/ from the build stage', () => {
  const runs = all(runtime, 'RUN').map((i) => i.args);
  assert.ok(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r)), 'npm ci --omit=dev in the runtime stage');
  assert.ok(!runs.some((r) => /\b(tsc|npm run build|npm install)\b/.test(r)), 'no compiling or ad-hoc installs at runtime');
  const copies = all(runtime, 'COPY').map((i) => i.args);
  assert.ok(copies.includes('--from=build /src/dist ./dist'), copies.join('\n'));
  assert.ok(all(build!, 'RUN').some((i) => /tsc -p tsconfig\.json/.test(i.args)), 'the build stage compiles with the repo tsconfig');
});

test('user, port, host, probe and entrypoint match the app', () => {
  const user = one(runtime, 'USER').args;
  assert.match(user, /^[1-9]\d*:[1-9]\d*$/, 'a numeric non-root uid:gid (Kubernetes runAsNonRoot can only verify a number)');

  assert.equal(one(runtime, 'EXPOSE').args, String(DEFAULT_PORT));
  const env = runtimeEnv();
  assert.equal(env.FLOE_HOST, '0.0.0.0');
  assert.deepEqual(unknownEnvNames(Object.keys(env)), [], 'every ENV is one Floe (or Node) reads');
  const settings = loadSettings({ env });
  assert.equal(settings.server.host, '0.0.0.0');
  assert.equal(settings.server.port, DEFAULT_PORT);
  // every interface and no authentication chosen: the image refuses to start until one is
  assert.throws(() => planAuth(settings.auth, settings.server.host), /refusing to serve on 0\.0\.0\.0 without authentication/);
  assert.ok(planAuth(loadSettings({ env: { ...env, FLOE_AUTH_INSECURE_ALLOW_ANONYMOUS: 'true' } }).auth, '0.0.0.0').lines.length > 0);

  const healthcheck = one(runtime, 'HEALTHCHECK').args;
  const cmd = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
  assert.equal(cmd[0], 'node', 'the slim image has no curl: node runs the check');
  assert.ok(cmd.join(' ').includes(`'${PROBE_PATHS.health}'`), `the healthcheck fetches ${PROBE_PATHS.health}`);
  assert.ok(cmd.join(' ').includes(`process.env.FLOE_PORT || ${DEFAULT_PORT}`));

  const workdir = one(runtime, 'WORKDIR').args;
  const entrypoint = JSON.parse(one(runtime, 'ENTRYPOINT').args) as string[];
  assert.deepEqual(entrypoint, ['node', `${workdir}/bin/floe.js`]);
  assert.ok(all(runtime, 'COPY').some((i) => i.args === 'bin ./bin'), 'bin/ is copied to the entrypoint path');
  assert.ok(existsSync('bin/floe.js'));
  const command = JSON.parse(one(runtime, 'CMD').args) as string[];
  assert.ok(COMMANDS.includes(command[0]!), `CMD ${command[0]} is a floe command (${COMMANDS.join(', ')})`);
});

test('.dockerignore keeps installed trees, history and tests out, and what the build copies in', () => {
  const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const path of ['node_modules', 'dist', '.git', 'test']) assert.ok(ignored.includes(path), `${path} is ignored`);
  const copied = dockerfile.stages
    .flatMap((s) => all(s, 'COPY'))
    .filter((i) => !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  assert.ok(copied.length >= 5);
  for (const source of copied) {
    assert.ok(existsSync(source), `${source} exists`);
    assert.ok(!ignored.includes(source), `${source} is copied but ignored`);
  }
});

function bareImports(dir: string): Set<string> {
  const found = new Set<string>();
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      for (const s of bareImports(full)) found.add(s);
    } else if (full.endsWith('.js')) {
      const text = readFileSync(full, 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^'.][^']*)'/gm)) found.add(m[1]!);
    }
  }
  return new Set([...found].filter((s) => !s.startsWith('node:') && !builtinModules.includes(s)));
}

test('the runtime install alone serves: npm ci --omit=dev in a temp copy, then floe serve', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-image-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of ['package.json', 'package-lock.json']) cpSync(file, join(dir, file));
  cpSync('bin', join(dir, 'bin'), { recursive: true });
  // the runtime stage's own install command, offline-first (the npm cache is warm in CI),
  // beside the compile it does not depend on
  const install = all(runtime, 'RUN').map((i) => /npm ci [^&]*/.exec(i.args)?.[0]).find(Boolean);
  assert.ok(install);
  const npmArgs = [...install.trim().split(/\s+/).slice(1), '--prefer-offline'];
  const [tsc, npm] = await Promise.all([
    run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--outDir', join(dir, 'dist')], process.cwd()),
    run('npm', npmArgs, dir),
  ]);
  assert.equal(tsc.code, 0, tsc.output);
  assert.equal(npm.code, 0, npm.output);

  const installed = new Set(readdirSync(join(dir, 'node_modules')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, 'node_modules', n)).map((m) => `${n}/${m}`) : [n])));
  for (const name of Object.keys(pkg.dependencies)) assert.ok(installed.has(name), `runtime dependency ${name} installed`);
  // what only the tests and the build need (the lock marks it dev) stays out: the emulators,
  // the compiler, tsx
  const devOnly = Object.entries(lock.packages).filter(([path, p]) => p.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path));
  assert.ok(devOnly.some(([path]) => path === 'node_modules/azurite'));
  for (const [path] of devOnly) assert.ok(!installed.has(path.slice('node_modules/'.length)), `${path} (dev only) is not in the runtime install`);

  // every bare import of the compiled code, static or dynamic, resolves in the runtime tree
  const specifiers = [...bareImports(join(dir, 'dist'))].sort();
  assert.ok(specifiers.includes('fastify') && specifiers.length > 5, specifiers.join(', '));
  const probe = join(dir, 'dist', 'resolve-check.mjs');
  writeFileSync(probe, `const missing = [];\nfor (const s of ${JSON.stringify(specifiers)}) { try { import.meta.resolve(s); } catch (e) { missing.push(s + ': ' + e.code); } }\nconsole.log(JSON.stringify(missing));\n`);
  const resolved = spawnSync(process.execPath, [probe], { cwd: dir, encoding: 'utf8' });
  assert.equal(resolved.status, 0, resolved.stderr);
  assert.deepEqual(JSON.parse(resolved.stdout), [], 'imports the runtime install cannot resolve');

  // the container's start, outside a container: the image's ENV and CMD, on a free port
  const command = JSON.parse(one(runtime, 'CMD').args) as string[];
  const child = spawn(process.execPath, ['bin/floe.js', ...command, '--port', '0'], {
    cwd: dir,
    // what `docker run -e FLOE_AUTH_INSECURE_ALLOW_ANONYMOUS=true` adds (the image alone refuses)
    env: { PATH: process.env.PATH, HOME: dir, ...runtimeEnv(), FLOE_AUTH_INSECURE_ALLOW_ANONYMOUS: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/[^\s:]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code) => reject(new Error(`floe serve exited with ${code} before listening:\n${output}`)));
  });
  const response = await fetch(`http://127.0.0.1:${port}/v1/config`);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { defaults: unknown; overrides: unknown; endpoints: string[] };
  assert.ok(Array.isArray(body.endpoints) && body.endpoints.length > 10, JSON.stringify(body));
  assert.match(response.headers.get('server') ?? '', /^floe\/\d+\.\d+\.\d+/);
});

test('the publishing workflow builds this Dockerfile for amd64 and arm64 and pushes to GHCR', async () => {
  const { parse } = await import('yaml');
  const workflow = parse(readFileSync('.github/workflows/image.yml', 'utf8')) as {
    jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
  assert.ok(build?.with, 'a docker/build-push-action step');
  assert.equal(build.with.context, '.');
  assert.ok(existsSync(join(String(build.with.context), 'Dockerfile')));
  assert.deepEqual(String(build.with.platforms).split(','), ['linux/amd64', 'linux/arm64']);
  const meta = steps.find((s) => s.uses?.startsWith('docker/metadata-action@'));
  assert.match(String(meta?.with?.images), /^ghcr\.io\//);
  assert.ok(steps.some((s) => s.uses?.startsWith('docker/setup-qemu-action@')), 'QEMU for the arm64 build');
});
