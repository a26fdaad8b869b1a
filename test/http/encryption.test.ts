// Encryption at rest through the REST API: namespaces, tables, views, properties and
// idempotency records (which hold whole responses) leave no plaintext in the catalog store,
// and a second server on the same root reads it all back; the warehouse is not Floe's to encrypt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertContractAfterAll, SIMPLE_SCHEMA, startServer } from './harness.js';

assertContractAfterAll();

const SECRETS = {
  ns: 'capybara_hr_ns_3141',
  table: 'axolotl_salaries_2718',
  propKey: 'tapir_cost_center',
  propValue: 'okapi-cc-1618@example.com',
  tableProp: 'gecko_retention_days',
};

function storedFiles(dir: string): { file: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((file) => ({ file, bytes: readFileSync(file) }));
}

test('a REST workload leaves no name, location or property in the catalog store; a second server reads it back', async () => {
  const root = mkdtempSync(join(tmpdir(), 'floe-enc-http-'));
  const env = { FLOE_ENCRYPTION_PROVIDER: 'local', FLOE_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, FLOE_CATALOG_CHECKPOINT_INTERVAL: '3' };
  const server = await startServer({ storage: `file://${root}`, env });
  let warehouseDir: string;
  try {
    warehouseDir = server.warehouseDir;
    const idem = { 'idempotency-key': randomUUID() };
    assert.equal((await server.request('POST', '/v1/namespaces', { namespace: [SECRETS.ns], properties: { [SECRETS.propKey]: SECRETS.propValue } }, idem)).status, 200);
    const created = await server.request('POST', `/v1/namespaces/${SECRETS.ns}/tables`, { name: SECRETS.table, schema: SIMPLE_SCHEMA, properties: { [SECRETS.tableProp]: '30' } }, { 'idempotency-key': randomUUID() });
    assert.equal(created.status, 200);
    const commit = await server.request('POST', `/v1/namespaces/${SECRETS.ns}/tables/${SECRETS.table}`, { requirements: [], updates: [{ action: 'set-properties', updates: { [SECRETS.tableProp]: '31' } }] }, { 'idempotency-key': randomUUID() });
    assert.equal(commit.status, 200);
  } finally {
    await server.close();
  }
  const metadataLocation = JSON.stringify(warehouseDir!).slice(1, -1);
  for (const { file, bytes } of storedFiles(root)) {
    for (const secret of [...Object.values(SECRETS), metadataLocation]) {
      assert.ok(!bytes.includes(Buffer.from(secret)), `${file} holds ${secret} in plaintext`);
    }
  }
  // the warehouse's metadata files are read by engines: plaintext there is expected
  assert.ok(storedFiles(warehouseDir!).some(({ bytes }) => bytes.includes(Buffer.from(SECRETS.tableProp))));

  const again = await startServer({ storage: `file://${root}`, warehouse: `file://${warehouseDir!}`, env });
  try {
    const loaded = await again.request('GET', `/v1/namespaces/${SECRETS.ns}/tables/${SECRETS.table}`);
    assert.equal(loaded.status, 200);
    assert.equal(loaded.body.metadata.properties[SECRETS.tableProp], '31');
    assert.equal((await again.request('GET', `/v1/namespaces/${SECRETS.ns}`)).body.properties[SECRETS.propKey], SECRETS.propValue);
  } finally {
    await again.close();
  }
});
