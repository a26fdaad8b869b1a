// Round trips through az:// against azurite (from node_modules, in memory, on a free port):
// file -> azurite and azurite -> file, through the same code paths the CLI uses.
import { test, before, after } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { openObjectStore } from '../../src/objectstore/index.js';
import { freePort, startNodeServer, type ChildServer } from '../objectstore/helpers.js';
import { fileBackend, roundTrip, type Backend } from './helpers.js';

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
  test(`round trip ${sourceBackend.name} -> ${targetBackend.name}`, () => roundTrip(sourceBackend, targetBackend));
}
