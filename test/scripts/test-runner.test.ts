// scripts/test.mjs and scripts/ensure.mjs as a contributor meets them: a clone without the
// shared folder is told what is missing in one line, and a run ends with what was skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The environment of a top-level run: not a child of this test runner. */
function topLevelEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

test('a clone without ../shared: npm test (ensure and the runner) says what is missing in one line', () => {
  // a copy of the scripts in a clone whose parent has no shared folder
  const clone = join(mkdtempSync(join(tmpdir(), 'floe-clone-')), 'floe');
  mkdirSync(join(clone, 'scripts'), { recursive: true });
  for (const script of ['ensure.mjs', 'test.mjs', 'shared-check.mjs', 'skip-reporter.mjs']) copyFileSync(join(REPO, 'scripts', script), join(clone, 'scripts', script));
  for (const args of [['scripts/ensure.mjs', '--for-tests'], ['scripts/test.mjs']]) {
    const run = spawnSync(process.execPath, args, { cwd: clone, env: topLevelEnv(), encoding: 'utf8' });
    assert.equal(run.status, 1, `${args[0]}: ${run.stderr}`);
    assert.equal(run.stderr, `floe: the tests need the Iceberg REST spec at ${join(clone, '..', 'shared', 'iceberg', 'rest-catalog-open-api.yaml')} (../shared/iceberg/rest-catalog-open-api.yaml beside this clone, from the shared folder), and it is missing\n`);
    assert.equal(run.stdout, '');
  }
});

test('a run ends with the skipped tests and the command that enables them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-skips-'));
  const file = join(dir, 'skips.test.ts');
  writeFileSync(
    file,
    "import { test } from 'node:test';\n" +
      "test('runs', () => {});\n" +
      "test('needs radosgw', { skip: 'FLOE_TEST_S3_ENDPOINT not set; run: eval \"$(bash scripts/ci-services.sh)\"' }, () => {});\n" +
      "test('later', () => {});\n",
  );
  const run = spawnSync(process.execPath, ['scripts/test.mjs', file], { cwd: REPO, env: topLevelEnv(), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const tail = run.stdout.trimEnd().split('\n').slice(-3);
  assert.deepEqual(tail, [
    'skipped: 1 test(s) did not run',
    `  ${file}: needs radosgw (FLOE_TEST_S3_ENDPOINT not set; run: eval "$(bash scripts/ci-services.sh)")`,
    'to run them: eval "$(bash scripts/ci-services.sh)" && npm test',
  ]);
});
