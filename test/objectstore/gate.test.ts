// The concurrency gate of the cloud backends: never more requests in flight than its size, a
// freed permit goes to the longest waiter, and its queue is bounded (a request beyond it is
// refused at once, definitely: it was never sent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate, isRefused } from '../../src/objectstore/errors.js';

test('the gate holds at most its size in flight, serves waiters in order, and refuses beyond its queue bound', async () => {
  const gate = new Gate(2, 3);
  let inFlight = 0;
  let peak = 0;
  const order: number[] = [];
  const releases: (() => void)[] = [];
  const task = (id: number) => () =>
    new Promise<number>((resolve) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      order.push(id);
      releases.push(() => {
        inFlight--;
        resolve(id);
      });
    });
  const runs = [0, 1, 2, 3, 4].map((id) => gate.run(task(id)));
  const refused = await gate.run(task(5));
  assert.ok(isRefused(refused), 'a sixth request finds 2 running and 3 waiting: refused');
  assert.equal(refused.kind === 'unknown' && refused.definite, true);
  while (releases.length > 0) {
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
});

test('a gate of no permits is a programming error', () => {
  assert.throws(() => new Gate(0), /gate size must be a positive integer/);
});
