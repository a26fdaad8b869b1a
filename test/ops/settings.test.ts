// The operational settings: log level and format, admin port and shutdown timeout, from the
// TOML file, the environment and flags, with the usual "key (source): value; allowed" errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings, SHUTDOWN_TIMEOUT_MS_DEFAULT } from '../../src/config/index.js';
import { defaultLogFormat } from '../../src/http/logging.js';

test('defaults: info, format decided by the terminal, no admin port, a shutdown timeout below Kubernetes grace', () => {
  const settings = loadSettings({ env: {} });
  assert.equal(settings.server.log_level, 'info');
  assert.equal(settings.server.log_format, undefined);
  assert.equal(settings.server.admin_port, undefined);
  assert.equal(settings.server.shutdown_timeout_ms, SHUTDOWN_TIMEOUT_MS_DEFAULT);
  assert.ok(SHUTDOWN_TIMEOUT_MS_DEFAULT < 30_000, "below Kubernetes' default terminationGracePeriodSeconds");
  assert.equal(defaultLogFormat({ isTTY: true }), 'pretty');
  assert.equal(defaultLogFormat({ isTTY: false }), 'json');
  assert.equal(defaultLogFormat({}), 'json');
});

test('environment and flags set them; FLOE_LOG_LEVEL is a setting now, not an unknown variable', () => {
  const warnings: string[] = [];
  const settings = loadSettings({
    env: { FLOE_LOG_LEVEL: 'debug', FLOE_LOG_FORMAT: 'json', FLOE_SHUTDOWN_TIMEOUT_MS: '5000' },
    flags: { admin_port: '9090' },
    warn: (line) => warnings.push(line),
  });
  assert.equal(settings.server.log_level, 'debug');
  assert.equal(settings.server.log_format, 'json');
  assert.equal(settings.server.shutdown_timeout_ms, 5000);
  assert.equal(settings.server.admin_port, 9090);
  assert.deepEqual(warnings, []);
  assert.equal(loadSettings({ env: { FLOE_LOG_LEVEL: 'warn' }, flags: { log_level: 'error' } }).server.log_level, 'error', 'a flag wins');
});

test('invalid values name the key, the source and what is allowed', () => {
  assert.throws(() => loadSettings({ env: { FLOE_LOG_LEVEL: 'loud' } }), /log_level \(environment FLOE_LOG_LEVEL\): "loud"; allowed: trace, debug, info, warn, error, fatal, silent/);
  assert.throws(() => loadSettings({ env: {}, flags: { log_format: 'xml' } }), /log_format \(flag --log-format\): "xml"; allowed: json or pretty/);
  assert.throws(() => loadSettings({ env: { FLOE_SHUTDOWN_TIMEOUT_MS: '20s' } }), /shutdown_timeout_ms \(environment FLOE_SHUTDOWN_TIMEOUT_MS\): "20s"; allowed: an integer/);
  assert.throws(() => loadSettings({ env: {}, flags: { admin_port: '70000' } }), /admin_port \(flag --admin-port\)/);
});
