// az:// through the shared conformance suite against azurite (from node_modules, in memory,
// on a free port), plus the start-up messages for a missing container and bad credentials.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { openObjectStore, probeConditionalWrites } from '../../src/objectstore/index.js';
import { AzureObjectStore, type AzureAuth } from '../../src/objectstore/azure.js';
import { azureAuth } from '../../src/objectstore/cloud.js';
import { conformance } from './conformance.js';
import { freePort, startNodeServer, type ChildServer } from './helpers.js';

// azurite's published well-known development account; not a secret
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'floe-conformance';
const MB = 1024 * 1024;

let server: ChildServer | undefined;
let blobEndpoint = '';

function connectionString(): string {
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;
}

function store(container = CONTAINER, auth: AzureAuth = { kind: 'connectionString', connectionString: connectionString() }) {
  return new AzureObjectStore({ container, auth, singleShotBytesMax: 8 * MB, blockBytes: 8 * MB });
}

before(async () => {
  const port = await freePort();
  server = await startNodeServer(
    [
      'node_modules/azurite/dist/src/blob/main.js',
      '--blobHost', '127.0.0.1',
      '--blobPort', String(port),
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--silent',
    ],
    port,
  );
  blobEndpoint = `http://127.0.0.1:${port}/${ACCOUNT}`;
  await BlobServiceClient.fromConnectionString(connectionString()).getContainerClient(CONTAINER).createIfNotExists();
});
after(async () => {
  await server?.stop();
});

conformance('azure (azurite)', () => store());

describe('azure specifics', () => {
  it('account + key with an endpoint override works like the connection string', async () => {
    const s = store(CONTAINER, { kind: 'sharedKey', account: ACCOUNT, accountKey: ACCOUNT_KEY, endpoint: blobEndpoint });
    assert.deepEqual(await probeConditionalWrites(s), { ok: true });
  });

  it('openObjectStore(az://container/prefix) reads the connection string from the environment', async () => {
    const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
    process.env.AZURE_STORAGE_CONNECTION_STRING = connectionString();
    try {
      const s = openObjectStore(`az://${CONTAINER}/some/prefix`);
      assert.equal(s.displayUrl, `az://${CONTAINER}/some/prefix`);
      assert.ok(!s.displayUrl.includes(ACCOUNT_KEY));
      assert.deepEqual(await probeConditionalWrites(s), { ok: true });
    } finally {
      if (saved === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
      else process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    }
  });

  it('the probe names a missing container clearly', async () => {
    const result = await probeConditionalWrites(store(`missing-${randomBytes(4).toString('hex')}`));
    assert.ok(!result.ok);
    assert.match(result.message, /^az:\/\/missing-\w+: the bucket or container does not exist \(.*ContainerNotFound/);
  });

  it('the probe names a wrong account key as access denied, without echoing it', async () => {
    const wrongKey = Buffer.from('not the key').toString('base64');
    const result = await probeConditionalWrites(
      store(CONTAINER, { kind: 'sharedKey', account: ACCOUNT, accountKey: wrongKey, endpoint: blobEndpoint }),
    );
    assert.ok(!result.ok);
    assert.match(result.message, /access denied/);
    assert.ok(!result.message.includes(wrongKey));
  });

  it('a put above the single-shot size goes up in blocks', async () => {
    const s = new AzureObjectStore({
      container: CONTAINER,
      auth: { kind: 'connectionString', connectionString: connectionString() },
      singleShotBytesMax: 1 * MB,
      blockBytes: 1 * MB,
    });
    const body = randomBytes(3 * MB + 17);
    const put = await s.put(`blocks/${randomBytes(4).toString('hex')}`, body);
    assert.equal(put.kind, 'created');
  });

  it('auth: connection string, else account + key, else DefaultAzureCredential; an account is required', () => {
    assert.equal(azureAuth({}, { AZURE_STORAGE_CONNECTION_STRING: 'x' }).kind, 'connectionString');
    assert.deepEqual(azureAuth({ azure_storage_account: 'acct', azure_endpoint: 'http://h/acct' }, { AZURE_STORAGE_KEY: 'k' }), {
      kind: 'sharedKey',
      account: 'acct',
      accountKey: 'k',
      endpoint: 'http://h/acct',
    });
    assert.equal(azureAuth({}, { AZURE_STORAGE_ACCOUNT: 'acct' }).kind, 'tokenCredential');
    assert.throws(() => azureAuth({}, {}), /az:\/\/ needs a storage account/);
  });
});
