// The failure limiter of the token endpoint: blocks a key after its failures until the window
// ends, and stays bounded whatever the number of keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLimiter } from '../../../src/http/index.js';

test('blocks after max failures until the window ends; a success forgets the key', () => {
  let now = 0;
  const limiter = new FailureLimiter(60_000, 100, () => now);
  for (let i = 0; i < 3; i++) limiter.fail('k');
  assert.equal(limiter.blocked('k', 4), undefined);
  limiter.fail('k');
  assert.equal(limiter.blocked('k', 4), 60);
  now = 30_500;
  assert.equal(limiter.blocked('k', 4), 30);
  now = 60_000;
  assert.equal(limiter.blocked('k', 4), undefined, 'a new window');
  limiter.fail('j');
  limiter.forget('j');
  assert.equal(limiter.blocked('j', 1), undefined);
});

test('bounded: the oldest keys are forgotten past the entry limit', () => {
  const limiter = new FailureLimiter(60_000, 100, () => 0);
  for (let i = 0; i < 10_000; i++) limiter.fail(`client-${i}`);
  assert.equal(limiter.size, 100);
  assert.equal(limiter.blocked('client-9999', 1), 60);
  assert.equal(limiter.blocked('client-0', 1), undefined);
});
