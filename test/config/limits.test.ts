// The limits file is the one place bounds live: each is a positive number with its reason
// beside it, and the relations the code relies on hold (they are also checked at load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as limits from '../../src/config/limits.js';

const SOURCE = readFileSync('src/config/limits.ts', 'utf8');

test('every limit is a positive finite number', () => {
  for (const [name, value] of Object.entries(limits)) {
    assert.ok(typeof value === 'number' && Number.isFinite(value) && value > 0, `${name} = ${String(value)}`);
  }
});

test('every limit says why, in a comment right above it or heading its group', () => {
  const lines = SOURCE.split('\n');
  const silent = lines.flatMap((line, i) => {
    const name = /^export const (\w+)/.exec(line)?.[1];
    if (!name) return [];
    const above = lines[i - 1] ?? '';
    return /\*\/\s*$|^\s*\/\/|^\s*\*/.test(above) ? [] : [name];
  });
  assert.deepEqual(silent, []);
});

test('a file:// compare-and-swap waits longer than a crashed holder\'s lock takes to turn stale', () => {
  assert.ok(limits.FILE_LOCK_WAIT_MS_MAX > limits.FILE_LOCK_STALE_MS);
});

test('the relations between limits hold', () => {
  assert.ok(limits.HEAD_FRESHNESS_MS_DEFAULT * 2 <= limits.GC_MIN_AGE_MS_DEFAULT, 'head freshness <= min_age / 2');
  assert.ok(limits.COMMIT_BATCH_TXNS_MAX <= limits.COMMIT_QUEUE_MAX, 'a batch fits the queue');
  assert.ok(limits.CATCH_UP_ENTRIES_BEFORE_HINT_MAX <= limits.CATCH_UP_ROUND_ENTRIES_MAX, 'hint check within the first round');
  assert.ok(limits.CONNECTION_IDLE_TIMEOUT_MS >= limits.COMMIT_DEADLINE_MS * 2, 'an idle socket outlives a commit');
  assert.ok(limits.OBJECTSTORE_REQUESTS_WAITING_MAX >= limits.HTTP_CONNECTIONS_MAX * 4, 'each connection can queue requests');
  assert.ok(limits.COMMIT_RETRY_BACKOFF_MS_MAX * 4 <= limits.COMMIT_DEADLINE_MS, 'several retries fit a deadline');
});

test('every relation in the file is checked when it loads (throws, not warns)', () => {
  const checks = SOURCE.split('\n').filter((line) => /^if \(/.test(line));
  assert.ok(checks.length >= 10, `${checks.length} load-time checks`);
  for (const check of checks) assert.match(check, /throw new Error\('limits: /);
});
