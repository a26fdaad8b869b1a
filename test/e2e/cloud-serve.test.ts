// End to end on real cloud backends: real `floe serve` child processes over s3:// (Ceph
// radosgw, from scripts/ci-services.sh) and az:// (azurite, from node_modules). Catalog
// state survives a restart; two replicas on one prefix see each other's acknowledged commits
// on their very next request; a backend that ignores conditional writes (s3rver), a missing
// bucket / container and wrong credentials stop `floe serve` with one line, no stack trace and
// no secret in the output.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { startNodeServer, type ChildServer } from '../objectstore/helpers.js';
import { childEnv, freePort, request, runFloe, startFloeServe, stopAllFloe, type RunResult } from './processes.js';

const S3_ENDPOINT = process.env.FLOE_TEST_S3_ENDPOINT;
const S3_BUCKET = process.env.FLOE_TEST_S3_BUCKET;
const S3_REGION = process.env.FLOE_TEST_S3_REGION ?? 'us-east-1';
const S3_ACCESS_KEY = process.env.AWS_ACCESS_KEY_ID ?? '';
const S3_SECRET_KEY = process.env.AWS_SECRET_ACCESS_KEY ?? '';

// azurite's published well-known development account; not a secret, but Floe must not print it
const AZ_ACCOUNT = 'devstoreaccount1';
const AZ_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZ_CONTAINER = 'floe-e2e';

/**
 * A refused start must not wait for a request timeout (30 s) or long retries. Loading Floe and
 * an SDK from source takes 3-10 s on a busy CI machine, so the bound is generous.
 */
const FAIL_FAST_MS_MAX = 30_000;
const CONCURRENT_COMMITS_PER_REPLICA = 4;

const SCHEMA = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };

interface TableResult {
  'metadata-location': string;
  metadata: { 'table-uuid': string; location: string; properties?: Record<string, string> };
}

function rand(): string {
  return randomBytes(5).toString('hex');
}

function asTable(result: { status: number; body: unknown; text: string }, what: string): TableResult {
  assert.equal(result.status, 200, `${what}: HTTP ${result.status} ${result.text}`);
  const body = result.body as TableResult;
  assert.equal(typeof body['metadata-location'], 'string', `${what}: no metadata-location in ${result.text}`);
  return body;
}

async function createNamespace(url: string, ns: string): Promise<void> {
  const created = await request(url, 'POST', '/v1/namespaces', { namespace: [ns] });
  assert.equal(created.status, 200, `create namespace ${ns}: HTTP ${created.status} ${created.text}`);
}

async function createTable(url: string, ns: string, name: string): Promise<TableResult> {
  return asTable(await request(url, 'POST', `/v1/namespaces/${ns}/tables`, { name, schema: SCHEMA }), `create ${ns}.${name}`);
}

async function loadTable(url: string, ns: string, name: string): Promise<TableResult> {
  return asTable(await request(url, 'GET', `/v1/namespaces/${ns}/tables/${name}`), `load ${ns}.${name}`);
}

async function setProperty(url: string, ns: string, name: string, uuid: string, key: string, value: string): Promise<TableResult> {
  const commit = await request(url, 'POST', `/v1/namespaces/${ns}/tables/${name}`, {
    requirements: [{ type: 'assert-table-uuid', uuid }],
    updates: [{ action: 'set-properties', updates: { [key]: value } }],
  });
  return asTable(commit, `commit ${key}=${value} to ${ns}.${name} via ${url}`);
}

async function listNamespaces(url: string): Promise<string[]> {
  const listed = await request(url, 'GET', '/v1/namespaces');
  assert.equal(listed.status, 200, listed.text);
  return (listed.body as { namespaces: string[][] }).namespaces.map((parts) => parts.join('.')).sort();
}

