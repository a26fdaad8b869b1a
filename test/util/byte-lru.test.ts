// The byte-bounded LRU behind the metadata and rendered-answer caches: the accounted bytes never
// exceed the bound, the least recently used entries go first, and an entry larger than the
// whole bound is not kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteLru } from '../../src/util/index.js';

test('evicts least recently used entries to stay within the byte bound', () => {
  const lru = new ByteLru<string, string>(100);
  lru.set('a', 'A', 40);
  lru.set('b', 'B', 40);
  assert.equal(lru.get('a'), 'A'); // a is now the youngest
  lru.set('c', 'C', 40);
  assert.equal(lru.get('b'), undefined, 'b was the least recently used');
  assert.equal(lru.get('a'), 'A');
  assert.equal(lru.get('c'), 'C');
  assert.equal(lru.bytes, 80);
});

test('replacing, deleting and oversized entries keep the accounting exact', () => {
  const lru = new ByteLru<string, number>(100);
  lru.set('a', 1, 30);
  lru.set('a', 2, 50);
  assert.equal(lru.bytes, 50);
  assert.equal(lru.get('a'), 2);
  lru.set('huge', 3, 101);
  assert.equal(lru.get('huge'), undefined, 'larger than the bound: not kept');
  assert.equal(lru.get('a'), 2, 'and nothing evicted for it');
  lru.delete('a');
  assert.equal(lru.bytes, 0);
  assert.equal(lru.size, 0);
});

test('a long run of random sizes never goes over the bound', () => {
  const lru = new ByteLru<number, number>(10_000);
  let seed = 7;
  for (let i = 0; i < 5000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    lru.set(i % 300, i, seed % 3000);
    assert.ok(lru.bytes <= 10_000, `over the bound at step ${i}: ${lru.bytes}`);
  }
});
