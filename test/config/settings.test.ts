// Configuration messages as a user meets them: every problem names the key, where it came from
// and what to do, in one line, never a schema library's own text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../../src/config/index.js';
import { isoDurationMs } from '../../src/util/index.js';

const toml = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'floe-config-')), 'floe.toml');
  writeFileSync(file, text);
  return file;
};

const problem = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
};

test('ISO-8601 durations of fixed length are accepted, in milliseconds', () => {
  assert.equal(isoDurationMs('PT30M'), 1_800_000);
  assert.equal(isoDurationMs('P1D'), 86_400_000);
  assert.equal(isoDurationMs('P1DT2H'), 93_600_000);
  assert.equal(isoDurationMs('PT1H30M'), 5_400_000);
  assert.equal(isoDurationMs('PT0.5S'), 500);
  assert.equal(isoDurationMs('PT1,5S'), 1500);
  assert.equal(isoDurationMs('P2W'), 14 * 86_400_000);
  for (const bad of ['P', 'PT', 'P1Y', 'P1M', 'PT1.5M', '30M', 'PT-1S', 'P1DT']) assert.equal(isoDurationMs(bad), undefined, bad);
  const settings = loadSettings({ env: { FLOE_IDEMPOTENCY_KEY_LIFETIME: 'P1DT12H' } });
  assert.equal(settings.catalog.idempotency_key_lifetime, 'P1DT12H');
  assert.match(problem(() => loadSettings({ env: { FLOE_IDEMPOTENCY_KEY_LIFETIME: 'P1M' } })), /idempotency_key_lifetime \(environment FLOE_IDEMPOTENCY_KEY_LIFETIME\): "P1M" is not a positive ISO-8601 duration/);
});

test('TOML problems name the line and column, the unknown section or key, and a likely fix', () => {
  let file = toml('[storage]\nobject_store_url = "file:///x\n');
  assert.match(problem(() => loadSettings({ configFile: file, env: {} })), /is not valid TOML at line 2, column \d+: /);
  file = toml('object_store_url = "file:///x"\n');
  assert.match(problem(() => loadSettings({ configFile: file, env: {} })), /object_store_url is outside any section; put it under \[storage\]/);
  file = toml('[storag]\nobject_store_url = "file:///x"\n');
  assert.match(problem(() => loadSettings({ configFile: file, env: {} })), /unknown section \[storag\]; did you mean \[storage\]\?/);
  file = toml('[storage]\nobject_store_ur = "file:///x"\n');
  assert.match(problem(() => loadSettings({ configFile: file, env: {} })), /unknown key object_store_ur in \[storage\]; did you mean object_store_url\?/);
  file = toml('[server]\nobject_store_url = "file:///x"\n');
  assert.match(problem(() => loadSettings({ configFile: file, env: {} })), /unknown key object_store_url in \[server\]; it belongs under \[storage\]/);
});

test('schema problems show the value and what is allowed, not the schema library text', () => {
  const message = problem(() => loadSettings({ env: { FLOE_AWS_ENDPOINT: 'minio 9000' } }));
  assert.equal(message, 'invalid value for aws_endpoint (environment FLOE_AWS_ENDPOINT): "minio 9000"; allowed: an http(s) URL, e.g. http://minio.local:9000');
});

test('unknown FLOE_ variables are warned about with a guess; two names of one setting must agree', () => {
  const warnings: string[] = [];
  loadSettings({ env: { FLOE_STORGE: 'file:///x', FLOE_WAREHOUSE_URL: 'file:///y', FLOE_TEST_S3_BUCKET: 'b', FLOE_LOG_LEVEL: 'info' }, warn: (line) => warnings.push(line) });
  assert.deepEqual(warnings, [
    'floe: warning: environment variable FLOE_STORGE is not a Floe setting and is ignored; did you mean FLOE_STORAGE?',
    'floe: warning: environment variable FLOE_WAREHOUSE_URL is not a Floe setting and is ignored; did you mean FLOE_WAREHOUSE?',
  ]);
  assert.match(
    problem(() => loadSettings({ env: { FLOE_STORAGE: 'file:///a', FLOE_OBJECT_STORE_URL: 'file:///b' } })),
    /FLOE_OBJECT_STORE_URL and FLOE_STORAGE are both set, to different values: they name the same setting \(object_store_url\)/,
  );
  const same = loadSettings({ env: { FLOE_STORAGE: 'file:///a', FLOE_OBJECT_STORE_URL: 'file:///a' } });
  assert.equal(same.storage.object_store_url, 'file:///a');
  // a flag still beats the environment
  assert.equal(loadSettings({ env: { FLOE_STORAGE: 'file:///a' }, flags: { object_store_url: 'file:///c' } }).storage.object_store_url, 'file:///c');
});

test('commands on an existing catalog need the storage named: no silent memory:// default', () => {
  assert.match(problem(() => loadSettings({ env: {}, requireStorage: true })), /^no storage given: name the catalog root with --storage URL or FLOE_STORAGE/);
  assert.equal(loadSettings({ env: {} }).storage.object_store_url, 'memory://');
});