function assertCleanFailure(result: RunResult, message: RegExp, secrets: string[]): void {
  const output = `--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
  assert.notEqual(result.code, 0, `expected a non-zero exit:\n${output}`);
  assert.equal(result.signal, null, `killed by ${result.signal} (hung?):\n${output}`);
  assert.ok(result.ms < FAIL_FAST_MS_MAX, `took ${result.ms} ms:\n${output}`);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  assert.equal(lines.length, 1, `expected exactly one line on stderr:\n${output}`);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(result.stderr, /^\s+at /m, `stack trace on stderr:\n${output}`);
  assert.doesNotMatch(result.stdout + result.stderr, /serving at/, output);
  for (const secret of secrets) {
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), `a credential was printed:\n${output}`);
  }
}

interface Backend {
  /** s3://bucket or az://container */
  root: string;
  env: NodeJS.ProcessEnv;
  secrets: string[];
}

/**
 * The catalog on `backend`, in two rounds of processes: one creates and commits and is stopped
 * (SIGTERM); then two replicas start on the same prefix at once: the restarted one (same flags)
 * and one without --warehouse (so it uses the default, <storage URL>/warehouse). Both find
 * everything, then commit interleaved and concurrently, each seeing the other's acknowledged
 * commits on its very next request, and agree at the end.
 */
function catalogScenario(label: string, skip: string | false, backend: () => Backend): void {
  it(`${label}: create, commit, SIGTERM; restart as two replicas on one prefix: all there, commits seen at once`, { skip }, async () => {
    const { root, env, secrets } = backend();
    const storage = `${root}/cat-${rand()}`;
    const warehouse = `${root}/wh-${rand()}`;
    const explicit = ['--storage', storage, '--warehouse', warehouse, '--port', '0'];
    const timings: string[] = [];

    // round 1: one process
    const first = await startFloeServe(explicit, env);
    timings.push(`first start ${first.startMs} ms`);
    await createNamespace(first.url, 'ns');
    const created = await createTable(first.url, 'ns', 't');
    assert.ok(created['metadata-location'].startsWith(`${warehouse}/ns/t-`), created['metadata-location']);
    const uuid = created.metadata['table-uuid'];
    const committed = await setProperty(first.url, 'ns', 't', uuid, 'k', 'v');
    assert.notEqual(committed['metadata-location'], created['metadata-location']);
    await createNamespace(first.url, 'other');
    const firstExit = await first.stop();
    assert.deepEqual(firstExit, { code: 0, signal: null }, `first process:\n${first.stderr()}`);

    // round 2: the restarted process (a) and a second replica with the default warehouse (b)
    const replicas = await Promise.all([
      // the two warehouses differ: each reads the other's tables only because it is allowed to
      startFloeServe(explicit, { ...env, FLOE_ALLOWED_LOCATIONS: `${storage}/warehouse` }),
      startFloeServe(['--storage', storage, '--port', '0'], { ...env, FLOE_ALLOWED_LOCATIONS: warehouse }),
    ]);
    timings.push(`replica starts ${replicas.map((r) => r.startMs).join(' / ')} ms`);
    try {
      const [a, b] = replicas;
      for (const replica of replicas) {
        assert.deepEqual(await listNamespaces(replica.url), ['ns', 'other']);
        const loaded = await loadTable(replica.url, 'ns', 't');
        assert.equal(loaded['metadata-location'], committed['metadata-location']);
        assert.equal(loaded.metadata['table-uuid'], uuid);
        assert.equal(loaded.metadata.properties?.k, 'v');
      }

      // no --warehouse: a cloud storage URL's default warehouse is <storage URL>/warehouse
      const defaulted = await createTable(b.url, 'ns', 'in_default_warehouse');
      assert.ok(
        defaulted['metadata-location'].startsWith(`${storage}/warehouse/ns/in_default_warehouse-`),
        `default warehouse: ${defaulted['metadata-location']}`,
      );
      assert.ok(defaulted.metadata.location.startsWith(`${storage}/warehouse/ns/`), defaulted.metadata.location);
      assert.equal((await loadTable(a.url, 'ns', 'in_default_warehouse'))['metadata-location'], defaulted['metadata-location']);

      // interleaved: every acknowledged commit is visible on the other replica's next request
      const expected: Record<string, string> = { k: 'v' };
      for (let i = 0; i < 6; i++) {
        const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
        const acked = await setProperty(writer.url, 'ns', 't', uuid, `seq${i}`, `v${i}`);
        expected[`seq${i}`] = `v${i}`;
        const seen = await loadTable(reader.url, 'ns', 't');
        assert.equal(seen['metadata-location'], acked['metadata-location'], `commit ${i} not seen by the other replica`);
        for (const [k, v] of Object.entries(expected)) assert.equal(seen.metadata.properties?.[k], v, `property ${k} after commit ${i}`);
      }
      await createNamespace(b.url, 'ns2');
      assert.deepEqual(await listNamespaces(a.url), ['ns', 'ns2', 'other']);

      // concurrent: both replicas race on the same table; every acknowledged commit survives
      const racing = replicas.flatMap((replica, r) =>
        Array.from({ length: CONCURRENT_COMMITS_PER_REPLICA }, (_, i) =>
          setProperty(replica.url, 'ns', 't', uuid, `race-${r}-${i}`, `${r}.${i}`),
        ),
      );
      const started = Date.now();
      const acknowledged = await Promise.all(racing);
      timings.push(`${racing.length} racing commits ${Date.now() - started} ms`);
      const locations = new Set(acknowledged.map((c) => c['metadata-location']));
      assert.equal(locations.size, acknowledged.length, 'two acknowledged commits share one metadata file');
      for (let r = 0; r < 2; r++) {
        for (let i = 0; i < CONCURRENT_COMMITS_PER_REPLICA; i++) expected[`race-${r}-${i}`] = `${r}.${i}`;
      }

      const [fromA, fromB] = await Promise.all([loadTable(a.url, 'ns', 't'), loadTable(b.url, 'ns', 't')]);
      assert.equal(fromA['metadata-location'], fromB['metadata-location'], 'the replicas disagree on metadata-location');
      assert.ok(locations.has(fromA['metadata-location']), 'the current metadata is not one of the acknowledged commits');
      for (const [k, v] of Object.entries(expected)) {
        assert.equal(fromA.metadata.properties?.[k], v, `replica a lost ${k}`);
        assert.equal(fromB.metadata.properties?.[k], v, `replica b lost ${k}`);
      }
    } finally {
      const exits = await Promise.all(replicas.map((r) => r.stop()));
      for (const [i, exit] of exits.entries()) {
        assert.deepEqual(exit, { code: 0, signal: null }, `replica ${i}:\n${replicas[i]!.stderr()}`);
      }
    }
    for (const secret of secrets) {
      for (const p of [first, ...replicas]) {
        assert.ok(!p.stdout().includes(secret) && !p.stderr().includes(secret), 'a credential was printed');
      }
    }
    process.stderr.write(`# ${label}: ${timings.join(', ')}\n`);
  });
}

