// Bounded memory (issue 9 item 4): the metadata and rendered-answer caches account in bytes and
// stay under their bounds, and a version whose pointer moved on is dropped from both, so a long
// history keeps one version of a table in memory rather than every superseded one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tables } from '../../src/catalog/index.js';
import { METADATA_CACHE_BYTES_MAX, RENDERED_CACHE_BYTES_MAX } from '../../src/config/limits.js';
import { serverForFile, SIMPLE_SCHEMA, appendSnapshotCommit } from './harness.js';

const server = serverForFile('mem');

test('commits keep the caches at about one version per table, under their byte bounds', async () => {
  const created = await server.request('POST', '/v1/namespaces/mem/tables', { name: 'long', schema: SIMPLE_SCHEMA });
  assert.equal(created.status, 200, created.text);
  const location: string = created.body.metadata.location;
  let last = created.body;
  const commits = 60;
  for (let id = 1; id <= commits; id++) {
    const res = await server.request('POST', '/v1/namespaces/mem/tables/long', appendSnapshotCommit(location, id));
    assert.equal(res.status, 200, res.text);
    last = res.body;
    // loads render (and cache) both answer shapes of the current version
    assert.equal((await server.request('GET', '/v1/namespaces/mem/tables/long?snapshots=refs')).status, 200);
  }
  const newest = statSync(fileURLToPath(last['metadata-location'])).size;
  const cached = server.catalog.warehouse.cachedBytes;
  assert.ok(cached > 0, 'the current version is cached');
  assert.ok(cached <= METADATA_CACHE_BYTES_MAX);
  // the first version of the table and the newest: everything superseded in between was dropped
  assert.ok(cached <= 2 * newest, `metadata cache holds ${cached} bytes; one version is ${newest}`);
  const rendered = tables.renderedCacheBytes();
  assert.ok(rendered <= RENDERED_CACHE_BYTES_MAX);
  // json + body of the 'all' and 'refs' answers of the newest version (refs is much smaller)
  assert.ok(rendered <= 5 * newest, `rendered cache holds ${rendered} bytes; one version is ${newest}`);
  assert.ok(server.catalog.warehouse.cachedBytes < commits * newest / 4, 'not every version kept');
});
