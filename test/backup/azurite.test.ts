// Round trips through az:// against azurite (from node_modules, in memory, on a free port):
// file -> azurite and azurite -> file, through the same code paths the CLI uses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { openObjectStore } from '../../src/objectstore/index.js';
import { CatalogStore } from '../../src/store/catalog-store.js';
import { buildMembers, readSnapshot, restoreBackup, validateArchive, writeArchive } from '../../src/store/backup/index.js';
import { freePort, startNodeServer, type ChildServer } from '../objectstore/helpers.js';
import { commitEffects, fileBackend, openCatalog, populate, stateBytes, type Backend } from './helpers.js';

// azurite's published well-known development account; not a secret
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'floe-backup';

let server: ChildServer | undefined;
let savedConnectionString: string | undefined;
let rootCounter = 0;

const azuriteBackend: Backend = {
  name: 'azurite',
  async fresh() {
    const url = `az://${CONTAINER}/root-${process.pid}-${++rootCounter}`;
    return { objects: openObjectStore(url, {}), url };
  },
};

before(async () => {
  const port = await freePort();
  server = await startNodeServer(
    ['node_modules/azurite/dist/src/blob/main.js', '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--disableTelemetry', '--silent'],
    port,
  );
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`;
  await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(CONTAINER).createIfNotExists();
  savedConnectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;
  process.env.AZURE_STORAGE_CONNECTION_STRING = connectionString;
});

after(async () => {
  if (savedConnectionString === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
  else process.env.AZURE_STORAGE_CONNECTION_STRING = savedConnectionString;
  await server?.stop();
});

for (const [sourceBackend, targetBackend] of [[fileBackend, azuriteBackend], [azuriteBackend, fileBackend]] as const) {
  test(`round trip ${sourceBackend.name} -> ${targetBackend.name}`, async () => {
    const source = await sourceBackend.fresh();
    const store = await openCatalog(source.objects, { checkpointInterval: 4 });
    await populate(store, { namespaces: 2, tablesPerNs: 3, viewsPerNs: 1 });
    await new Promise((r) => setTimeout(r, 200));
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
  });
}
