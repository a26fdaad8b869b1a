// Principals and signing keys as log effects (docs/design/principals.md): their preconditions,
// the canonical snapshot (absent while empty, so older checkpoints keep their bytes), reopening
// from the log and from a checkpoint, the backup shape checks and invariants, and private keys
// and secrets never on storage in clear when encryption is on.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrincipal, deletePrincipal, listPrincipals, rotatePrincipalSecret, rotateSigningKey, verifySecret } from '../../src/catalog/index.js';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { invariantProblem, parseCheckpointJson } from '../../src/store/backup/replay.js';
import { CatalogState, CatalogStore, encodeJson, openKeyProvider, type Effect } from '../../src/store/index.js';

const roots: FileObjectStore[] = [];
after(() => Promise.all(roots.map((r) => r.close())));
const open = (dir: string, more: Parameters<typeof CatalogStore.open>[1] = {}) => {
  const objects = new FileObjectStore(dir);
  roots.push(objects);
  return CatalogStore.open(objects, { create: true, gcIntervalMs: 0, pollIntervalMs: 0, ...more });
};

const HASH = 'scrypt$32768$8$1$c2FsdA$aGFzaA';
const jwk = { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k1' };
const create = (name: string, clientId: string): Effect => ({ op: 'principal.create', name, clientId, secretHash: HASH, roles: ['admin'], createdMs: 1 });
const addKey = (kid: string): Effect => ({ op: 'signingKey.add', kid, alg: 'EdDSA', publicJwk: { ...jwk, kid }, privateJwk: { ...jwk, kid, d: 'secret-d' }, createdMs: 1 });

test('preconditions: unique names and client ids, delete and rotate see what they expect, keys retire once', () => {
  const state = new CatalogState();
  assert.equal(state.applyEntry({ ts: 1, txns: [{ txn: 't1', effects: [create('a', 'c1'), addKey('k1')] }] }), undefined);
  assert.equal(state.conflict(create('a', 'c2')), 'principal exists');
  assert.equal(state.conflict(create('b', 'c1')), 'client id taken');
  assert.equal(state.conflict({ op: 'principal.delete', name: 'a', clientId: 'c2' }), 'principal missing');
  assert.equal(state.conflict({ op: 'principal.rotateSecret', name: 'a', expect: 'other', secretHash: HASH }), 'principal secret changed');
  assert.equal(state.conflict(addKey('k1')), 'signing key exists');
  assert.equal(state.conflict({ op: 'signingKey.retire', kid: 'k9', notAfterMs: 5 }), 'signing key missing');
  state.apply({ op: 'signingKey.retire', kid: 'k1', notAfterMs: 5 });
  assert.equal(state.conflict({ op: 'signingKey.retire', kid: 'k1', notAfterMs: 6 }), 'signing key retired');
  state.apply({ op: 'principal.delete', name: 'a', clientId: 'c1' });
  assert.equal(state.principals.size + state.principalsByClientId.size, 0);
  assert.equal(state.conflict(create('b', 'c1')), undefined, 'a deleted client id is free again');
});

test('snapshots: absent while empty (old checkpoints keep their bytes), round-trip byte for byte, checked by the backup shape and invariants', () => {
  const empty = new CatalogState().toSnapshot();
  assert.deepEqual(Object.keys(empty), ['namespaces', 'tables', 'views', 'idempotency', 'purges']);
  const state = new CatalogState();
  for (const e of [create('b', 'c2'), create('a', 'c1'), addKey('k2'), addKey('k1')]) state.apply(e);
  state.apply({ op: 'signingKey.retire', kid: 'k1', notAfterMs: 99 });
  const snapshot = state.toSnapshot();
  assert.deepEqual(snapshot.principals!.map((p) => p.name), ['a', 'b']);
  assert.deepEqual(snapshot.signingKeys!.map((k) => [k.kid, k.notAfterMs]), [['k1', 99], ['k2', undefined]]);
  assert.ok(encodeJson(CatalogState.fromSnapshot(snapshot).toSnapshot()).equals(encodeJson(snapshot)));
  const checkpoint = (s: unknown) => Buffer.from(JSON.stringify({ v: 1, catalogId: 'c', seq: 1, entryHash: '0'.repeat(64), ts: 1, state: s }));
  assert.equal(typeof parseCheckpointJson(checkpoint(snapshot)), 'object');
  assert.match(String(parseCheckpointJson(checkpoint({ ...snapshot, principals: [] }))), /malformed state.principals list/);
  assert.match(String(parseCheckpointJson(checkpoint({ ...snapshot, principals: [{ ...snapshot.principals![0], secretHash: 'plain' }] }))), /not a scrypt hash/);
  assert.match(String(parseCheckpointJson(checkpoint({ ...snapshot, signingKeys: [{ ...snapshot.signingKeys![0], alg: 'HS256' }] }))), /alg must be EdDSA or ES256/);
  assert.equal(invariantProblem(snapshot), undefined);
  assert.match(String(invariantProblem({ ...snapshot, principals: [snapshot.principals![0]!, { ...snapshot.principals![1]!, clientId: 'c1' }] })), /client id c1 belongs to two principals/);
  assert.match(String(invariantProblem({ ...snapshot, signingKeys: [snapshot.signingKeys![0]!, snapshot.signingKeys![0]!] })), /signing key k1 appears twice/);
  assert.match(String(invariantProblem({ ...snapshot, signingKeys: [{ ...snapshot.signingKeys![0]!, publicJwk: { ...jwk, d: 'x' } }] })), /private part/);
});

test('a store: create, rotate, delete and key rotation replicate through the log and a checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-principals-'));
  const store = await open(dir, { checkpointInterval: 2 });
  const other = await open(dir);
  const made = await createPrincipal(store, 'admin', ['admin', 'admin', 'ops']);
  assert.deepEqual(made.roles, ['admin', 'ops']);
  assert.equal(store.state.signingKeys.size, 1, 'the first principal brings the first signing key');
  await createPrincipal(store, 'reader', []);
  await assert.rejects(createPrincipal(other, 'admin', []), /principal admin exists/);
  const rotated = await rotatePrincipalSecret(other, 'admin');
  assert.equal(await verifySecret(made.clientSecret, other.state.principals.get('admin')!.secretHash), false, 'the old secret stops working');
  assert.equal(await verifySecret(rotated.clientSecret, other.state.principals.get('admin')!.secretHash), true);
  const rotation = await rotateSigningKey(other);
  assert.equal(rotation.retired.length, 1);
  await deletePrincipal(other, 'reader');
  await store.idle();
  await store.close();
  await other.close();
  const reopened = await open(dir);
  assert.deepEqual(listPrincipals(reopened.state).map((p) => [p.name, p.clientId]), [['admin', made.clientId]]);
  assert.equal(reopened.state.signingKeys.size, 2);
  assert.ok(reopened.lastCheckpoint > 0, 'read through a checkpoint');
  await reopened.close();
});

test('unknown client ids cost a full check and never match', async () => {
  assert.equal(await verifySecret('anything', undefined), false);
  assert.equal(await verifySecret('anything', 'scrypt$3$8$1$c2FsdA$aGFzaA'), false, 'N must be a power of two');
  assert.equal(await verifySecret('anything', 'bcrypt$x'), false);
});

test('with encryption on, neither the private signing key nor the secret hash is on storage in clear', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-principals-enc-'));
  const encryption = openKeyProvider({ provider: 'local', keys: `k1:${randomBytes(32).toString('base64')}`, active_key: 'k1' })!;
  const store = await open(dir, { encryption, checkpointInterval: 1 });
  await createPrincipal(store, 'admin', []);
  await store.idle();
  const key = [...store.state.signingKeys.values()][0]!;
  const hash = store.state.principals.get('admin')!.secretHash;
  await store.close();
  const files = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
  for (const file of files(dir)) {
    const bytes = readFileSync(file);
    for (const secret of [key.privateJwk.d!, hash.split('$')[5]!, 'admin']) assert.ok(!bytes.includes(secret), `${file} holds ${secret.slice(0, 6)}… in clear`);
  }
});
