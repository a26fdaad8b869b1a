// memory:// through the shared conformance suite, plus what only memory has: named roots
// shared by several stores in one process (in-process replicas in tests).
import assert from 'node:assert/strict';
import { it, test } from 'node:test';
import { InstrumentedObjectStore, MemoryObjectStore } from '../../src/objectstore/index.js';
import type { Metrics } from '../../src/util/index.js';
import { conformance } from './conformance.js';

conformance('memory', () => new MemoryObjectStore());

it('stores sharing a named root never mint the same etag for different versions', async () => {
  const root = `etag-${process.pid}-${Date.now()}`;
  const a = new MemoryObjectStore('memory://' + root, root);
  const b = new MemoryObjectStore('memory://' + root, root);
  const first = await a.put('k', Buffer.from('same'));
  const second = await b.put('k', Buffer.from('same'));
  assert.ok(first.kind === 'created' && second.kind === 'created');
  assert.notEqual(first.etag, second.etag);
  assert.deepEqual(await a.putIfMatch('k', Buffer.from('x'), first.etag), { kind: 'mismatch' });
});

test('an instrumented store counts every request by backend, operation and outcome, and times it', async () => {
  const counted = new Map<string, number>();
  const timed: string[] = [];
  const metrics: Metrics = {
    inc: (name, labels) => counted.set(`${name}${JSON.stringify(labels)}`, (counted.get(`${name}${JSON.stringify(labels)}`) ?? 0) + 1),
    set: () => undefined,
    observe: (name, value, labels) => timed.push(`${name} ${labels?.operation} ${value >= 0}`),
  };
  const store = new InstrumentedObjectStore(new MemoryObjectStore(), metrics);
  assert.equal((await store.putIfAbsent('a', Buffer.from('1'))).kind, 'created');
  assert.equal((await store.putIfAbsent('a', Buffer.from('1'))).kind, 'exists');
  assert.equal((await store.get('missing')).kind, 'notFound');
  const key = (operation: string, outcome: string) => `floe_objectstore_requests_total${JSON.stringify({ backend: 'memory', operation, outcome })}`;
  assert.equal(counted.get(key('putIfAbsent', 'created')), 1);
  assert.equal(counted.get(key('putIfAbsent', 'exists')), 1);
  assert.equal(counted.get(key('get', 'notFound')), 1);
  assert.equal(timed.length, 3);
  assert.ok(timed.every((t) => t.startsWith('floe_objectstore_request_duration_seconds') && t.endsWith('true')));
  assert.equal(store.putUnpublished, undefined, 'memory:// has no putUnpublished, so neither has its wrapper');
});
