// The one adapter conformance suite every ObjectStore backend runs (memory, file, azure, s3,
// gcs): the create-if-absent race, compare-and-swap, error mapping, listing order and paging,
// key validation and the start-up probe. Each run works under a fresh random prefix so it can
// share a bucket with other runs and with leftovers of earlier ones.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  InvalidKey,
  PrefixedObjectStore,
  probeConditionalWrites,
  type ObjectStore,
  type SwapOutcome,
} from '../../src/objectstore/index.js';

export interface ConformanceOptions {
  /** concurrent creators of one key in the race test */
  racers?: number;
  /** rounds of the race */
  rounds?: number;
}

const RACERS_DEFAULT = 16;
const ROUNDS_DEFAULT = 3;
const LIST_KEYS = ['a', 'b/1', 'b/2', 'b/3', 'c', 'd-e', 'z'];

function text(body: Uint8Array): string {
  return Buffer.from(body).toString('utf8');
}

export function conformance(
  name: string,
  open: () => Promise<ObjectStore> | ObjectStore,
  options: ConformanceOptions = {},
): void {
  const racers = options.racers ?? RACERS_DEFAULT;
  const rounds = options.rounds ?? ROUNDS_DEFAULT;

  describe(`ObjectStore conformance: ${name}`, () => {
    let bucket: ObjectStore;
    let store: ObjectStore;

    before(async () => {
      bucket = await open();
      store = new PrefixedObjectStore(bucket, `conformance-${randomBytes(6).toString('hex')}`);
    });
    after(async () => {
      await bucket?.close();
    });

    it(`exactly one of ${racers} concurrent putIfAbsent of one key is created (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round++) {
        const key = `race/create-${round}`;
        const outcomes = await Promise.all(
          Array.from({ length: racers }, (_, i) => store.putIfAbsent(key, Buffer.from(`racer ${i}`))),
        );
        const winners = outcomes.flatMap((o, i) => (o.kind === 'created' ? [{ i, etag: o.etag }] : []));
        const kinds = outcomes.map((o) => (o.kind === 'unknown' ? `unknown: ${o.cause.message}` : o.kind));
        assert.equal(winners.length, 1, `round ${round}: ${kinds.join(', ')}`);
        for (const o of outcomes) if (o.kind !== 'created') assert.equal(o.kind, 'exists', `round ${round}: ${kinds.join(', ')}`);
        const got = await store.get(key);
        assert.equal(got.kind, 'found');
        if (got.kind !== 'found') return;
        assert.equal(text(got.body), `racer ${winners[0]!.i}`);
        assert.equal(got.etag, winners[0]!.etag);
      }
    });

    it('putIfAbsent on an existing key is `exists` and keeps the content', async () => {
      const first = await store.putIfAbsent('create/once', Buffer.from('one'));
      assert.equal(first.kind, 'created');
      assert.deepEqual(await store.putIfAbsent('create/once', Buffer.from('two')), { kind: 'exists' });
      const got = await store.get('create/once');
      assert.ok(got.kind === 'found' && text(got.body) === 'one');
    });

    it('putIfMatch: current etag → created, stale → mismatch, missing → notFound', async () => {
      const created = await store.putIfAbsent('cas/x', Buffer.from('v1'));
      assert.equal(created.kind, 'created');
      if (created.kind !== 'created') return;
      const swapped = await store.putIfMatch('cas/x', Buffer.from('v2'), created.etag);
      assert.equal(swapped.kind, 'created', JSON.stringify(swapped));
      if (swapped.kind !== 'created') return;
      assert.notEqual(swapped.etag, created.etag);
      assert.deepEqual(await store.putIfMatch('cas/x', Buffer.from('v3'), created.etag), { kind: 'mismatch' });
      const got = await store.get('cas/x');
      assert.ok(got.kind === 'found');
      assert.equal(text(got.body), 'v2');
      assert.equal(got.etag, swapped.etag);
      assert.deepEqual(await store.putIfMatch('cas/missing', Buffer.from('v1'), created.etag), { kind: 'notFound' });
      assert.equal((await store.get('cas/missing')).kind, 'notFound');
    });

    it(`exactly one of ${racers} concurrent putIfMatch with the same etag wins`, async () => {
      const created = await store.putIfAbsent('cas/race', Buffer.from('base'));
      assert.ok(created.kind === 'created');
      const outcomes: SwapOutcome[] = await Promise.all(
        Array.from({ length: racers }, (_, i) => store.putIfMatch('cas/race', Buffer.from(`racer ${i}`), created.etag)),
      );
      const winners = outcomes.flatMap((o, i) => (o.kind === 'created' ? [i] : []));
      assert.equal(winners.length, 1, outcomes.map((o) => o.kind).join(', '));
      // radosgw answers most losers with 500 (unknown); never may a loser be told `created`
      for (const o of outcomes) assert.ok(['created', 'mismatch', 'unknown'].includes(o.kind), o.kind);
      const got = await store.get('cas/race');
      assert.ok(got.kind === 'found' && text(got.body) === `racer ${winners[0]}`);
    });

    it('get and head of a missing key are notFound', async () => {
      assert.deepEqual(await store.get('missing/key'), { kind: 'notFound' });
      assert.deepEqual(await store.head('missing/key'), { kind: 'notFound' });
    });

    it('head reports size and the same etag as get; binary bodies round-trip', async () => {
      const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const created = await store.putIfAbsent('bin/all-bytes', body);
      assert.ok(created.kind === 'created');
      const head = await store.head('bin/all-bytes');
      assert.ok(head.kind === 'found');
      assert.equal(head.size, 256);
      assert.equal(head.etag, created.etag);
      assert.ok(head.lastModifiedMs > 0);
      const got = await store.get('bin/all-bytes');
      assert.ok(got.kind === 'found');
      assert.deepEqual(got.body, body);
      assert.equal(got.etag, created.etag);
    });

    it('list: prefix filter, lexicographic order, paging with limit + startAfter across pages', async () => {
      for (const k of LIST_KEYS) assert.equal((await store.putIfAbsent(`list/${k}`, Buffer.from(k))).kind, 'created');
      // neighbours that share the text prefix "list" but not "list/"
      assert.equal((await store.put('listx', Buffer.from('x'))).kind, 'created');
      assert.equal((await store.put('lis', Buffer.from('x'))).kind, 'created');

      const seen: string[] = [];
      const pageSizes: number[] = [];
      let startAfter: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.list('list/', { limit: 3, startAfter });
        assert.equal(page.kind, 'listed', page.kind === 'unknown' ? page.cause.message : '');
        if (page.kind !== 'listed') return;
        assert.ok(page.objects.length <= 3);
        pageSizes.push(page.objects.length);
        seen.push(...page.objects.map((o) => o.key));
        if (page.nextStartAfter === undefined) break;
        assert.equal(page.nextStartAfter, page.objects[page.objects.length - 1]?.key);
        startAfter = page.nextStartAfter;
      }
      assert.deepEqual(seen, LIST_KEYS.map((k) => `list/${k}`));
      assert.ok(pageSizes.length >= 3, `pages: ${pageSizes.join(',')}`);

      const all = await store.list('list/');
      assert.ok(all.kind === 'listed');
      assert.deepEqual(all.objects.map((o) => o.key), LIST_KEYS.map((k) => `list/${k}`));
      assert.equal(all.nextStartAfter, undefined);
      assert.equal(all.objects.find((o) => o.key === 'list/d-e')?.size, 3);

      const sub = await store.list('list/b/', { startAfter: 'list/b/1' });
      assert.ok(sub.kind === 'listed');
      assert.deepEqual(sub.objects.map((o) => o.key), ['list/b/2', 'list/b/3']);

      // a cold startAfter (not the end of a page we returned) also works
      const cold = await store.list('list/', { startAfter: 'list/b/2', limit: 2 });
      assert.ok(cold.kind === 'listed');
      assert.deepEqual(cold.objects.map((o) => o.key), ['list/b/3', 'list/c']);
      assert.equal(cold.nextStartAfter, 'list/c');

      const none = await store.list('nothing-here/');
      assert.deepEqual(none, { kind: 'listed', objects: [], nextStartAfter: undefined });
    });

    it('delete: deleted, then get → notFound, delete again → notFound, create again works', async () => {
      assert.equal((await store.put('del/k', Buffer.from('x'))).kind, 'created');
      assert.deepEqual(await store.delete('del/k'), { kind: 'deleted' });
      assert.deepEqual(await store.get('del/k'), { kind: 'notFound' });
      assert.deepEqual(await store.head('del/k'), { kind: 'notFound' });
      assert.deepEqual(await store.delete('del/k'), { kind: 'notFound' });
      assert.equal((await store.putIfAbsent('del/k', Buffer.from('y'))).kind, 'created');
    });

    it('put creates and overwrites unconditionally, with a new etag', async () => {
      const one = await store.put('put/k', Buffer.from('one'));
      const two = await store.put('put/k', Buffer.from('two'));
      assert.ok(one.kind === 'created' && two.kind === 'created');
      assert.notEqual(one.etag, two.etag);
      const got = await store.get('put/k');
      assert.ok(got.kind === 'found' && text(got.body) === 'two' && got.etag === two.etag);
      assert.deepEqual(await store.putIfMatch('put/k', Buffer.from('three'), one.etag), { kind: 'mismatch' });
    });

    it("checkKey rejects '..', '.', empty segments, leading '/' and NUL on every verb", async () => {
      for (const bad of ['..', 'a/../b', './a', 'a//b', '/abs', '', 'a\0b', 'a/..']) {
        await assert.rejects(store.get(bad), InvalidKey, `get ${JSON.stringify(bad)}`);
        await assert.rejects(store.head(bad), InvalidKey, `head ${JSON.stringify(bad)}`);
        await assert.rejects(store.putIfAbsent(bad, Buffer.from('x')), InvalidKey, `putIfAbsent ${JSON.stringify(bad)}`);
        await assert.rejects(store.putIfMatch(bad, Buffer.from('x'), 'e'), InvalidKey, `putIfMatch ${JSON.stringify(bad)}`);
        await assert.rejects(store.put(bad, Buffer.from('x')), InvalidKey, `put ${JSON.stringify(bad)}`);
        await assert.rejects(store.delete(bad), InvalidKey, `delete ${JSON.stringify(bad)}`);
      }
    });

    it('the conditional-write probe passes and cleans up after itself', async () => {
      assert.deepEqual(await probeConditionalWrites(store), { ok: true });
      const left = await store.list('_probe/');
      assert.ok(left.kind === 'listed');
      assert.deepEqual(left.objects, []);
    });
  });
}
