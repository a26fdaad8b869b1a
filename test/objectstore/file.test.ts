// file:// through the shared conformance suite, on a fresh temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
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
