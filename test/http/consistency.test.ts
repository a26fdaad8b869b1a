import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryObjectStore, type ObjectStore } from '../../src/objectstore/index.js';
import { startServer } from './harness.js';

function counting(inner: ObjectStore) {
  const counts = { logGets: 0 };
  const wrapped: ObjectStore = Object.create(inner);
  wrapped.get = (key, signal) => {
    if (key.startsWith('log/')) counts.logGets++;
    return inner.get(key, signal);
  };
  return { wrapped, counts };
}

test('x-floe-consistency: bounded reads cost no object-store request, linearizable ones do', async () => {
  const { wrapped, counts } = counting(new MemoryObjectStore('memory://c', `consistency-${process.pid}`));
  const server = await startServer({ objects: wrapped, env: { FLOE_MAX_STALENESS_MS: '600000' } });
  try {
    await server.request('POST', '/v1/namespaces', { namespace: ['c'] });
    await server.request('GET', '/v1/namespaces/c', undefined, { 'x-floe-consistency': 'bounded' });
    let before = counts.logGets;
    for (let i = 0; i < 10; i++) assert.equal((await server.request('GET', '/v1/namespaces/c', undefined, { 'x-floe-consistency': 'bounded' })).status, 200);
    assert.equal(counts.logGets - before, 0, 'bounded reads inside the staleness bound send nothing');
    before = counts.logGets;
    for (let i = 0; i < 10; i++) assert.equal((await server.request('GET', '/v1/namespaces/c')).status, 200);
    assert.ok(counts.logGets - before >= 10, `each linearizable read probes the log (${counts.logGets - before})`);
  } finally {
    await server.close();
  }
});
