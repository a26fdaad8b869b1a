// Shared fixtures for the backup tests: catalogs with namespaces, tables and views, and a list
// of backends to round-trip through (extend BACKENDS as azurite / radosgw adapters land).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import type { ObjectStore } from '../../src/objectstore/types.js';
import { CatalogStore, type StoreOptions } from '../../src/store/catalog-store.js';
import type { Effect } from '../../src/store/effects.js';
import { encodeJson } from '../../src/store/layout.js';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { buildMembers, readSnapshot, restoreBackup, validateArchive, writeArchive } from '../../src/store/backup/index.js';

export interface Backend {
  name: string;
  /** a fresh, empty root; `url` is what the CLI would be given */
  fresh(): Promise<{ objects: ObjectStore; url: string; cleanup?: () => Promise<void> }>;
}

let memoryCounter = 0;
export const memoryBackend: Backend = {
  name: 'memory',
  async fresh() {
    const root = `backup-test-${process.pid}-${++memoryCounter}`;
    return { objects: new MemoryObjectStore(`memory://${root}`, root), url: `memory://${root}` };
  },
};

export const fileBackend: Backend = {
  name: 'file',
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'floe-backup-'));
    return { objects: new FileObjectStore(dir), url: `file://${dir}` };
  },
};

export const BACKENDS: Backend[] = [memoryBackend, fileBackend];

export const location = (ns: string[], name: string, version = 0) =>
  `file:///wh/${ns.join('/')}/${name}/metadata/${String(version).padStart(5, '0')}-x.metadata.json`;

/** Commits `effects` as one txn. */
export function commitEffects(store: CatalogStore, effects: Effect[]): Promise<void> {
  return store.commit(async () => ({ kind: 'txn', effects, result: undefined }));
}

/** A catalog with nested namespaces, tables and views, built over several entries. */
export async function populate(store: CatalogStore, options: { namespaces?: number; tablesPerNs?: number; viewsPerNs?: number } = {}): Promise<void> {
  const namespaces = options.namespaces ?? 3;
  const tablesPerNs = options.tablesPerNs ?? 3;
  const viewsPerNs = options.viewsPerNs ?? 1;
  for (let n = 0; n < namespaces; n++) {
    const ns = [`ns${n}`];
    await commitEffects(store, [{ op: 'ns.create', ns, properties: { owner: `team${n}`, comment: 'made by the backup tests' } }]);
    await commitEffects(store, [{ op: 'ns.create', ns: [...ns, 'inner'], properties: {} }]);
    const tableEffects: Effect[] = [];
    for (let t = 0; t < tablesPerNs; t++) tableEffects.push({ op: 'table.create', ns, name: `t${t}`, to: location(ns, `t${t}`) });
    for (let v = 0; v < viewsPerNs; v++) tableEffects.push({ op: 'view.create', ns: [...ns, 'inner'], name: `v${v}`, to: location([...ns, 'inner'], `v${v}`) });
    // large catalogs commit in chunks: one entry is bounded by LOG_ENTRY_BYTES_MAX
    for (let i = 0; i < tableEffects.length; i += 500) await commitEffects(store, tableEffects.slice(i, i + 500));
  }
  if (tablesPerNs > 0) {
    const ns = ['ns0'];
    await commitEffects(store, [{ op: 'table.setPointer', ns, name: 't0', expect: location(ns, 't0'), to: location(ns, 't0', 1) }]);
  }
  await store.commit(async () => ({
    kind: 'txn',
    effects: [],
    idem: { key: 'idem-1', status: 200, body: { z: 1, a: [2, 'x'] }, expiresAtMs: Date.now() + 3_600_000 },
    result: undefined,
  }));
}

export async function openCatalog(objects: ObjectStore, options: StoreOptions = {}): Promise<CatalogStore> {
  return CatalogStore.open(objects, { create: true, ...options });
}

/** The state's canonical bytes, for equality. */
export const stateBytes = (store: CatalogStore) => encodeJson(store.state.toSnapshot()).toString('utf8');

export const tempDir = (prefix = 'floe-backup-') => mkdtempSync(join(tmpdir(), prefix));

/**
 * Populates a catalog on `source`, backs it up (with the log, gzip), validates the archive,
 * restores it into `target`, and checks the restored catalog equals the source and continues
 * at S+1; a second restore into the same root is refused.
 */
export async function roundTrip(sourceBackend: Backend, targetBackend: Backend): Promise<void> {
  const source = await sourceBackend.fresh();
  const store = await openCatalog(source.objects, { checkpointInterval: 4 });
  await populate(store, { namespaces: 2, tablesPerNs: 3, viewsPerNs: 1 });
  await store.idle(); // the background checkpoints
  const snapshot = await readSnapshot(source.objects, { kind: 'head' });
  assert.equal(snapshot.kind, 'snapshot');
  if (snapshot.kind !== 'snapshot') return;
  const { members } = buildMembers(snapshot.snapshot, { withLog: true, createdAt: new Date(), tool: 'test' });
  const chunks: Buffer[] = [];
  const sink = new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } });
  await writeArchive(members, { kind: 'stream', stream: sink }, { gzip: true, mtime: new Date() });
  const valid = await validateArchive(Readable.from([Buffer.concat(chunks)]));
  assert.equal(valid.kind, 'valid', valid.kind === 'invalid' ? valid.problem : '');
  if (valid.kind !== 'valid') return;

  const target = await targetBackend.fresh();
  const restored = await restoreBackup(valid.backup, target.objects);
  assert.equal(restored.kind, 'restored', restored.kind === 'refused' ? restored.reason : '');
  const reopened = await CatalogStore.open(target.objects, { create: false });
  assert.equal(reopened.headSeq, store.headSeq);
  assert.equal(stateBytes(reopened), stateBytes(store));
  await commitEffects(reopened, [{ op: 'ns.create', ns: ['after'], properties: {} }]);
  assert.equal(reopened.headSeq, store.headSeq + 1);
  await reopened.close();
  await store.close();
  const refused = await restoreBackup(valid.backup, target.objects, { force: true });
  assert.equal(refused.kind, 'refused');
  await source.objects.close();
  await target.objects.close();
}
