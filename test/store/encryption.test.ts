// Encryption at rest (issue 16, docs/design/encryption.md), on real files: the stored bytes
// reveal no name, location or property; tampered, swapped, replayed and foreign objects are
// refused naming the object; missing and wrong keys are start-up errors naming the key id;
// enabling on a plaintext catalog, rotation, re-encryption and retirement across two replicas.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '../../src/objectstore/file.js';
import {
  CatalogStore, LocalKeyring, logKey, openKeyProvider, rewrapObjects, scanEncryption, type EncryptionConfig, type Prepared,
} from '../../src/store/index.js';

const SECRET_NS = 'zebra_finance_ns_7731';
const SECRET_TABLE = 'quokka_payroll_tbl_5512';
const SECRET_LOCATION = 's3://bucket/warehouse/ocelot_location_9981/metadata/00001.metadata.json';
const SECRET_PROPERTY = 'owner-marmot-4420@example.com';
const SECRETS = [SECRET_NS, SECRET_TABLE, SECRET_LOCATION, 'ocelot_location_9981', SECRET_PROPERTY, 'pangolin_prop_key'];

const keyB64 = () => randomBytes(32).toString('base64');
const K1 = keyB64();
const K2 = keyB64();
const config = (keys: Record<string, string>, active: string): EncryptionConfig =>
  openKeyProvider({ provider: 'local', keys: Object.entries(keys).map(([id, k]) => `${id}:${k}`).join(','), active_key: active })!;

const tmp = () => mkdtempSync(join(tmpdir(), 'floe-enc-'));
const roots: FileObjectStore[] = [];
after(() => Promise.all(roots.map((r) => r.close())));
const root = (dir: string) => {
  const objects = new FileObjectStore(dir);
  roots.push(objects);
  return objects;
};
const open = (dir: string, encryption?: EncryptionConfig, more: Parameters<typeof CatalogStore.open>[1] = {}) =>
  CatalogStore.open(root(dir), { create: true, gcIntervalMs: 0, encryption, ...more });

const commit = (store: CatalogStore, effects: Extract<Prepared<null>, { kind: 'txn' }>['effects']) =>
  store.commit(async (): Promise<Prepared<null>> => ({ kind: 'txn', effects, result: null }));

async function workload(store: CatalogStore, suffix = ''): Promise<void> {
  await commit(store, [{ op: 'ns.create', ns: [SECRET_NS + suffix], properties: { pangolin_prop_key: SECRET_PROPERTY } }]);
  await commit(store, [{ op: 'table.create', ns: [SECRET_NS + suffix], name: SECRET_TABLE, to: SECRET_LOCATION }]);
  await commit(store, [{ op: 'ns.setProperties', ns: [SECRET_NS + suffix], updates: { comment: SECRET_PROPERTY }, removals: [] }]);
  await commit(store, [{ op: 'table.setPointer', ns: [SECRET_NS + suffix], name: SECRET_TABLE, expect: SECRET_LOCATION, to: SECRET_LOCATION + '.2' }]);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

function plaintextHits(dir: string): string[] {
  const hits: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const secret of SECRETS) {
      // also inside gzip: a plaintext checkpoint would hide strings from a naive grep
      if (bytes.includes(Buffer.from(secret)) || bytes.includes(Buffer.from(JSON.stringify(secret).slice(1, -1)))) hits.push(`${file}: ${secret}`);
    }
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) hits.push(`${file}: gzip in the clear`);
  }
  return hits;
}

