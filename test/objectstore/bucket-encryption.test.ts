// Bucket-side encryption options reach every write the backends make: SSE-S3 / SSE-KMS headers
// on S3 PUTs (against a capturing HTTP fake of the S3 PUT API, below), the GCS customer-managed
// key on uploads (against test/fakes/gcs-fake.ts), and the configuration keys that set them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../../src/config/index.js';
import { openCloudBucket } from '../../src/objectstore/cloud.js';
import { GcsObjectStore } from '../../src/objectstore/gcs.js';
import { S3ObjectStore } from '../../src/objectstore/s3.js';
import { parseStorageUrl } from '../../src/objectstore/url.js';
import { startGcsFake } from '../fakes/gcs-fake.js';

/** A FAKE of S3's PutObject only: answers 200 with an ETag and records each request's headers. */
async function startS3PutCapture(): Promise<{ endpoint: string; puts: { url: string; headers: IncomingHttpHeaders }[]; close: () => Promise<void> }> {
  const puts: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method !== 'PUT') {
        res.writeHead(501).end();
        return;
      }
      puts.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { ETag: `"etag-${puts.length}"` }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, puts, close: () => new Promise((r) => server.close(() => r())) };
}

test('S3: SSE-KMS with a key id is sent on conditional and plain PUTs', async () => {
  const fake = await startS3PutCapture();
  const store = new S3ObjectStore({
    bucket: 'b', region: 'us-east-1', endpoint: fake.endpoint, allowHttp: true,
    multipartThresholdBytes: 8 * 1024 * 1024, multipartChunkBytes: 8 * 1024 * 1024, maxConcurrentRequests: 4,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    serverSideEncryption: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abcd' },
  });
  try {
    assert.equal((await store.putIfAbsent('log/1.json', Buffer.from('{}'))).kind, 'created');
    assert.equal((await store.put('gc/clock-probe', Buffer.from('{}'))).kind, 'created');
    assert.equal((await store.putIfMatch('_last_checkpoint', Buffer.from('{}'), 'etag-1')).kind, 'created');
    assert.equal(fake.puts.length, 3);
    for (const put of fake.puts) {
      assert.equal(put.headers['x-amz-server-side-encryption'], 'aws:kms', put.url);
      assert.equal(put.headers['x-amz-server-side-encryption-aws-kms-key-id'], 'arn:aws:kms:us-east-1:111122223333:key/abcd');
    }
  } finally {
    await store.close();
    await fake.close();
  }
});

test('S3: SSE-S3 sends AES256 and no key id; without the option nothing is sent', async () => {
  const fake = await startS3PutCapture();
  const base = {
    bucket: 'b', region: 'us-east-1', endpoint: fake.endpoint, allowHttp: true,
    multipartThresholdBytes: 8 * 1024 * 1024, multipartChunkBytes: 8 * 1024 * 1024, maxConcurrentRequests: 4,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sse = new S3ObjectStore({ ...base, serverSideEncryption: { ServerSideEncryption: 'AES256' } });
  const none = new S3ObjectStore(base);
  try {
    await sse.putIfAbsent('a', Buffer.from('x'));
    await none.putIfAbsent('b', Buffer.from('x'));
    assert.equal(fake.puts[0]!.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal(fake.puts[0]!.headers['x-amz-server-side-encryption-aws-kms-key-id'], undefined);
    assert.equal(fake.puts[1]!.headers['x-amz-server-side-encryption'], undefined);
  } finally {
    await sse.close();
    await none.close();
    await fake.close();
  }
});

test('GCS: the customer-managed key name goes with every upload', async () => {
  const fake = await startGcsFake(['b']);
  const kmsKeyName = 'projects/p/locations/europe-west1/keyRings/floe/cryptoKeys/catalog';
  const store = new GcsObjectStore({ bucket: 'b', endpoint: fake.endpoint, projectId: 'p', kmsKeyName });
  try {
    assert.equal((await store.putIfAbsent('log/1.json', Buffer.from('{}'))).kind, 'created');
    assert.equal((await store.put('gc/clock-probe', Buffer.from('{}'))).kind, 'created');
    const uploads = fake.requests.filter((r) => r.startsWith('POST') && r.includes('uploadType'));
    assert.equal(uploads.length, 2);
    for (const upload of uploads) assert.ok(new URL(upload.split(' ')[1]!, fake.endpoint).searchParams.get('kmsKeyName') === kmsKeyName, upload);
  } finally {
    await store.close();
    await fake.close();
  }
});

test('configuration: the bucket-side keys load from the environment and are checked', () => {
  const settings = loadSettings({
    env: {
      FLOE_STORAGE: 's3://b/p', FLOE_AWS_SERVER_SIDE_ENCRYPTION: 'aws:kms', FLOE_AWS_SSE_KMS_KEY_ID: 'alias/floe',
      FLOE_GCS_KMS_KEY_NAME: 'projects/p/locations/l/keyRings/r/cryptoKeys/k', FLOE_AZURE_ENCRYPTION_SCOPE: 'floescope',
    },
  });
  assert.equal(settings.storage.aws_server_side_encryption, 'aws:kms');
  assert.equal(settings.storage.aws_sse_kms_key_id, 'alias/floe');
  assert.equal(settings.storage.azure_encryption_scope, 'floescope');
  assert.throws(() => loadSettings({ env: { FLOE_AWS_SERVER_SIDE_ENCRYPTION: 'aes' } }), /aws_server_side_encryption .*allowed: AES256/);
  assert.throws(() => loadSettings({ env: { FLOE_GCS_KMS_KEY_NAME: 'k' } }), /gcs_kms_key_name/);
  assert.throws(() => openCloudBucket(parseStorageUrl('s3://b'), { aws_sse_kms_key_id: 'alias/floe' }), /needs aws_server_side_encryption/);
});
