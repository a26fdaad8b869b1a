import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { MemoryObjectStore } from '../../src/objectstore/memory.js';
import type { ObjectStore } from '../../src/objectstore/types.js';
import { CatalogStore } from '../../src/store/catalog-store.js';
import { checkpointKey, logKey } from '../../src/store/layout.js';
import {
  buildMembers, readSnapshot, restoreBackup, validateArchive, writeArchive, type SnapshotTarget, type ValidBackup,
} from '../../src/store/backup/index.js';
import { BACKENDS, commitEffects, fileBackend, location, memoryBackend, openCatalog, populate, stateBytes, type Backend } from './helpers.js';

/** Backs up `objects` at `target` into an in-memory archive and returns its bytes. */
async function backupBytes(objects: ObjectStore, target: SnapshotTarget = { kind: 'head' }, options: { withLog?: boolean; gzip?: boolean } = {}) {
  const outcome = await readSnapshot(objects, target);
  assert.equal(outcome.kind, 'snapshot', outcome.kind === 'unavailable' ? outcome.reason : '');
  if (outcome.kind !== 'snapshot') throw new Error('unreachable');
  const { members, manifest } = buildMembers(outcome.snapshot, { withLog: options.withLog ?? true, createdAt: new Date(), tool: 'test' });
  const chunks: Buffer[] = [];
  const sink = new (await import('node:stream')).Writable({
    write(chunk: Buffer, _e, done) {
      chunks.push(chunk);
      done();
    },
  });
  const written = await writeArchive(members, { kind: 'stream', stream: sink }, { gzip: options.gzip ?? false, mtime: new Date() });
  assert.equal(written.kind, 'written');
  return { bytes: Buffer.concat(chunks), manifest, snapshot: outcome.snapshot };
}

async function validBackup(bytes: Buffer): Promise<ValidBackup> {
  const outcome = await validateArchive(Readable.from([bytes]));
  assert.equal(outcome.kind, 'valid', outcome.kind === 'invalid' ? outcome.problem : '');
  if (outcome.kind !== 'valid') throw new Error('unreachable');
  return outcome.backup;
}

const PAIRS: [Backend, Backend][] = [];
for (const source of BACKENDS) for (const target of BACKENDS) if (target.name !== 'memory' || source.name === 'memory') PAIRS.push([source, target]);

for (const [sourceBackend, targetBackend] of PAIRS) {
  for (const gzip of [false, true]) {
    test(`round trip ${sourceBackend.name} -> ${targetBackend.name}${gzip ? ' (gzip)' : ''}: same entities, next commit is S+1`, async () => {
      const source = await sourceBackend.fresh();
      const store = await openCatalog(source.objects, { checkpointInterval: 5 });
      await populate(store, { namespaces: 4, tablesPerNs: 5, viewsPerNs: 2 });
      await store.idle(); // let the background checkpoint land
      const { bytes, manifest } = await backupBytes(source.objects, { kind: 'head' }, { gzip });
      assert.equal(manifest.seq, store.headSeq);
      assert.ok(manifest.log.baseSeq > 0, 'the snapshot starts from a checkpoint');
      const backup = await validBackup(bytes);

      const target = await targetBackend.fresh();
      const restored = await restoreBackup(backup, target.objects);
      assert.equal(restored.kind, 'restored', restored.kind === 'refused' ? restored.reason : '');
      if (restored.kind !== 'restored') return;
      assert.notEqual(restored.identity.catalogId, store.identity.catalogId);
      assert.deepEqual(restored.identity.restoredFrom && { ...restored.identity.restoredFrom, restoredAt: 'x' }, {
        catalogId: store.identity.catalogId, seq: store.headSeq, entryHash: manifest.entryHash, restoredAt: 'x', allowPurge: false,
      });

      const reopened = await CatalogStore.open(target.objects, { create: false });
      assert.equal(reopened.headSeq, store.headSeq);
      assert.equal(stateBytes(reopened), stateBytes(store));
      for (const ns of [['ns0'], ['ns3', 'inner']]) {
        assert.deepEqual(reopened.state.tableNames(ns), store.state.tableNames(ns));
        assert.deepEqual(reopened.state.viewNames(ns), store.state.viewNames(ns));
      }
      assert.equal(reopened.state.table(['ns0'], 't0')?.metadataLocation, location(['ns0'], 't0', 1));

      await commitEffects(reopened, [{ op: 'ns.create', ns: ['after'], properties: {} }]);
      assert.equal(reopened.headSeq, store.headSeq + 1, 'the next commit continues at S+1');
      await reopened.close();
      // a fresh replica replays S+1 on top of the restored checkpoint: the chain holds
      const again = await CatalogStore.open(target.objects, { create: false });
      assert.equal(again.headSeq, store.headSeq + 1);
      assert.ok(again.state.hasNamespace(['after']));
      await again.close();
      await store.close();
    });
  }
}