test('after a workload no name, location or property appears in any stored byte, and a replica reads it all back', async () => {
  const dir = tmp();
  const encryption = config({ k1: K1 }, 'k1');
  const store = await open(dir, encryption, { checkpointInterval: 2 });
  await workload(store);
  await store.runGc();
  await store.idle(); // the checkpoint is written in the background
  await store.close();
  assert.ok(filesUnder(dir).some((f) => f.includes('checkpoints')), 'a checkpoint was written');
  assert.deepEqual(plaintextHits(dir), []);
  const catalogJson = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8'));
  assert.equal(catalogJson.encryption.activeKey, 'k1');
  assert.ok(!readFileSync(join(dir, 'catalog.json'), 'utf8').includes(K1), 'catalog.json never holds key material');

  const again = await open(dir, encryption);
  assert.equal(again.state.table([SECRET_NS], SECRET_TABLE)?.metadataLocation, SECRET_LOCATION + '.2');
  assert.equal(again.state.namespaces.get(SECRET_NS)?.properties.comment, SECRET_PROPERTY);
  await again.close();
  const scan = await scanEncryption(root(dir));
  assert.equal(scan.plaintext, 0);
  assert.ok(scan.byKey.k1! >= 5);
});

test('a missing key, a wrong key and no encryption at all are start-up errors naming the key id', async () => {
  const dir = tmp();
  const store = await open(dir, config({ k1: K1 }, 'k1'));
  await workload(store);
  await store.close();
  await assert.rejects(open(dir, config({ other: K2 }, 'other')), (e: Error) => /key 'k1'/.test(e.message) && /not configured/.test(e.message));
  await assert.rejects(open(dir, config({ k1: K2 }, 'k1')), (e: Error) => /key 'k1'/.test(e.message) && /does not match|wrong key/.test(e.message));
  await assert.rejects(open(dir, undefined), (e: Error) => /encrypted \(key 'k1'\)/.test(e.message));
  for (const e of [() => open(dir, config({ k1: K2 }, 'k1'))]) {
    const error = await e().catch((err: Error) => err);
    assert.ok(!String((error as Error).message).includes(K1) && !String((error as Error).message).includes(K2), 'no key material in errors');
  }
});

test('bad key configuration names the key, never the material', () => {
  assert.throws(() => openKeyProvider({ provider: 'local', keys: 'k1:short' }), (e: Error) => /key 'k1' is not 32 bytes/.test(e.message) && !e.message.includes('short'));
  assert.throws(() => openKeyProvider({ provider: 'local' }), /no keys are configured/);
  assert.throws(() => openKeyProvider({ provider: 'local', keys: `a:${K1},b:${K2}` }), /FLOE_ENCRYPTION_ACTIVE_KEY/);
  assert.throws(() => openKeyProvider({ provider: 'local', keys: `a:${K1}`, active_key: 'b' }), /'b' is not among/);
  const keyring = openKeyProvider({ provider: 'local', keys: `a:${K1}` })!.provider as LocalKeyring;
  assert.ok(!JSON.stringify(keyring).includes(K1));
});

async function encryptedRootWithEntries(): Promise<{ dir: string; encryption: EncryptionConfig; head: number }> {
  const dir = tmp();
  const encryption = config({ k1: K1 }, 'k1');
  const store = await open(dir, encryption);
  await workload(store);
  const head = store.headSeq;
  await store.close();
  return { dir, encryption, head };
}

const entryFile = (dir: string, seq: number) => join(dir, logKey(seq));

test('a flipped bit is refused naming the object', async () => {
  const { dir, encryption } = await encryptedRootWithEntries();
  const file = entryFile(dir, 3);
  const bytes = readFileSync(file);
  bytes[bytes.length - 40]! ^= 0x01;
  writeFileSync(file, bytes);
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(logKey(3)) && /altered/.test(e.message));
});

test('a flipped bit in the header (wrapped data key) is refused naming the object', async () => {
  const { dir, encryption } = await encryptedRootWithEntries();
  const file = entryFile(dir, 2);
  const bytes = readFileSync(file);
  bytes[20]! ^= 0x80;
  writeFileSync(file, bytes);
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(logKey(2)));
});

test("a swapped object (entry 3's bytes at entry 4's key) is refused naming the object", async () => {
  const { dir, encryption } = await encryptedRootWithEntries();
  copyFileSync(entryFile(dir, 3), entryFile(dir, 4));
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(logKey(4)) && /moved here from another path/.test(e.message));
});

