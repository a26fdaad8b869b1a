// The floe command line as a user runs it: a real child process per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENTRY = ['--import', 'tsx', 'src/cli/run.ts'];

function floe(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...ENTRY, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'floe-cli-'));

test('--version and --help on every command', () => {
  const version = floe(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  for (const command of ['serve', 'status', 'backup', 'restore', 'validate-backup']) {
    const help = floe([command, '--help']);
    assert.equal(help.code, 0, `${command}: ${help.stderr}`);
    assert.match(help.stdout, /Usage: floe/);
  }
});

test('an invalid value names the key, the source and what is allowed, and exits 2', () => {
  let run = floe(['serve', '--port', '99999']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /port \(flag --port\).*allowed: an integer from 0 to 65535/);
  run = floe(['serve'], { FLOE_PORT: 'abc' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /port \(environment FLOE_PORT\)/);
  const dir = tempDir();
  writeFileSync(join(dir, 'floe.toml'), '[storage]\nobject_store_url = "file:///x"\ns3_max_concurrent_requests = 0\n');
  run = floe(['serve', '--config', join(dir, 'floe.toml')]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /s3_max_concurrent_requests \(config file .*floe\.toml\)/);
  run = floe(['serve', '--storage', 'file://relative/path']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /absolute path/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

test('status turns the usual problems into one actionable line', () => {
  const dir = tempDir();
  let run = floe(['status', '--storage', `file://${join(dir, 'missing')}`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /does not exist/);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'empty', 'something.txt'), 'x');
  run = floe(['status', '--storage', `file://${join(dir, 'empty')}`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /not a Floe catalog root/);
  writeFileSync(join(dir, 'plainfile'), 'x');
  run = floe(['status', '--storage', `file://${join(dir, 'plainfile')}`]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /not a directory/);
});

async function startServe(root: string, warehouse: string) {
  const child = spawn(process.execPath, [...ENTRY, 'serve', '--storage', `file://${root}`, '--warehouse', `file://${warehouse}`, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    // the banner is on stderr: stdout is the JSON log stream
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { child, url };
}

const stop = (child: ReturnType<typeof spawn>) => new Promise((r) => (child.kill('SIGTERM'), child.once('exit', r)));

test('two serve processes on one file:// root see each other on the very next request', async () => {
  const root = tempDir();
  const warehouse = tempDir();
  const a = await startServe(root, warehouse);
  const b = await startServe(root, warehouse);
  try {
    const post = (url: string, path: string, body: unknown) =>
      fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post(a.url, '/v1/namespaces', { namespace: ['shared'] })).status, 200);
    assert.equal((await fetch(`${b.url}/v1/namespaces/shared`)).status, 200, 'b sees a at once');
    const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };
    assert.equal((await post(b.url, '/v1/namespaces/shared/tables', { name: 't', schema })).status, 200);
    for (let i = 0; i < 10; i++) {
      const via = i % 2 === 0 ? a.url : b.url;
      const other = i % 2 === 0 ? b.url : a.url;
      const res = await post(via, '/v1/namespaces/shared/tables/t', { requirements: [], updates: [{ action: 'set-properties', updates: { n: String(i) } }] });
      assert.equal(res.status, 200);
      const location = ((await res.json()) as { 'metadata-location': string })['metadata-location'];
      const seen = (await (await fetch(`${other}/v1/namespaces/shared/tables/t`)).json()) as { 'metadata-location': string };
      assert.equal(seen['metadata-location'], location, `commit ${i} visible on the other replica`);
    }
    // concurrent commits through both replicas all land
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(i % 2 ? a.url : b.url, '/v1/namespaces/shared/tables/t', { requirements: [], updates: [{ action: 'set-properties', updates: { [`c${i}`]: '1' } }] })),
    );
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));
    const final = (await (await fetch(`${a.url}/v1/namespaces/shared/tables/t`)).json()) as { metadata: { properties: Record<string, string> } };
    for (let i = 0; i < 20; i++) assert.equal(final.metadata.properties[`c${i}`], '1');
  } finally {
    await stop(a.child);
    await stop(b.child);
  }
  const status = floe(['status', '--storage', `file://${root}`]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /head sequence:\s+\d+/);
  assert.match(status.stdout, /log chain:\s+verified/);
  assert.match(status.stdout, /1 namespaces, 1 tables/);
});

