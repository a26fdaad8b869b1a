// memory:// through the shared conformance suite, plus what only memory has: named roots
// shared by several stores in one process (in-process replicas in tests).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryObjectStore } from '../../src/objectstore/index.js';
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