test('an old entry replayed at a new seq is refused naming the object', async () => {
  const { dir, encryption, head } = await encryptedRootWithEntries();
  copyFileSync(entryFile(dir, 2), entryFile(dir, head + 1));
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(logKey(head + 1)));
});

test("an object from another catalog with the same key is refused naming the object", async () => {
  const { dir, encryption, head } = await encryptedRootWithEntries();
  const other = tmp();
  const foreign = await open(other, encryption);
  await workload(foreign, '_other');
  await foreign.close();
  copyFileSync(entryFile(other, 4), entryFile(dir, head + 1));
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(logKey(head + 1)) && /another catalog|altered/.test(e.message));
});

test('a plaintext entry slipped into an encrypted catalog is refused naming the object', async () => {
  const { dir, encryption, head } = await encryptedRootWithEntries();
  const entry = { v: 1, seq: head + 1, prev: 'x'.repeat(64), ts: Date.now(), replica: 'evil', txns: [] };
  writeFileSync(entryFile(dir, head + 1), JSON.stringify(entry));
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(logKey(head + 1)) && /not encrypted/.test(e.message));
});

test('enabling encryption on a plaintext catalog: new objects encrypted, old ones readable, status counts them, no plaintext after it', async () => {
  const dir = tmp();
  const plain = await open(dir, undefined, { checkpointInterval: 1000 });
  await workload(plain, '_old');
  await plain.close();
  const plaintextBefore = (await scanEncryption(root(dir))).plaintext;
  assert.ok(plaintextBefore >= 4);

  const encryption = config({ k1: K1 }, 'k1');
  const store = await open(dir, encryption);
  assert.equal(store.encryption?.active, 'k1', 'a serving replica with keys enables encryption by a log entry');
  const enabledAt = store.headSeq;
  await workload(store, '_new');
  await store.close();
  const scan = await scanEncryption(root(dir));
  assert.equal(scan.plaintext, plaintextBefore + 1, 'the enabling entry itself is the last plaintext one');
  assert.equal(scan.byKey.k1, 4);
  for (const file of filesUnder(join(dir, 'log'))) {
    const seq = Number(/(\d{20})/.exec(file)![1]);
    if (seq > enabledAt) assert.ok(!readFileSync(file).includes(Buffer.from(SECRET_NS)), `${file} is encrypted`);
  }
  const reopened = await open(dir, encryption);
  assert.ok(reopened.state.hasNamespace([SECRET_NS + '_old']) && reopened.state.hasNamespace([SECRET_NS + '_new']));
  const head = reopened.headSeq;
  await reopened.close();

  // after encryption was on, a plaintext entry is refused
  writeFileSync(entryFile(dir, head + 1), JSON.stringify({ v: 1, seq: head + 1, prev: 'x'.repeat(64), ts: 0, replica: 'evil', txns: [] }));
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(logKey(head + 1)) && /not encrypted/.test(e.message));
});

