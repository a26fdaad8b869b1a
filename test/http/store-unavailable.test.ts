// Issue 10.8 through the real server: a commit whose log write provably did not happen (the
// log directory cannot be created; the S3 endpoint refuses connections) is a 503 with
// Retry-After after a short bounded retry, not a 500 "commit state unknown" after the whole
// commit deadline; reads answer 503 while the backend is down, and everything works again
// once it is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMIT_DEFINITE_FAILURE_RETRIES_MAX } from '../../src/config/limits.js';
import { outage } from './outage.js';
import { assertContractAfterAll, expectError, startServer } from './harness.js';

assertContractAfterAll();

test('file://: the log directory cannot be created → 503 with Retry-After, nothing written, then it works', async () => {
  const root = mkdtempSync(join(tmpdir(), 'floe-unavailable-'));
  const server = await startServer({ storage: `file://${root}` });
  try {
    // tests run as root, where a read-only mode blocks nothing: a regular file in the way of
    // the log directory makes creating the entry's temp file fail the same way
    writeFileSync(join(root, 'log'), 'in the way');
    const refused = await server.request('POST', '/v1/namespaces', { namespace: ['a'] });
    expectError(refused, 503, 'ServiceUnavailableException', /commit not applied/);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.doesNotMatch(refused.text, /unknown/i);
    assert.ok(statSync(join(root, 'log')).isFile(), 'no log entry, no temp file');
    // (a background GC run may have written its clock probe under gc/)
    assert.deepEqual(readdirSync(root).filter((name) => name !== 'gc').sort(), ['catalog.json', 'log'], 'nothing was written');
    expectError(await server.request('GET', '/v1/namespaces/a'), 404, 'NoSuchNamespaceException');

    rmSync(join(root, 'log'));
    const created = await server.request('POST', '/v1/namespaces', { namespace: ['a'] });
    assert.equal(created.status, 200, created.text);
    assert.equal((await server.request('GET', '/v1/namespaces/a')).status, 200);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('s3 endpoint refusing connections → commits 503 with Retry-After after a bounded retry, reads 503, recovery', async () => {
  const objects = await outage();
  const server = await startServer({ objects });
  try {
    assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['before'] })).status, 200);

    objects.down = true;
    const refused = await server.request('POST', '/v1/namespaces', { namespace: ['during'] });
    expectError(refused, 503, 'ServiceUnavailableException', /commit not applied.*ECONNREFUSED/);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(objects.writesWhileDown, 1 + COMMIT_DEFINITE_FAILURE_RETRIES_MAX, 'a short bounded retry, not 30 s of them');
    const read = await server.request('GET', '/v1/namespaces');
    expectError(read, 503, 'ServiceUnavailableException');
    assert.ok(read.headers.get('retry-after'));

    objects.down = false;
    const listed = await server.request('GET', '/v1/namespaces');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.namespaces, [['before']], 'the refused create was not committed');
    assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['during'] })).status, 200, 'recovered by itself');
    assert.equal(server.catalog.store.stats.unknownOutcomes, 0);
  } finally {
    await server.close();
  }
});
