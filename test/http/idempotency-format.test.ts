// The Idempotency-Key record changed format (docs/design/idempotency.md): records written in the
// previous format ({fingerprint, bodySha256?, response}) must still replay after an upgrade, that
// is after a restart on the same storage. Each record below is written exactly as the previous
// version wrote it, then the server restarts and the retry gets the recorded answer.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringifyJson } from '../../src/util/json.js';
import { assertContractAfterAll, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

assertContractAfterAll();

const root = mkdtempSync(join(tmpdir(), 'floe-idem-format-'));
const warehouse = mkdtempSync(join(tmpdir(), 'floe-idem-format-wh-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(warehouse, { recursive: true, force: true });
});

const start = () => startServer({ storage: `file://${root}`, warehouse: `file://${warehouse}` });
const sha = (body: unknown) => createHash('sha256').update(body === undefined ? '' : stringifyJson(body)).digest('hex');
const key = (n: number) => `0190d5c0-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** Writes an idempotency record in the previous format, in its own log txn. */
async function writeOldRecord(server: TestServer, k: string, fingerprint: string, body: unknown, response: Record<string, unknown>) {
  await server.catalog.store.commit(async () => ({
    kind: 'txn' as const,
    effects: [],
    idem: { key: k, status: Number(response.status), body: { fingerprint, bodySha256: sha(body), response }, expiresAtMs: Date.now() + 3_600_000 },
    result: undefined,
  }));
}

const viewVersion = {
  'version-id': 1, 'timestamp-ms': 1_700_000_000_001, 'schema-id': 0, summary: { 'engine-name': 'spark' },
  representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }], 'default-namespace': ['db'],
};

test('records in the previous format replay after a restart: json, table, view, 204 and a 4xx', async () => {
  let server = await start();
  const nsBody = { namespace: ['fmt'] };
  const tableBody = { name: 'retried', schema: SIMPLE_SCHEMA };
  const viewBody = { name: 'v', schema: SIMPLE_SCHEMA, 'view-version': viewVersion, properties: {} };
  let table: { location: string; body: unknown; etag: string | null };
  let view: { location: string; body: unknown };
  try {
    assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
    const createdTable = await server.request('POST', '/v1/namespaces/db/tables', { name: 't', schema: SIMPLE_SCHEMA });
    assert.equal(createdTable.status, 200, createdTable.text);
    table = { location: createdTable.body['metadata-location'], body: createdTable.body, etag: createdTable.headers.get('etag') };
    const createdView = await server.request('POST', '/v1/namespaces/db/views', { ...viewBody, name: 'vv' });
    assert.equal(createdView.status, 200, createdView.text);
    view = { location: createdView.body['metadata-location'], body: createdView.body };

    await writeOldRecord(server, key(1), 'POST /v1/namespaces', nsBody, { status: 200, body: { namespace: ['fmt'], properties: { a: '1' } } });
    await writeOldRecord(server, key(2), 'POST /v1/namespaces/db/tables', tableBody, { status: 200, table: table.location });
    await writeOldRecord(server, key(3), 'POST /v1/namespaces/db/views', viewBody, { status: 200, view: view.location });
    await writeOldRecord(server, key(4), 'DELETE /v1/namespaces/gone', undefined, { status: 204 });
    const envelope = { error: { message: 'Namespace does not exist: ghost', type: 'NoSuchNamespaceException', code: 404 } };
    await writeOldRecord(server, key(5), 'DELETE /v1/namespaces/ghost', undefined, { status: 404, body: envelope });
  } finally {
    await server.close();
  }

  server = await start();
  try {
    const seq = server.catalog.store.headSeq;
    const ns = await server.request('POST', '/v1/namespaces', nsBody, { 'idempotency-key': key(1) });
    assert.equal(ns.status, 200, ns.text);
    assert.deepEqual(ns.body, { namespace: ['fmt'], properties: { a: '1' } }, 'the recorded answer, not a new create');
    assert.equal(ns.headers.get('idempotent-replayed'), 'true');

    const replayedTable = await server.request('POST', '/v1/namespaces/db/tables', tableBody, { 'idempotency-key': key(2) });
    assert.equal(replayedTable.status, 200, replayedTable.text);
    assert.deepEqual(replayedTable.body, table.body, 'the recorded table version, with its config');
    assert.equal(replayedTable.headers.get('etag'), table.etag);

    const replayedView = await server.request('POST', '/v1/namespaces/db/views', viewBody, { 'idempotency-key': key(3) });
    assert.equal(replayedView.status, 200, replayedView.text);
    assert.deepEqual(replayedView.body, view.body);

    const dropped = await server.request('DELETE', '/v1/namespaces/gone', undefined, { 'idempotency-key': key(4) });
    assert.equal(dropped.status, 204);
    assert.equal(dropped.headers.get('idempotent-replayed'), 'true');

    await server.request('POST', '/v1/namespaces', { namespace: ['ghost'] });
    const refused = await server.request('DELETE', '/v1/namespaces/ghost', undefined, { 'idempotency-key': key(5) });
    assert.equal(refused.status, 404, 'the recorded 404 although the namespace exists now');
    assert.equal(refused.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(refused.body, { error: { message: 'Namespace does not exist: ghost', type: 'NoSuchNamespaceException', code: 404 } });

    assert.equal(server.catalog.store.headSeq, seq + 1, 'only the unkeyed create of ghost was applied');
    assert.equal((await server.request('GET', '/v1/namespaces/fmt')).status, 404, 'the replayed create applied nothing');
    // another request under a recorded key is still refused
    const elsewhere = await server.request('DELETE', '/v1/namespaces/fmt', undefined, { 'idempotency-key': key(1) });
    assert.equal(elsewhere.status, 400);
  } finally {
    await server.close();
  }
});

test('records in the current format replay after a restart too', async () => {
  let server = await start();
  let first;
  try {
    await server.request('POST', '/v1/namespaces', { namespace: ['cur'] });
    first = await server.request('POST', '/v1/namespaces/cur/tables', { name: 't', schema: SIMPLE_SCHEMA }, { 'idempotency-key': key(10) });
    assert.equal(first.status, 200, first.text);
    const refusal = await server.request('DELETE', '/v1/namespaces/nothing', undefined, { 'idempotency-key': key(11) });
    assert.equal(refusal.status, 404);
  } finally {
    await server.close();
  }
  server = await start();
  try {
    const again = await server.request('POST', '/v1/namespaces/cur/tables', { name: 't', schema: SIMPLE_SCHEMA }, { 'idempotency-key': key(10) });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
    await server.request('POST', '/v1/namespaces', { namespace: ['nothing'] });
    const refusal = await server.request('DELETE', '/v1/namespaces/nothing', undefined, { 'idempotency-key': key(11) });
    assert.equal(refusal.status, 404, 'the recorded 404');
    assert.equal(refusal.headers.get('idempotent-replayed'), 'true');
    assert.equal(refusal.body.error.type, 'NoSuchNamespaceException');
  } finally {
    await server.close();
  }
});

// Bug fixed: the replay of an unregister answered the LoadTableResult shape guessed from the
// result (with `config` and an ETag), not the answer the first request got.
test('a replayed unregister answers what the unregister answered', async () => {
  const server = await start();
  try {
    await server.request('POST', '/v1/namespaces', { namespace: ['unreg'] });
    assert.equal((await server.request('POST', '/v1/namespaces/unreg/tables', { name: 't', schema: SIMPLE_SCHEMA })).status, 200);
    const headers = { 'idempotency-key': key(20) };
    const first = await server.request('POST', '/v1/namespaces/unreg/tables/t/unregister', undefined, headers);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.config, undefined);
    const again = await server.request('POST', '/v1/namespaces/unreg/tables/t/unregister', undefined, headers);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
  } finally {
    await server.close();
  }
});
