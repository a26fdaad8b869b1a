// Drop with purge over real tables on disk: Avro manifest lists and manifests written with avsc
// from the spec's v2 schemas (with field ids), data and delete files, statistics files and a
// metadata-log. A purge must delete exactly the files the metadata references — not unreferenced
// files in the table directory, not another table's files under a shared prefix — survive a
// restart, and be harmless to repeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { purge } from '../../src/catalog/index.js';
import { avroFile, entry, listEntry, MANIFEST_LIST_V2, MANIFEST_V2, path, put, snapshot } from '../fixtures/avro-table.js';
import { expectError, serverForFile, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

// ---- a real table on disk ---------------------------------------------------------------------

function filesUnder(dir: string): Set<string> {
  if (!existsSync(dir)) return new Set();
  return new Set(
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)),
  );
}

interface BuiltTable {
  location: string;
  /** every file the current metadata references, by kind (local paths) */
  data: string[];
  metadataFiles: string[];
  other: string[];
  /** files in the table directory that no metadata references */
  unreferenced: string[];
}

async function commitOk(server: TestServer, ns: string, name: string, updates: unknown[]) {
  const res = await server.request('POST', `/v1/namespaces/${ns}/tables/${name}`, { requirements: [], updates });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/**
 * Two snapshots (so metadata-log has entries), a data manifest and a delete manifest, a deleted
 * manifest entry, statistics and partition statistics, and two unreferenced files.
 */
async function buildTable(server: TestServer, ns: string, name: string, extra: Record<string, unknown> = {}): Promise<BuiltTable> {
  const created = await server.request('POST', `/v1/namespaces/${ns}/tables`, { name, schema: SIMPLE_SCHEMA, ...extra });
  assert.equal(created.status, 200, created.text);
  const loc: string = created.body.metadata.location;
  const d = (f: string) => `${loc}/data/${f}`;
  const m = (f: string) => `${loc}/metadata/${f}`;
  const dataFiles = [d('d0-deleted.parquet'), d('d1.parquet'), d('pos-del-1.parquet'), d('d2.parquet'), d('eq-del-2.parquet')];
  for (const file of dataFiles) put(file, 'PAR1');

  put(m('m1.avro'), await avroFile(MANIFEST_V2, [entry(1, d('d1.parquet')), entry(2, d('d0-deleted.parquet'))]));
  put(m('m1-deletes.avro'), await avroFile(MANIFEST_V2, [entry(1, d('pos-del-1.parquet'), 1)]));
  put(m('snap-1.avro'), await avroFile(MANIFEST_LIST_V2, [listEntry(m('m1.avro'), 0, 1), listEntry(m('m1-deletes.avro'), 1, 1)]));
  await commitOk(server, ns, name, [
    { action: 'add-snapshot', snapshot: snapshot(1, m('snap-1.avro')) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1 },
  ]);

  put(m('m2.avro'), await avroFile(MANIFEST_V2, [entry(1, d('d2.parquet')), entry(0, d('d1.parquet')), entry(1, d('eq-del-2.parquet'), 2)]));
  put(m('snap-2.avro'), await avroFile(MANIFEST_LIST_V2, [
    listEntry(m('m1.avro'), 0, 1), listEntry(m('m1-deletes.avro'), 1, 1), listEntry(m('m2.avro'), 0, 2),
  ]));
  await commitOk(server, ns, name, [
    { action: 'add-snapshot', snapshot: snapshot(2, m('snap-2.avro'), 1) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 2 },
  ]);

  put(m('stats-2.puffin'), 'PFA1');
  put(m('partition-stats-2.parquet'), 'PAR1');
  const last = await commitOk(server, ns, name, [
    {
      action: 'set-statistics',
      statistics: {
        'snapshot-id': 2, 'statistics-path': m('stats-2.puffin'), 'file-size-in-bytes': 4, 'file-footer-size-in-bytes': 4, 'blob-metadata': [],
      },
    },
    {
      action: 'set-partition-statistics',
      'partition-statistics': { 'snapshot-id': 2, 'statistics-path': m('partition-stats-2.parquet'), 'file-size-in-bytes': 4 },
    },
  ]);
  const metadataLog: string[] = last.metadata['metadata-log'].map((e: { 'metadata-file': string }) => e['metadata-file']);
  assert.equal(metadataLog.length, 3, 'three commits after create');

  const unreferenced = [d('orphan.parquet'), m('orphan-manifest.avro')];
  for (const file of unreferenced) put(file, 'junk');
  return {
    location: loc,
    data: dataFiles.map(path),
    metadataFiles: [...metadataLog, last['metadata-location']].map(path),
    other: [m('m1.avro'), m('m1-deletes.avro'), m('m2.avro'), m('snap-1.avro'), m('snap-2.avro'), m('stats-2.puffin'), m('partition-stats-2.parquet')].map(path),
    unreferenced: unreferenced.map(path),
  };
}

const allReferenced = (t: BuiltTable) => [...t.data, ...t.metadataFiles, ...t.other];

function assertGone(files: string[]) {
  for (const file of files) assert.ok(!existsSync(file), `should be deleted: ${file}`);
}
function assertKept(files: string[]) {
  for (const file of files) assert.ok(existsSync(file), `should remain: ${file}`);
}

// ---- tests -------------------------------------------------------------------------------------

const server = serverForFile('db');

test('purge deletes exactly the referenced files; a table under a shared prefix is untouched', async () => {
  const shared = `file://${server.warehouseDir}/shared`;
  const t = await buildTable(server, 'db', 't', { location: `${shared}/t` });
  const t2 = await buildTable(server, 'db', 't2', { location: `${shared}/t2` });
  const before = filesUnder(server.warehouseDir);

  const res = await server.request('DELETE', '/v1/namespaces/db/tables/t?purgeRequested=true');
  assert.equal(res.status, 204, res.text);

  const after = filesUnder(server.warehouseDir);
  const deleted = [...before].filter((f) => !after.has(f)).sort();
  assert.deepEqual(deleted, allReferenced(t).sort(), 'deleted set = referenced set');
  assertKept([...t.unreferenced, ...allReferenced(t2), ...t2.unreferenced]);
  expectError(await server.request('GET', '/v1/namespaces/db/tables/t'), 404, 'NoSuchTableException', 'Table does not exist: db.t');
  assert.equal((await server.request('GET', '/v1/namespaces/db/tables/t2')).status, 200);
  assert.equal(server.catalog.store.state.purges.size, 0, 'purge.done committed');
});

test('gc.enabled=false keeps data and delete files but deletes the metadata tree', async () => {
  const t = await buildTable(server, 'db', 'nogc', { properties: { 'gc.enabled': 'false' } });
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/nogc?purgeRequested=true')).status, 204);
  assertKept([...t.data, ...t.unreferenced]);
  assertGone([...t.metadataFiles, ...t.other]);
});

test('drop without purge (and purgeRequested=false) deletes nothing', async () => {
  const t = await buildTable(server, 'db', 'keep');
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/keep?purgeRequested=false')).status, 204);
  assertKept([...allReferenced(t), ...t.unreferenced]);
  assert.equal(server.catalog.store.state.purges.size, 0);
  expectError(await server.request('DELETE', '/v1/namespaces/db/tables/keep?purgeRequested=true'), 404, 'NoSuchTableException', 'Table does not exist: db.keep');
});

test('dropAfterRenameDoesntCorruptTable: purging the renamed table leaves the new one intact', async () => {
  const old = await buildTable(server, 'db', 'ren');
  assert.equal((await server.request('POST', '/v1/tables/rename', {
    source: { namespace: ['db'], name: 'ren' }, destination: { namespace: ['db'], name: 'ren_old' },
  })).status, 204);
  const fresh = await buildTable(server, 'db', 'ren');
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/ren_old?purgeRequested=true')).status, 204);
  assertGone(allReferenced(old));
  assertKept([...allReferenced(fresh), ...fresh.unreferenced, ...old.unreferenced]);
  const load = await server.request('GET', '/v1/namespaces/db/tables/ren');
  assert.equal(load.status, 200);
  assert.equal(load.body.metadata['current-snapshot-id'], 2);
});

test('running a purge twice is harmless', async () => {
  const t = await buildTable(server, 'db', 'twice');
  const pointer = server.catalog.store.state.table(['db'], 'twice')!;
  const record = { id: 'purge-twice', metadataLocation: pointer.metadataLocation, deleteData: true };
  await server.catalog.store.commit(async () => ({
    kind: 'txn',
    effects: [
      { op: 'table.drop', ns: ['db'], name: 'twice', expect: pointer.metadataLocation },
      { op: 'purge.request', ...record },
    ],
    result: undefined,
  }));
  // concurrent runs in one process share one run; sequential re-runs find nothing left
  await Promise.all([purge.runPurge(server.catalog, record), purge.runPurge(server.catalog, record)]);
  await purge.runPurge(server.catalog, record);
  assertGone(allReferenced(t));
  assertKept(t.unreferenced);
  assert.equal(server.catalog.store.state.purges.has(record.id), false);
});

test('a re-run after a crash part-way through finishes the job', async () => {
  const t = await buildTable(server, 'db', 'partial');
  const pointer = server.catalog.store.state.table(['db'], 'partial')!;
  const record = { id: 'purge-partial', metadataLocation: pointer.metadataLocation, deleteData: true };
  await server.catalog.store.commit(async () => ({
    kind: 'txn',
    effects: [{ op: 'table.drop', ns: ['db'], name: 'partial', expect: pointer.metadataLocation }, { op: 'purge.request', ...record }],
    result: undefined,
  }));
  // the crash happened after the data phase and part of the manifest phase
  for (const file of [...t.data, path(`${t.location}/metadata/m2.avro`)]) unlinkSync(file);
  await purge.runPurge(server.catalog, record);
  assertGone(allReferenced(t));
  assertKept(t.unreferenced);
});

test('write.metadata.delete-after-commit.enabled deletes metadata files that leave the log', async () => {
  const created = await server.request('POST', '/v1/namespaces/db/tables', {
    name: 'dac', schema: SIMPLE_SCHEMA,
    properties: { 'write.metadata.delete-after-commit.enabled': 'true', 'write.metadata.previous-versions-max': '1' },
  });
  assert.equal(created.status, 200, created.text);
  const locations: string[] = [created.body['metadata-location']];
  for (let i = 0; i < 3; i++) {
    const body = await commitOk(server, 'db', 'dac', [{ action: 'set-properties', updates: { [`k${i}`]: String(i) } }]);
    locations.push(body['metadata-location']);
  }
  // versions 0..3: the log keeps one previous file (v2); v0 and v1 fell out and were deleted
  assertGone(locations.slice(0, 2).map(path));
  assertKept(locations.slice(2).map(path));
  const md = (await server.request('GET', '/v1/namespaces/db/tables/dac')).body.metadata;
  assert.deepEqual(md['metadata-log'].map((e: { 'metadata-file': string }) => e['metadata-file']), [locations[2]]);
});

test('an interrupted purge is completed by the runner after a restart (file:// root)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'floe-purge-root-'));
  const warehouse = `file://${mkdtempSync(join(tmpdir(), 'floe-purge-wh-'))}`;
  const first = await startServer({ storage: `file://${root}`, warehouse });
  let t: BuiltTable;
  let gone: BuiltTable;
  try {
    await first.request('POST', '/v1/namespaces', { namespace: ['db'] });
    t = await buildTable(first, 'db', 'crash');
    gone = await buildTable(first, 'db', 'finished');
    // the drop and purge request were committed, then the process died before purging
    for (const name of ['crash', 'finished']) {
      const pointer = first.catalog.store.state.table(['db'], name)!;
      await first.catalog.store.commit(async () => ({
        kind: 'txn',
        effects: [
          { op: 'table.drop', ns: ['db'], name, expect: pointer.metadataLocation },
          { op: 'purge.request', id: `purge-${name}`, metadataLocation: pointer.metadataLocation, deleteData: true },
        ],
        result: undefined,
      }));
    }
    // 'finished' died after deleting everything, the current metadata file last, but before purge.done
    for (const file of allReferenced(gone)) unlinkSync(file);
    assert.equal(first.catalog.store.state.purges.size, 2);
  } finally {
    await first.close();
  }

  const second = await startServer({ storage: `file://${root}`, warehouse });
  try {
    // (if openCatalog starts a runner itself, it may already be at work: sweep() joins it)
    assert.ok(second.catalog.store.state.purges.size <= 2);
    const errors: unknown[] = [];
    const runner = purge.startPurgeRunner(second.catalog, { intervalMs: 0, onError: (_r, e) => errors.push(e) });
    await runner.sweep();
    await runner.stop();
    assert.deepEqual(errors, []);
    assert.equal(second.catalog.store.state.purges.size, 0);
    assertGone(allReferenced(t!));
    assertKept([...t!.unreferenced, ...gone!.unreferenced]);
    expectError(await second.request('GET', '/v1/namespaces/db/tables/crash'), 404, 'NoSuchTableException');
  } finally {
    await second.close();
  }

  // and a third start finds nothing left to do
  const third = await startServer({ storage: `file://${root}`, warehouse });
  try {
    assert.equal(third.catalog.store.state.purges.size, 0);
  } finally {
    await third.close();
  }
});