test('a backup of a catalog without checkpoints replays from catalog.json; restore of seq 0 works too', async () => {
  const source = await memoryBackend.fresh();
  const store = await openCatalog(source.objects);
  const empty = await backupBytes(source.objects);
  assert.equal(empty.manifest.seq, 0);
  await populate(store, { namespaces: 2, tablesPerNs: 2, viewsPerNs: 1 });
  const { bytes, manifest } = await backupBytes(source.objects);
  assert.equal(manifest.log.baseSeq, 0);
  assert.equal(manifest.counts.logEntries, store.headSeq);
  await validBackup(bytes);

  const target = await memoryBackend.fresh();
  const restored = await restoreBackup(await validBackup(empty.bytes), target.objects);
  assert.equal(restored.kind, 'restored');
  const reopened = await CatalogStore.open(target.objects, { create: false });
  assert.equal(reopened.headSeq, 0);
  await commitEffects(reopened, [{ op: 'ns.create', ns: ['x'], properties: {} }]);
  assert.equal(reopened.headSeq, 1);
  await reopened.close();
  await store.close();
});

test('a backup taken while commits run equals the state at its sequence', async () => {
  // file:// so that reads and commits really interleave on I/O
  const source = await fileBackend.fresh();
  const store = await openCatalog(source.objects, { checkpointInterval: 7 });
  await commitEffects(store, [{ op: 'ns.create', ns: ['busy'], properties: {} }]);
  const statesBySeq = new Map<number, string>([[store.headSeq, stateBytes(store)]]);
  let running = true;
  const writer = (async () => {
    for (let i = 0; running && i < 5000; i++) {
      await commitEffects(store, [{ op: 'table.create', ns: ['busy'], name: `t${i}`, to: location(['busy'], `t${i}`) }]);
      statesBySeq.set(store.headSeq, stateBytes(store));
    }
  })();
  const backups: { seq: number; state: string }[] = [];
  for (let i = 0; i < 5; i++) {
    // each backup after the writer committed more (not after a fixed time)
    const seen = store.headSeq;
    while (store.headSeq === seen) await new Promise((r) => setImmediate(r));
    const { bytes, manifest } = await backupBytes(source.objects, { kind: 'head' }, { withLog: true });
    const backup = await validBackup(bytes);
    backups.push({ seq: manifest.seq, state: JSON.stringify(backup.checkpoint.state) });
  }
  running = false;
  await writer;
  assert.ok(new Set(backups.map((b) => b.seq)).size > 1, 'the head moved between backups');
  for (const b of backups) assert.equal(b.state, statesBySeq.get(b.seq), `backup at seq ${b.seq} equals the state at that seq`);
  await store.close();
});

