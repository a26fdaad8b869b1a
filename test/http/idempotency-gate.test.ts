// The in-process wait of a duplicate Idempotency-Key request is bounded (config/limits.ts): in
// time, after which the duplicate runs (the record in the log keeps that safe), and in the
// number of keys in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CatalogError } from '../../src/catalog/index.js';
import { IdempotencyGate } from '../../src/http/idempotency.js';

function pending<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('a duplicate waits for the first request, then runs', async () => {
  const gate = new IdempotencyGate();
  const first = pending<string>();
  const order: string[] = [];
  const a = gate.run('k', async () => {
    const value = await first.promise;
    order.push('first');
    return value;
  });
  const b = gate.run('k', async () => {
    order.push('second');
    return 'b';
  });
  first.resolve('a');
  assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
  assert.deepEqual(order, ['first', 'second']);
});

test('a duplicate stops waiting after the bound and runs while the first is still in flight', async () => {
  const gate = new IdempotencyGate({ waitMs: 30 });
  const first = pending<string>();
  const a = gate.run('k', () => first.promise);
  assert.equal(await gate.run('k', async () => 'b'), 'b', 'ran without the first finishing');
  first.resolve('a');
  assert.equal(await a, 'a');
});

test('keys in flight are bounded: one more is a 503', async () => {
  const gate = new IdempotencyGate({ inflightMax: 1 });
  const first = pending<string>();
  const a = gate.run('one', () => first.promise);
  await assert.rejects(gate.run('two', async () => 'never'), (error: unknown) => error instanceof CatalogError && error.status === 503);
  first.resolve('a');
  await a;
  assert.equal(await gate.run('two', async () => 'now'), 'now', 'a free slot again');
});