/** Starts serve with `args`, returns its banner (stderr) once it listens (or its exit code and stderr). */
/** `bannerEnd`: the last banner line to wait for (the banner's lines may arrive in several chunks). */
function serveUntilListening(args: string[], env: Record<string, string> = {}, bannerEnd = /warehouse: .*\n/) {
  const child = spawn(process.execPath, [...ENTRY, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const started = new Promise<{ listening: true; banner: string } | { listening: false; code: number | null; stderr: string }>((resolve) => {
    child.stderr.on('data', () => {
      if (bannerEnd.test(err) && /serving at/.test(err)) setImmediate(() => resolve({ listening: true, banner: err }));
    });
    child.once('exit', (code) => resolve({ listening: false, code, stderr: err }));
  });
  return { child, started, stderr: () => err };
}

test('serve creates a new catalog only in an empty or missing root, and says which it did', async () => {
  const dir = tempDir();
  // a non-empty directory that is not a catalog: refused, nothing written
  mkdirSync(join(dir, 'foreign'));
  writeFileSync(join(dir, 'foreign', 'notes.txt'), 'x');
  let run = floe(['serve', '--storage', `file://${join(dir, 'foreign')}`, '--port', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /is not empty and is not a Floe catalog \(found notes\.txt\).*--init/);
  assert.equal(existsSync(join(dir, 'foreign', 'catalog.json')), false);
  // a regular file: the cause is named
  writeFileSync(join(dir, 'plain'), 'x');
  run = floe(['serve', '--storage', `file://${join(dir, 'plain')}`, '--port', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /is a file, not a directory/);
  // a missing root: created, and the banner says so
  const first = serveUntilListening(['--storage', `file://${join(dir, 'cat')}`]);
  const created = await first.started;
  assert.ok(created.listening, JSON.stringify(created));
  const id = /created a new catalog (\S+)/.exec(created.banner)?.[1];
  assert.ok(id, created.banner);
  await stop(first.child);
  // the same root again: opened, with its creation time
  const second = serveUntilListening(['--storage', `file://${join(dir, 'cat')}`]);
  const opened = await second.started;
  assert.ok(opened.listening, JSON.stringify(opened));
  assert.match(opened.banner, new RegExp(`opened catalog ${id} \\(created \\d{4}-`));
  assert.doesNotMatch(opened.banner, /created a new catalog/);
  await stop(second.child);
  // inside that catalog's (default) warehouse: refused
  run = floe(['serve', '--storage', `file://${join(dir, 'cat', 'warehouse', 'x')}`, '--port', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /is inside the Floe catalog root file:\/\/.*\/cat\b/);
  assert.equal(existsSync(join(dir, 'cat', 'warehouse', 'x', 'catalog.json')), false);
  // --init: created beside the foreign objects, which stay
  const init = serveUntilListening(['--storage', `file://${join(dir, 'foreign')}`, '--init']);
  const initStarted = await init.started;
  assert.ok(initStarted.listening, JSON.stringify(initStarted));
  assert.match(initStarted.banner, /created a new catalog/);
  await stop(init.child);
  assert.equal(readFileSync(join(dir, 'foreign', 'notes.txt'), 'utf8'), 'x');
});

test('a warehouse given as a plain or relative path is refused at start with the file:/// form', () => {
  let run = floe(['serve', '--warehouse', '/var/tmp/wh', '--port', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /warehouse \(flag --warehouse\).*is a path, not a URL: use file:\/\/\/var\/tmp\/wh/);
  run = floe(['serve', '--port', '0'], { FLOE_WAREHOUSE: 'wh' });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /warehouse \(environment FLOE_WAREHOUSE\).*relative path, not a URL: use file:\/\/\/.*\/wh/);
  run = floe(['serve', '--warehouse', 'file://wh', '--port', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /warehouse .*absolute path \(three slashes\)/);
});

test('memory:// warns that it keeps nothing, and removes its temp warehouse on exit', async () => {
  const server = serveUntilListening(['--storage', 'memory://'], {}, /everything is lost when it exits\n/);
  const started = await server.started;
  assert.ok(started.listening, JSON.stringify(started));
  assert.match(started.banner, /memory:\/\/ keeps the catalog in this process only: everything is lost when it exits/);
  const warehouse = /warehouse: file:\/\/(\S+)/.exec(started.banner)?.[1];
  assert.ok(warehouse && existsSync(warehouse), started.banner);
  await stop(server.child);
  assert.equal(existsSync(warehouse), false, 'the temp warehouse is removed');
  // a warehouse that was given is never removed
  const given = tempDir();
  const other = serveUntilListening(['--storage', 'memory://', '--warehouse', `file://${given}`]);
  assert.ok((await other.started).listening);
  await stop(other.child);
  assert.equal(existsSync(given), true);
});

test('cloud problems get the same actionable hint from serve, status and backup', () => {
  // no credentials anywhere in the SDK chain (no env, no ~/.aws, no instance metadata)
  const env: Record<string, string> = {
    HOME: tempDir(), AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_SESSION_TOKEN: '',
    FLOE_AWS_ENDPOINT: 'http://127.0.0.1:9', FLOE_AWS_ALLOW_HTTP: 'true', FLOE_AWS_REGION: 'us-east-1',
  };
  for (const args of [['serve', '--port', '0'], ['status'], ['backup', '--output', join(tempDir(), 'b.tar')]]) {
    const run = floe([...args, '--storage', 's3://bucket/catalog'], env);
    assert.equal(run.code, 1, `${args[0]}: ${run.stderr}`);
    assert.match(run.stderr, /no credentials found .*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/, args[0]);
    assert.doesNotMatch(run.stderr, /cannot reach/, args[0]);
  }
  // credentials, but nothing listens at the endpoint: the network hint, also from status and backup
  const unreachable = { ...env, AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };
  for (const args of [['status'], ['backup', '--output', join(tempDir(), 'b.tar')]]) {
    const run = floe([...args, '--storage', 's3://bucket/catalog'], unreachable);
    assert.equal(run.code, 1, `${args[0]}: ${run.stderr}`);
    assert.match(run.stderr, /cannot reach the object store .*check the endpoint and the network/, args[0]);
  }
});

test('status names what is missing or corrupt: no storage, catalog.json, a log entry and its seq', async () => {
  let run = floe(['status'], { FLOE_STORAGE: '', FLOE_OBJECT_STORE_URL: '', FLOE_CONFIG: '' });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /no storage given: name the catalog root with --storage URL or FLOE_STORAGE/);
  assert.doesNotMatch(run.stderr, /memory:\/\//);

  const dir = tempDir();
  const server = serveUntilListening(['--storage', `file://${dir}`]);
  const started = await server.started;
  assert.ok(started.listening, JSON.stringify(started));
  const url = /serving at (\S+)/.exec(started.banner)![1]!;
  const res = await fetch(`${url}/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ namespace: ['a'] }) });
  assert.equal(res.status, 200);
  await stop(server.child);
  const entry = join(dir, 'log', `${'1'.padStart(20, '0')}.json`);
  const entryBytes = readFileSync(entry);
  writeFileSync(entry, '{"v":1,');
  run = floe(['status', '--storage', `file://${dir}`]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /log entry seq 1 \(file:\/\/.*\/log\/0+1\.json\) is not valid JSON/);
  writeFileSync(entry, entryBytes);
  writeFileSync(join(dir, 'catalog.json'), '{"format":');
  run = floe(['status', '--storage', `file://${dir}`]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`file://${dir}/catalog\\.json is not valid JSON`));
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
});

test('bin/floe.js in a clone that was never built says to build, not a module error', () => {
  // the real entry script in a copy of the layout without dist/
  const dir = tempDir();
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'floe.js'), readFileSync('bin/floe.js'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const run = spawnSync(process.execPath, [join(dir, 'bin', 'floe.js'), 'status'], { encoding: 'utf8' });
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stderr, 'floe: the CLI is not built yet: run `npm run build` first (or `npm start`, which installs and builds what it needs)\n');
});