test('--at-seq and --at-time select older points; points before the retained checkpoint are refused clearly', async () => {
  const source = await memoryBackend.fresh();
  const store = await openCatalog(source.objects, { checkpointInterval: 4 });
  const seqTimes: number[] = [];
  for (let i = 0; i < 12; i++) {
    await commitEffects(store, [{ op: 'ns.create', ns: [`n${i}`], properties: {} }]);
    seqTimes[store.headSeq] = Date.now();
    // --at-time needs each commit at its own millisecond: wait for the clock, not a fixed time
    const committedAt = Date.now();
    while (Date.now() <= committedAt + 1) await new Promise((r) => setImmediate(r));
  }
  await store.idle(); // the background checkpoints
  const at6 = await backupBytes(source.objects, { kind: 'seq', seq: 6 });
  assert.equal(at6.manifest.seq, 6);
  assert.equal(at6.manifest.log.baseSeq, 4);
  assert.equal((await validBackup(at6.bytes)).checkpoint.state.namespaces.length, 6);
  const atTime = await backupBytes(source.objects, { kind: 'time', atMs: seqTimes[9]! });
  assert.equal(atTime.manifest.seq, 9);

  const beyond = await readSnapshot(source.objects, { kind: 'seq', seq: 99 });
  assert.equal(beyond.kind, 'unavailable');
  assert.match(beyond.kind === 'unavailable' ? beyond.reason : '', /beyond the head/);

  // GC collected the log up to the checkpoint at 8 and the checkpoints before it
  for (let seq = 1; seq <= 8; seq++) await source.objects.delete(logKey(seq));
  for (const seq of [4]) await source.objects.delete(checkpointKey(seq));
  const old = await readSnapshot(source.objects, { kind: 'seq', seq: 3 });
  assert.equal(old.kind, 'unavailable');
  assert.match(old.kind === 'unavailable' ? old.reason : '', /seq 3 is before the oldest retained point: the oldest retained checkpoint is seq 8.*--at-seq 8/);
  const oldTime = await readSnapshot(source.objects, { kind: 'time', atMs: seqTimes[2]! });
  assert.equal(oldTime.kind, 'unavailable');
  const ok = await readSnapshot(source.objects, { kind: 'seq', seq: 10 });
  assert.equal(ok.kind, 'snapshot');
  await store.close();
});

test('restore refuses a non-empty root; --force restores beside foreign objects but never over a catalog', async () => {
  const source = await memoryBackend.fresh();
  const store = await openCatalog(source.objects, { checkpointInterval: 3 });
  await populate(store, { namespaces: 2, tablesPerNs: 1, viewsPerNs: 0 });
  const backup = await validBackup((await backupBytes(source.objects)).bytes);

  const overCatalog = await restoreBackup(backup, source.objects, { force: true });
  assert.equal(overCatalog.kind, 'refused');
  assert.match(overCatalog.kind === 'refused' ? overCatalog.reason : '', /already holds a Floe catalog.*even with --force/);

  const target = await memoryBackend.fresh();
  await target.objects.put('warehouse/readme.txt', Buffer.from('not ours'));
  const refused = await restoreBackup(backup, target.objects);
  assert.equal(refused.kind, 'refused');
  assert.match(refused.kind === 'refused' ? refused.reason : '', /not empty \(found warehouse\/readme.txt\); pass --force/);
  const forced = await restoreBackup(backup, target.objects, { force: true });
  assert.equal(forced.kind, 'restored');
  const kept = await target.objects.get('warehouse/readme.txt');
  assert.equal(kept.kind === 'found' && kept.body.toString(), 'not ours');
  const reopened = await CatalogStore.open(target.objects, { create: false });
  assert.equal(stateBytes(reopened), stateBytes(store));
  await reopened.close();
  await store.close();
});

test('validate-backup checks metadata-locations when asked', async () => {
  const source = await memoryBackend.fresh();
  const store = await openCatalog(source.objects);
  await populate(store, { namespaces: 1, tablesPerNs: 2, viewsPerNs: 1 });
  const { bytes } = await backupBytes(source.objects);
  const warehouse = new MemoryObjectStore('memory://wh', `wh-${process.pid}`);
  const check = async (loc: string) => ((await warehouse.head(loc.replace('file:///wh/', ''))).kind === 'found' ? 'found' as const : 'missing' as const);
  const missing = await validateArchive(Readable.from([bytes]), { checkLocation: check });
  assert.equal(missing.kind, 'invalid');
  assert.match(missing.kind === 'invalid' ? missing.problem : '', /metadata-location file:\/\/\/wh\/.* does not exist/);
  for (const p of [...store.state.tables.values(), ...store.state.views.values()]) await warehouse.put(p.metadataLocation.replace('file:///wh/', ''), Buffer.from('{}'));
  const present = await validateArchive(Readable.from([bytes]), { checkLocation: check });
  assert.equal(present.kind, 'valid');
  assert.equal(present.kind === 'valid' && present.backup.locationsChecked, 3);
  await store.close();
});
