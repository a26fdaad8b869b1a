// file:// through the shared conformance suite, on a fresh temp directory.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { FILE_LOCK_STALE_MS } from '../../src/config/limits.js';
import { FileObjectStore } from '../../src/objectstore/index.js';
import { conformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'floe-file-conformance-'));
after(() => rmSync(root, { recursive: true, force: true }));

conformance('file', () => new FileObjectStore(root));

test('putUnpublished creates once, in place, with the etag head reports', async () => {
  const store = new FileObjectStore(root);
  const first = await store.putUnpublished('wh/t/metadata/00000-a.metadata.json', Buffer.from('{"a":1}'));
  assert.equal(first.kind, 'created');
  const second = await store.putUnpublished('wh/t/metadata/00000-a.metadata.json', Buffer.from('{"a":2}'));
  assert.equal(second.kind, 'exists');
  const got = await store.get('wh/t/metadata/00000-a.metadata.json');
  assert.equal(got.kind === 'found' && got.body.toString(), '{"a":1}');
  const head = await store.head('wh/t/metadata/00000-a.metadata.json');
  assert.equal(head.kind === 'found' && first.kind === 'created' && head.etag === first.etag, true);
  const listed = await store.list('wh/t/metadata/');
  assert.deepEqual(listed.kind === 'listed' && listed.objects.map((o) => o.key), ['wh/t/metadata/00000-a.metadata.json'], 'no temp names');
});

test('directory handles kept for fsync are evicted safely under concurrent creates in many directories', async () => {
  const store = new FileObjectStore(root);
  const outcomes = await Promise.all(
    Array.from({ length: 200 }, (_, i) => store.putIfAbsent(`many/d${i % 100}/o${i}`, Buffer.from(String(i)))),
  );
  assert.deepEqual(outcomes.map((o) => o.kind), Array(200).fill('created'));
  await store.close();
});

test('a compare-and-swap right after a crash that left its lock waits for the lock to turn stale, and succeeds', async () => {
  // A crash 4.5 s ago left the lock: it turns stale 5.5 s from now. Waiting only 5 s (the old
  // bound, below the staleness age) failed every CAS in the first 5-10 s after a crash.
  const store = new FileObjectStore(root);
  const created = await store.putIfAbsent('crash/boundary', Buffer.from('1'));
  assert.equal(created.kind, 'created');
  const lock = join(root, 'crash/boundary.floe-lock');
  writeFileSync(lock, '');
  const crashedAt = new Date(Date.now() - (FILE_LOCK_STALE_MS - 5_500));
  utimesSync(lock, crashedAt, crashedAt);
  const swapped = await store.putIfMatch('crash/boundary', Buffer.from('2'), created.kind === 'created' ? created.etag : '');
  assert.equal(swapped.kind, 'created', `the CAS after a crash: ${JSON.stringify(swapped)}`);
});
