// int64 snapshot ids over HTTP: Java and PyIceberg choose random 63-bit ids (beyond 2^53, where
// JSON.parse rounds). Bodies are sent as raw JSON text and answers are read with parseJson, so
// the test itself never rounds an id; the server must keep them exact in requirements, updates,
// metadata files and answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJson } from '../../src/util/json.js';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

const ID = '8744736658442914487';
const ID_MINUS_ONE = '8744736658442914486';
const MAX = '9223372036854775807';

let server: TestServer;
before(async () => {
  server = await startServer();
  const ns = await server.request('POST', '/v1/namespaces', { namespace: ['big'] });
  assert.equal(ns.status, 200, ns.text);
});
after(() => server.close());
assertContractAfterAll();

interface Metadata {
  'current-snapshot-id': bigint;
  refs: Record<string, { 'snapshot-id': bigint }>;
  snapshots: { 'snapshot-id': bigint; 'parent-snapshot-id'?: bigint }[];
  'snapshot-log': { 'snapshot-id': bigint }[];
}
interface Loaded { 'metadata-location': string; metadata: Metadata }

async function createTable(name: string): Promise<void> {
  const res = await server.request('POST', '/v1/namespaces/big/tables', { name, schema: SIMPLE_SCHEMA });
  assert.equal(res.status, 200, res.text);
}

async function load(name: string, query = ''): Promise<{ text: string; body: Loaded }> {
  const res = await server.request('GET', `/v1/namespaces/big/tables/${name}${query}`);
  assert.equal(res.status, 200, res.text);
  return { text: res.text, body: parseJson(res.text) as Loaded };
}

const snapshotJson = (id: string, seq: number, parent?: string): string =>
  `{"snapshot-id":${id},${parent === undefined ? '' : `"parent-snapshot-id":${parent},`}"sequence-number":${seq},` +
  `"timestamp-ms":${Date.now()},"manifest-list":"file:///tmp/x/snap-${seq}.avro","summary":{"operation":"append"}}`;

const commit = (name: string, body: string) => server.request('POST', `/v1/namespaces/big/tables/${name}`, body);

test('a 64-bit snapshot id is kept exact through commit, load, requirements and the metadata file', async () => {
  await createTable('t');
  const first = await commit('t', `{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}],"updates":[
    {"action":"add-snapshot","snapshot":${snapshotJson(ID, 1)}},
    {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${ID}}]}`);
  assert.equal(first.status, 200, first.text);
  const committed = parseJson(first.text) as Loaded;
  assert.equal(committed.metadata['current-snapshot-id'], BigInt(ID));
  assert.ok(first.text.includes(`"current-snapshot-id":${ID},`), 'the id is a JSON number, not a string');

  const { text, body } = await load('t');
  const md = body.metadata;
  assert.equal(md['current-snapshot-id'], BigInt(ID));
  assert.equal(md.refs.main['snapshot-id'], BigInt(ID));
  assert.deepEqual(md.snapshots.map((s) => s['snapshot-id']), [BigInt(ID)]);
  assert.deepEqual(md['snapshot-log'].map((e) => e['snapshot-id']), [BigInt(ID)]);
  assert.ok(text.includes(`"main":{"type":"branch","snapshot-id":${ID}}`));
  const file = readFileSync(fileURLToPath(body['metadata-location']), 'utf8');
  assert.ok(file.includes(`"current-snapshot-id":${ID},`), 'the metadata file holds the exact id');
  assert.equal((await load('t', '?snapshots=refs')).body.metadata.refs.main['snapshot-id'], BigInt(ID));

  // the exact id satisfies assert-ref-snapshot-id; the neighbour that JSON.parse would round to the same double does not
  const guarded = await commit('t', `{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":${ID}}],
    "updates":[{"action":"set-properties","updates":{"checked":"yes"}}]}`);
  assert.equal(guarded.status, 200, guarded.text);
  const stale = await commit('t', `{"requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":${ID_MINUS_ONE}}],
    "updates":[{"action":"set-properties","updates":{"stale":"yes"}}]}`);
  expectError(stale, 409, 'CommitFailedException', `Requirement failed: branch main has changed: expected id ${ID_MINUS_ONE} != ${ID}`);
  assert.equal((await load('t')).body.metadata['current-snapshot-id'], BigInt(ID));
});

test('a child of Long.MAX_VALUE, then expiring the parent, over a multi-table transaction', async () => {
  await createTable('u');
  const first = await commit('u', `{"requirements":[],"updates":[
    {"action":"add-snapshot","snapshot":${snapshotJson(MAX, 1)}},
    {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${MAX}}]}`);
  assert.equal(first.status, 200, first.text);
  const tx = await server.request('POST', '/v1/transactions/commit', `{"table-changes":[{"identifier":{"namespace":["big"],"name":"u"},
    "requirements":[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":${MAX}}],
    "updates":[{"action":"add-snapshot","snapshot":${snapshotJson(ID, 2, MAX)}},
      {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${ID}},
      {"action":"remove-snapshots","snapshot-ids":[${MAX}]}]}]}`);
  assert.equal(tx.status, 204, tx.text);
  const md = (await load('u')).body.metadata;
  assert.equal(md['current-snapshot-id'], BigInt(ID));
  assert.deepEqual(md.snapshots.map((s) => [s['snapshot-id'], s['parent-snapshot-id']]), [[BigInt(ID), BigInt(MAX)]]);
  assert.deepEqual(md['snapshot-log'].map((e) => e['snapshot-id']), [BigInt(ID)]);
});
