// iceberg-js (0.8.1, the newest that installs on Node 20) against the real server: its
// namespace and table calls work, and the request shapes it sends that break the spec are
// refused with a 400 envelope instead of being half-applied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { IcebergRestCatalog } from 'iceberg-js';
import { assertContractAfterAll, startServer, type TestServer } from '../http/harness.js';

let server: TestServer;
let catalog: IcebergRestCatalog;
before(async () => {
  server = await startServer();
  catalog = new IcebergRestCatalog({ baseUrl: server.url });
});
after(() => server.close());
assertContractAfterAll();

const schema = {
  type: 'struct' as const,
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'ts', type: 'timestamp', required: false },
  ],
};

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

test('namespaces through iceberg-js', async () => {
  const created = await catalog.createNamespace({ namespace: ['analytics'] }, { properties: { owner: 'data-team' } });
  assert.deepEqual(created.namespace, ['analytics']);
  await catalog.createNamespace({ namespace: ['analytics', 'daily'] });
  assert.deepEqual(await catalog.listNamespaces(), [{ namespace: ['analytics'] }]);
  assert.deepEqual(await catalog.listNamespaces({ namespace: ['analytics'] }), [{ namespace: ['analytics', 'daily'] }]);
  assert.equal((await catalog.loadNamespaceMetadata({ namespace: ['analytics'] })).properties.owner, 'data-team');
  assert.equal(await catalog.namespaceExists({ namespace: ['analytics', 'daily'] }), true);
  assert.equal(await catalog.namespaceExists({ namespace: ['nope'] }), false);
  assert.equal(await catalog.createNamespaceIfNotExists({ namespace: ['analytics'] }), undefined);
  await catalog.dropNamespace({ namespace: ['analytics', 'daily'] });
  assert.equal(await catalog.namespaceExists({ namespace: ['analytics', 'daily'] }), false);
});

test('tables through iceberg-js', async () => {
  await catalog.createNamespaceIfNotExists({ namespace: ['web'] });
  const metadata = await catalog.createTable({ namespace: ['web'] }, { name: 'events', schema });
  assert.equal(metadata['format-version'], 2);
  assert.equal(metadata['current-schema-id'], 0);
  assert.deepEqual(await catalog.listTables({ namespace: ['web'] }), [{ namespace: ['web'], name: 'events' }]);
  const loaded = await catalog.loadTable({ namespace: ['web'], name: 'events' });
  assert.equal(loaded.location, metadata.location);
  assert.equal(await catalog.tableExists({ namespace: ['web'], name: 'events' }), true);
  const again = await catalog.createTableIfNotExists({ namespace: ['web'] }, { name: 'events', schema });
  assert.equal(again.location, metadata.location);
  await catalog.dropTable({ namespace: ['web'], name: 'events' });
  assert.equal(await catalog.tableExists({ namespace: ['web'], name: 'events' }), false);
});

test("iceberg-js's invalid shapes are 400s and change nothing", async () => {
  await catalog.createNamespaceIfNotExists({ namespace: ['bad'] });
  // its PartitionSpec type uses snake_case source_id/field_id, which the spec does not know
  const partitioned = catalog.createTable({ namespace: ['bad'] }, {
    name: 'p',
    schema,
    'partition-spec': { 'spec-id': 0, fields: [{ source_id: 2, field_id: 1000, name: 'ts_day', transform: 'day' }] },
  } as Parameters<IcebergRestCatalog['createTable']>[1]);
  assert.equal(await status(partitioned), 400);
  assert.equal(await catalog.tableExists({ namespace: ['bad'], name: 'p' }), false);
  // an unknown column type
  const badType = catalog.createTable({ namespace: ['bad'] }, { name: 'q', schema: { ...schema, fields: [{ id: 1, name: 'x', type: 'varchar', required: true }] } });
  assert.equal(await status(badType), 400);
  // its updateTable sends {properties} instead of a CommitTableRequest
  await catalog.createTable({ namespace: ['bad'] }, { name: 'ok', schema });
  const before = await catalog.loadTable({ namespace: ['bad'], name: 'ok' });
  assert.equal(await status(catalog.updateTable({ namespace: ['bad'], name: 'ok' }, { properties: { a: 'b' } })), 400);
  const after = await catalog.loadTable({ namespace: ['bad'], name: 'ok' });
  assert.deepEqual(after.properties, before.properties);
});