test('a stopped runner leaves its purge pending', async () => {
  const t = await buildTable(server, 'db', 'stopped');
  const pointer = server.catalog.store.state.table(['db'], 'stopped')!;
  await server.catalog.store.commit(async () => ({
    kind: 'txn',
    effects: [
      { op: 'table.drop', ns: ['db'], name: 'stopped', expect: pointer.metadataLocation },
      { op: 'purge.request', id: 'purge-stopped', metadataLocation: pointer.metadataLocation, deleteData: true },
    ],
    result: undefined,
  }));
  const runner = purge.startPurgeRunner(server.catalog, { intervalMs: 0 });
  await runner.stop(); // stopped before (or while) its first sweep ran: harmless either way
  if (server.catalog.store.state.purges.has('purge-stopped')) {
    assertKept([path(pointer.metadataLocation)]); // the current metadata file goes last
    const again = purge.startPurgeRunner(server.catalog, { intervalMs: 0 });
    await again.sweep();
    await again.stop();
  }
  assert.equal(server.catalog.store.state.purges.has('purge-stopped'), false);
  assertGone(allReferenced(t));
});

test('purge under an Idempotency-Key: the retry replays 204 and purge.done is still committed', async () => {
  const t = await buildTable(server, 'db', 'idem');
  const key = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
  const first = await server.request('DELETE', '/v1/namespaces/db/tables/idem?purgeRequested=true', undefined, { 'idempotency-key': key });
  assert.equal(first.status, 204, first.text);
  assertGone(allReferenced(t));
  assert.equal(server.catalog.store.state.purges.size, 0, 'purge.done is bookkeeping, not replayed under the key');
  const retry = await server.request('DELETE', '/v1/namespaces/db/tables/idem?purgeRequested=true', undefined, { 'idempotency-key': key });
  assert.equal(retry.status, 204);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
});

