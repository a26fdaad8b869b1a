// The server reports its version: `floe -v` / `--version` (and the older `-V`) print the
// package's version, and every HTTP answer — success, 404 and 400 alike — carries
// `Server: floe/<version>`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startServer } from '../http/harness.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

test('floe -v, --version and -V print the package version and exit 0', () => {
  for (const flag of ['-v', '--version', '-V']) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', flag], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `${flag}: ${run.stderr}`);
    assert.equal(run.stdout, `${VERSION}\n`, flag);
  }
});

test('every answer carries Server: floe/<version>', async () => {
  const server = await startServer();
  try {
    const ok = await server.request('GET', '/v1/config');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('server'), `floe/${VERSION}`);
    const missing = await server.request('GET', '/v1/namespaces/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('server'), `floe/${VERSION}`);
    const bad = await fetch(`${server.url}/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('server'), `floe/${VERSION}`);
  } finally {
    await server.close();
  }
});
