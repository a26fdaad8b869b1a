// /health and /ready as orchestrators use them: liveness fails only when the store failed
// closed (a restart is the remedy), readiness also while the store cannot be reached, while
// the server drains for shutdown, and once the catalog has closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../../src/catalog/index.js';
import { loadSettings } from '../../src/config/index.js';
import { buildApp, type Lifecycle } from '../../src/http/index.js';
import { PROBE_PATHS } from '../../src/http/probes.js';
import { MemoryObjectStore, type ObjectStore } from '../../src/objectstore/index.js';
import { logKey } from '../../src/store/layout.js';
import { outage } from './outage.js';

async function serve(objects: ObjectStore) {
  const warehouseDir = mkdtempSync(join(tmpdir(), 'floe-probes-'));
  const settings = loadSettings({ env: {}, flags: { object_store_url: 'memory://' } });
  const catalog = await openCatalog({ settings, warehouseUrl: `file://${warehouseDir}`, objects });
  const lifecycle: Lifecycle = { draining: false };
  const app = buildApp({ catalog, lifecycle });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    catalog,
    lifecycle,
    probe: async (path: string, method = 'GET') => {
      const response = await fetch(url + path, { method });
      const text = await response.text();
      return { status: response.status, text, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
    },
    async close() {
      await app.close();
      await catalog.close();
      rmSync(warehouseDir, { recursive: true, force: true });
    },
  };
}

test('a serving catalog is alive and ready; HEAD answers without a body; probes are not REST endpoints', async () => {
  const server = await serve(new MemoryObjectStore());
  try {
    assert.deepEqual((await server.probe(PROBE_PATHS.health)).body, { status: 'ok' });
    const ready = await server.probe(PROBE_PATHS.ready);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', head: server.catalog.store.headSeq });
    assert.equal(ready.headers.get('cache-control'), 'no-store');
    const head = await server.probe(PROBE_PATHS.ready, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const config = await server.probe('/v1/config');
    assert.ok(!config.body.endpoints.some((e: string) => e.includes('/health') || e.includes('/ready')));
  } finally {
    await server.close();
  }
});

test('draining for shutdown: not ready, still alive', async () => {
  const server = await serve(new MemoryObjectStore());
  try {
    server.lifecycle.draining = true;
    assert.equal((await server.probe(PROBE_PATHS.ready)).status, 503);
    assert.deepEqual((await server.probe(PROBE_PATHS.ready)).body, { status: 'draining' });
    assert.equal((await server.probe(PROBE_PATHS.health)).status, 200);
  } finally {
    await server.close();
  }
});

test('store unreachable: not ready (503 naming the cause), still alive; ready again once it is back', async () => {
  const objects = await outage();
  const server = await serve(objects);
  try {
    objects.down = true;
    const down = await server.probe(PROBE_PATHS.ready);
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'unavailable');
    assert.match(down.body.reason, /ECONNREFUSED|cannot read/);
    assert.equal((await server.probe(PROBE_PATHS.health)).status, 200, 'an outage is no reason to restart');
    objects.down = false;
    assert.equal((await server.probe(PROBE_PATHS.ready)).status, 200);
  } finally {
    await server.close();
  }
});

test('a store that failed closed (a corrupt log entry) is neither alive nor ready', async () => {
  const objects = new MemoryObjectStore();
  const server = await serve(objects);
  try {
    const next = server.catalog.store.headSeq + 1;
    await objects.putIfAbsent(logKey(next), Buffer.from('{"not":"an entry"}'));
    const ready = await server.probe(PROBE_PATHS.ready);
    assert.equal(ready.status, 503);
    const health = await server.probe(PROBE_PATHS.health);
    assert.equal(health.status, 503);
    assert.equal(health.body.status, 'failed');
    assert.match(health.body.reason, new RegExp(logKey(next).replace('.', '\\.')));
  } finally {
    await server.close();
  }
});