test('purge of a table whose metadata file is already gone drops it and records no purge', async () => {
  const created = await server.request('POST', '/v1/namespaces/db/tables', { name: 'nometa', schema: SIMPLE_SCHEMA });
  unlinkSync(path(created.body['metadata-location']));
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/nometa?purgeRequested=true')).status, 204);
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/nometa')).status, 404);
  assert.equal(server.catalog.store.state.purges.size, 0);
});

test('the periodic sweep takes over a purge left pending by someone else', async () => {
  const runner = purge.startPurgeRunner(server.catalog, { intervalMs: 20 });
  try {
    const t = await buildTable(server, 'db', 'swept');
    const pointer = server.catalog.store.state.table(['db'], 'swept')!;
    await server.catalog.store.commit(async () => ({
      kind: 'txn',
      effects: [
        { op: 'table.drop', ns: ['db'], name: 'swept', expect: pointer.metadataLocation },
        { op: 'purge.request', id: 'purge-swept', metadataLocation: pointer.metadataLocation, deleteData: true },
      ],
      result: undefined,
    }));
    // a sweep resolves when it has finished: no polling
    await runner.sweep();
    assert.equal(server.catalog.store.state.purges.has('purge-swept'), false);
    assertGone(allReferenced(t));
  } finally {
    await runner.stop();
  }
});