test('rotation, re-encryption and retirement round trip with two replicas on one root', async () => {
  const dir = tmp();
  const both = config({ k1: K1, k2: K2 }, 'k1');
  const a = await open(dir, both, { checkpointInterval: 3 });
  const b = await open(dir, config({ k1: K1, k2: K2 }, 'k2'), { checkpointInterval: 3 });
  await workload(a);
  assert.equal(b.encryption?.active, 'k1', 'the catalog decides the active key, not the local setting');

  assert.equal(await a.setEncryptionKey('k2'), 'changed');
  await commit(b, [{ op: 'ns.create', ns: ['after_rotation_b'], properties: {} }]);
  await commit(a, [{ op: 'ns.create', ns: ['after_rotation_a'], properties: {} }]);
  const afterRotation = await scanEncryption(root(dir));
  assert.ok(afterRotation.byKey.k2! >= 2, 'both replicas write under the new key');
  assert.ok(afterRotation.byKey.k1! >= 1, 'old objects remain under the old key');

  // retirement is refused while objects under k1 remain (what `floe keys retire` checks)
  assert.ok((await scanEncryption(a.objects.inner)).byKey.k1! > 0);
  await assert.rejects(a.retireEncryptionKey('k2'), /active key/);
  const report = await rewrapObjects(a);
  assert.ok(report.rewritten >= 1);
  assert.equal((await scanEncryption(a.objects.inner)).byKey.k1 ?? 0, 0);
  assert.equal(await b.retireEncryptionKey('k1'), 'retired');
  await a.sync();
  assert.ok(a.encryption?.keys.find((k) => k.id === 'k1')?.retired);
  await assert.rejects(a.setEncryptionKey('k1'), /retired/);
  await commit(a, [{ op: 'ns.create', ns: ['after_retire'], properties: {} }]);
  await b.sync();
  assert.ok(b.state.hasNamespace(['after_retire']));
  await a.close();
  await b.close();

  // a replica configured with k2 only now opens the whole catalog
  const c = await open(dir, config({ k2: K2 }, 'k2'));
  assert.ok(c.state.hasNamespace([SECRET_NS]) && c.state.hasNamespace(['after_rotation_b']));
  await c.close();
});

test('an object under a retired key, put back where it was, is refused naming the object and the key', async () => {
  const dir = tmp();
  const both = config({ k1: K1, k2: K2 }, 'k1');
  const store = await open(dir, both, { checkpointInterval: 2 });
  await workload(store);
  await store.idle(); // the checkpoint and hint under k1
  const hintUnderK1 = readFileSync(join(dir, '_last_checkpoint'));
  await store.setEncryptionKey('k2');
  await rewrapObjects(store);
  assert.equal(await store.retireEncryptionKey('k1'), 'retired');
  // the mutable hint, put back as it was under k1: its own bytes at its own path, only the key is retired
  writeFileSync(join(dir, '_last_checkpoint'), hintUnderK1);
  await assert.rejects(store.objects.get('_last_checkpoint'), (e: Error) => e.message.includes('_last_checkpoint') && /key 'k1', which this catalog retired/.test(e.message));
  await store.close();
});

test('a plaintext checkpoint whose state has encryption on is refused naming the object', async () => {
  const dir = tmp();
  const plain = await open(dir, undefined);
  await workload(plain, '_old'); // a plaintext catalog: catalog.json cannot refuse plaintext
  await plain.close();
  const encryption = config({ k1: K1 }, 'k1');
  const store = await open(dir, encryption, { checkpointInterval: 2 });
  await workload(store, '_new');
  await store.idle();
  await store.close();
  const checkpoints = readdirSync(join(dir, 'checkpoints')).sort();
  const newest = `checkpoints/${checkpoints[checkpoints.length - 1]}`;
  // decrypt it with the catalog's own view and store the plaintext back
  const reader = await open(dir, encryption);
  const found = await reader.objects.get(newest);
  await reader.close();
  assert.equal(found.kind, 'found');
  writeFileSync(join(dir, newest), (found as { body: Buffer }).body);
  await assert.rejects(open(dir, encryption), (e: Error) => e.message.includes(newest) && /not encrypted/.test(e.message));
});

test('enabling at start-up never rotates: a replica that enabled encryption first (with another key) wins', async () => {
  const dir = tmp();
  const a = await open(dir, config({ k1: K1, k2: K2 }, 'k1'));
  assert.equal(await a.setEncryptionKey('k2', { onlyIfOff: true }), 'unchanged');
  assert.equal(a.encryption?.active, 'k1');
  const b = await open(dir, config({ k1: K1, k2: K2 }, 'k2'));
  assert.equal(b.encryption?.active, 'k1', "b's local active key does not rotate the catalog");
  await a.close();
  await b.close();
});
