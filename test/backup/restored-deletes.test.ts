// A restored catalog beside its source, on the same warehouse (the restore drill): it must not
// delete the files the source still uses — no purge, no deletion of old metadata files or of a
// dropped view's file — unless the operator allows it with `floe restore --allow-purge` or
// [catalog] allow_purge_of_restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectError, SIMPLE_SCHEMA, startServer, type TestServer } from '../http/harness.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const tempDir = () => mkdtempSync(join(tmpdir(), 'floe-restored-'));

function floe(args: string[]): string {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FLOE_')) delete env[key];
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `floe ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

const localPath = (location: string) => fileURLToPath(location);

async function createTable(server: TestServer, name: string): Promise<string> {
  const created = await server.request('POST', '/v1/namespaces/db/tables', {
    name,
    schema: SIMPLE_SCHEMA,
    // what makes every commit delete the oldest metadata file
    properties: { 'write.metadata.delete-after-commit.enabled': 'true', 'write.metadata.previous-versions-max': '1' },
  });
  assert.equal(created.status, 200, created.text);
  return created.body['metadata-location'];
}

async function setProperty(server: TestServer, table: string, value: string): Promise<string> {
  const res = await server.request('POST', `/v1/namespaces/db/tables/${table}`, { requirements: [], updates: [{ action: 'set-properties', updates: { n: value } }] });
  assert.equal(res.status, 200, res.text);
  return res.body['metadata-location'];
}

test('a restored catalog sharing its source warehouse deletes nothing of it unless allowed', async () => {
  const warehouseDir = tempDir();
  const warehouse = `file://${warehouseDir}`;
  const sourceRoot = `file://${tempDir()}`;
  const source = await startServer({ storage: sourceRoot, warehouse });
  let restored: TestServer | undefined;
  try {
    assert.equal((await source.request('POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
    for (const name of ['t', 't1', 't2']) {
      await createTable(source, name);
      await setProperty(source, name, 'source');
    }
    const view = await source.request('POST', '/v1/namespaces/db/views', {
      name: 'v',
      schema: SIMPLE_SCHEMA,
      'view-version': { 'version-id': 1, 'timestamp-ms': 1, 'schema-id': 0, summary: {}, 'default-namespace': ['db'], representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }] },
      properties: {},
    });
    assert.equal(view.status, 200, view.text);

    const archive = join(tempDir(), 'catalog.tar');
    floe(['backup', '--storage', sourceRoot, '--output', archive]);
    const drillRoot = `file://${tempDir()}`;
    const restoreOut = floe(['restore', '--input', archive, '--storage', drillRoot]);
    assert.match(restoreOut, /deletes no table files it did not write/);
    const identity = JSON.parse(readFileSync(join(localPath(drillRoot), 'catalog.json'), 'utf8')) as { restoredFrom: { allowPurge: boolean } };
    assert.equal(identity.restoredFrom.allowPurge, false, 'every replica reads the restriction from catalog.json');

    const before = filesUnder(warehouseDir);
    restored = await startServer({ storage: drillRoot, warehouse });
    // commits that would delete old metadata files: the source's files stay
    await setProperty(restored, 't', 'drill-1');
    await setProperty(restored, 't', 'drill-2');
    // dropping a view deletes its metadata file, which the source's view still points at
    assert.equal((await restored.request('DELETE', '/v1/namespaces/db/views/v')).status, 204);
    // a purge is refused, and nothing is dropped
    const purge = await restored.request('DELETE', '/v1/namespaces/db/tables/t?purgeRequested=true');
    expectError(purge, 403, 'ForbiddenException', /restored from catalog .*allow_purge_of_restored/);
    assert.equal((await restored.request('GET', '/v1/namespaces/db/tables/t')).status, 200, 'the refused purge dropped nothing');
    const gone = before.filter((file) => !existsSync(file));
    assert.deepEqual(gone, [], 'the restored catalog deleted none of the files that existed before it');
    // the source still loads everything
    for (const name of ['t', 't1', 't2']) assert.equal((await source.request('GET', `/v1/namespaces/db/tables/${name}`)).status, 200);
    assert.equal((await source.request('GET', '/v1/namespaces/db/views/v')).status, 200);
    // a plain drop (no purge) still works and deletes nothing
    assert.equal((await restored.request('DELETE', '/v1/namespaces/db/tables/t')).status, 204);
    await restored.close();
    restored = undefined;

    // the operator's override in the configuration: purge runs
    restored = await startServer({ storage: drillRoot, warehouse, env: { FLOE_ALLOW_PURGE_OF_RESTORED: 'true' } });
    const t1 = (await restored.request('GET', '/v1/namespaces/db/tables/t1')).body['metadata-location'] as string;
    assert.equal((await restored.request('DELETE', '/v1/namespaces/db/tables/t1?purgeRequested=true')).status, 204);
    assert.equal(existsSync(localPath(t1)), false, 'allowed by [catalog] allow_purge_of_restored: purged');
    await restored.close();
    restored = undefined;

    // restored with --allow-purge: recorded in catalog.json, purge runs
    const allowedRoot = `file://${tempDir()}`;
    floe(['restore', '--input', archive, '--storage', allowedRoot, '--allow-purge']);
    const allowed = JSON.parse(readFileSync(join(localPath(allowedRoot), 'catalog.json'), 'utf8')) as { restoredFrom: { allowPurge: boolean } };
    assert.equal(allowed.restoredFrom.allowPurge, true);
    restored = await startServer({ storage: allowedRoot, warehouse });
    const t2 = (await restored.request('GET', '/v1/namespaces/db/tables/t2')).body['metadata-location'] as string;
    assert.equal((await restored.request('DELETE', '/v1/namespaces/db/tables/t2?purgeRequested=true')).status, 204);
    assert.equal(existsSync(localPath(t2)), false, 'restored with --allow-purge: purged');
  } finally {
    await restored?.close();
    await source.close();
  }
});