// ------------------------------------------------------------------ emulators and environments

let azurite: ChildServer | undefined;
let s3rver: ChildServer | undefined;
let s3rverDir = '';
let azConnectionString = '';

const haveRadosgw = Boolean(S3_ENDPOINT && S3_BUCKET);

function radosgwEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    FLOE_AWS_ENDPOINT: S3_ENDPOINT ?? '',
    FLOE_AWS_ALLOW_HTTP: 'true',
    AWS_REGION: S3_REGION,
    AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
    ...extra,
  });
}

function azureEnv(): NodeJS.ProcessEnv {
  return childEnv({ AZURE_STORAGE_CONNECTION_STRING: azConnectionString });
}

before(async () => {
  const [azuritePort, s3rverPort] = await Promise.all([freePort(), freePort()]);
  s3rverDir = mkdtempSync(join(tmpdir(), 'floe-e2e-s3rver-'));
  [azurite, s3rver] = await Promise.all([
    startNodeServer(
      [
        'node_modules/azurite/dist/src/blob/main.js',
        '--blobHost', '127.0.0.1',
        '--blobPort', String(azuritePort),
        '--inMemoryPersistence',
        '--disableTelemetry',
        '--silent',
      ],
      azuritePort,
    ),
    startNodeServer(
      ['node_modules/s3rver/bin/s3rver.js', '-d', s3rverDir, '-a', '127.0.0.1', '-p', String(s3rverPort), '--silent', '--configure-bucket', 'meta'],
      s3rverPort,
      // s3rver's list paging uses DES, which OpenSSL 3 only has in the legacy provider
      { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    ),
  ]);
  const blobEndpoint = `http://127.0.0.1:${azuritePort}/${AZ_ACCOUNT}`;
  azConnectionString = `DefaultEndpointsProtocol=http;AccountName=${AZ_ACCOUNT};AccountKey=${AZ_KEY};BlobEndpoint=${blobEndpoint};`;
  await BlobServiceClient.fromConnectionString(azConnectionString).getContainerClient(AZ_CONTAINER).createIfNotExists();
});

after(async () => {
  await stopAllFloe();
  await Promise.all([azurite?.stop(), s3rver?.stop()]);
  if (s3rverDir) rmSync(s3rverDir, { recursive: true, force: true });
});

if (!haveRadosgw && process.env.CI !== 'true') {
  process.stderr.write(
    '\n*** s3 end-to-end tests (floe serve on radosgw) SKIPPED: FLOE_TEST_S3_ENDPOINT is not set.\n' +
      '*** Start radosgw with:  eval "$(bash scripts/ci-services.sh)"   (about 20 s; installs it via apt if missing)\n',
  );
}

function requireRadosgw(): void {
  if (!haveRadosgw) {
    assert.fail('CI=true but FLOE_TEST_S3_ENDPOINT / FLOE_TEST_S3_BUCKET are not set: `eval "$(bash scripts/ci-services.sh)"` before the tests');
  }
}

const s3Skip = !haveRadosgw && process.env.CI !== 'true' ? 'FLOE_TEST_S3_ENDPOINT not set; run: eval "$(bash scripts/ci-services.sh)"' : false;

// ------------------------------------------------------------------------------ the catalog

// s3 and az side by side: a child's start-up is mostly CPU-bound module loading, and the two
// scenarios each wait on two rounds of it
describe('floe serve keeps the catalog on cloud storage', { concurrency: true }, () => {
  catalogScenario('s3 (radosgw)', s3Skip, () => {
    requireRadosgw();
    return { root: `s3://${S3_BUCKET}`, env: radosgwEnv(), secrets: [S3_SECRET_KEY] };
  });
  catalogScenario('az (azurite)', false, () => ({ root: `az://${AZ_CONTAINER}`, env: azureEnv(), secrets: [AZ_KEY] }));
});

// ------------------------------------------------------------------------ start-up failures

// after the scenarios, so the time bound measures Floe and not a machine busy with them
describe('floe serve refuses to start, with one line', { concurrency: true }, () => {
  it('s3rver, which ignores conditional writes: names the backend, the bucket and the failed check', async () => {
    const result = await runFloe(
      ['serve', '--storage', 's3://meta/x', '--port', '0'],
      childEnv({
        FLOE_AWS_ENDPOINT: `http://127.0.0.1:${s3rver!.port}`,
        FLOE_AWS_ALLOW_HTTP: 'true',
        AWS_REGION: 'us-east-1',
        // s3rver checks signatures against its fixed development credentials
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      }),
    );
    assertCleanFailure(
      result,
      /^floe: s3:\/\/meta\/x ignores If-None-Match: a second create of the same key succeeded; Floe needs conditional writes \(see docs\/storage-backends\.md\)$/,
      [],
    );
  });

  it('s3: a missing bucket; no secret in the output', { skip: s3Skip }, async () => {
    requireRadosgw();
    const missing = `floe-missing-${rand()}`;
    const result = await runFloe(['serve', '--storage', `s3://${missing}/cat`, '--port', '0'], radosgwEnv());
    assertCleanFailure(
      result,
      new RegExp(`^floe: s3://${missing}/cat: the bucket or container does not exist \\(.*NoSuchBucket.*create it first`),
      [S3_SECRET_KEY],
    );
  });

  it('s3: wrong credentials; the secret is not printed', { skip: s3Skip }, async () => {
    requireRadosgw();
    const wrongSecret = `wrong-secret-${rand()}`;
    const result = await runFloe(
      ['serve', '--storage', `s3://${S3_BUCKET}/cat-${rand()}`, '--port', '0'],
      radosgwEnv({ AWS_ACCESS_KEY_ID: 'NOSUCHKEY', AWS_SECRET_ACCESS_KEY: wrongSecret }),
    );
    assertCleanFailure(result, /^floe: s3:\/\/\S+: access denied while trying to create a probe object/, [wrongSecret]);
  });

  it('az: a missing container; the account key is not printed', async () => {
    const missing = `missing-${rand()}`;
    const result = await runFloe(['serve', '--storage', `az://${missing}/cat`, '--port', '0'], azureEnv());
    assertCleanFailure(
      result,
      new RegExp(`^floe: az://${missing}/cat: the bucket or container does not exist \\(.*ContainerNotFound.*create it first`),
      [AZ_KEY],
    );
  });
});
