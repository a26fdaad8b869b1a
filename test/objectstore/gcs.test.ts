// gs:// through the shared conformance suite, driven by the real @google-cloud/storage SDK
// against test/fakes/gcs-fake.ts (a fake of the JSON API: no installable GCS emulator honours
// preconditions). What this proves: our request shapes and error mapping for the SDK, and the
// generation-based create/CAS logic. What it cannot prove: real GCS behaviour.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openObjectStore, probeConditionalWrites } from '../../src/objectstore/index.js';
import { GcsObjectStore } from '../../src/objectstore/gcs.js';
import { startGcsFake, type GcsFake } from '../fakes/gcs-fake.js';
import { conformance } from './conformance.js';

const BUCKET = 'floe-conformance';
let fake: GcsFake | undefined;

before(async () => {
  fake = await startGcsFake([BUCKET]);
});
after(async () => {
  await fake?.close();
});

conformance('gcs (SDK against the JSON API fake)', () => new GcsObjectStore({ bucket: BUCKET, endpoint: fake!.endpoint, projectId: 'floe-test' }));

describe('gcs specifics', () => {
  it('create-if-absent is sent as ifGenerationMatch=0 and CAS as ifGenerationMatch=<generation>', async () => {
    const store = new GcsObjectStore({ bucket: BUCKET, endpoint: fake!.endpoint });
    const created = await store.putIfAbsent('wire/k', Buffer.from('a'));
    assert.ok(created.kind === 'created');
    assert.match(created.etag, /^\d+$/);
    await store.putIfMatch('wire/k', Buffer.from('b'), created.etag);
    const uploads = fake!.requests.filter((r) => r.startsWith('POST /upload/storage/v1/b/floe-conformance/o?') && r.includes('wire'));
    assert.equal(uploads.length, 2, fake!.requests.join('\n'));
    assert.match(uploads[0]!, /[?&]ifGenerationMatch=0(&|$)/);
    assert.match(uploads[1]!, new RegExp(`[?&]ifGenerationMatch=${created.etag}(&|$)`));
  });

  it('a non-numeric etag is a mismatch, never sent as a precondition', async () => {
    const store = new GcsObjectStore({ bucket: BUCKET, endpoint: fake!.endpoint });
    assert.equal((await store.put('wire/n', Buffer.from('a'))).kind, 'created');
    assert.deepEqual(await store.putIfMatch('wire/n', Buffer.from('b'), '"abc"'), { kind: 'mismatch' });
    assert.deepEqual(await store.putIfMatch('wire/none', Buffer.from('b'), '0'), { kind: 'notFound' });
  });

  it('the probe names a missing bucket clearly', async () => {
    const result = await probeConditionalWrites(new GcsObjectStore({ bucket: 'no-such-bucket', endpoint: fake!.endpoint }));
    assert.ok(!result.ok);
    assert.match(result.message, /^gs:\/\/no-such-bucket: the bucket or container does not exist \(.*404/);
  });

  it('openObjectStore(gs://bucket/prefix) uses gcs_endpoint and keeps the prefix in displayUrl', async () => {
    const store = openObjectStore(`gs://${BUCKET}/cat/alog`, { gcs_endpoint: fake!.endpoint });
    assert.equal(store.displayUrl, `gs://${BUCKET}/cat/alog`);
    assert.deepEqual(await probeConditionalWrites(store), { ok: true });
  });

  it('the fake refuses what it does not implement instead of pretending', async () => {
    const response = await fetch(`${fake!.endpoint}/storage/v1/b/${BUCKET}/o?delimiter=/`);
    assert.equal(response.status, 501);
  });
});
