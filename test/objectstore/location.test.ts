// The one location parser and the confined resolver: a location is taken apart once on its raw
// form, and a resolver cannot open anything outside its roots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocationPolicy } from '../../src/catalog/locations.js';
import { ConfigError, splitAllowedLocations } from '../../src/config/index.js';
import { FileObjectStore, getBounded, isWithin, LocationResolver, parseLocation, parseStorageUrl, type Location } from '../../src/objectstore/index.js';

const parsed = (text: string): Location => {
  const result = parseLocation(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error}`);
  return result.value;
};

test('locations are parsed on their raw form: escapes stay literal, never decoded', () => {
  const loc = parsed('file:///wh/db/%2E%2Ex/a%2Fb%20c');
  assert.deepEqual(loc.segments, ['wh', 'db', '%2E%2Ex', 'a%2Fb%20c']);
  assert.equal(loc.text, 'file:///wh/db/%2E%2Ex/a%2Fb%20c');
  assert.deepEqual(parsed('s3a://bkt/p/q/').segments, ['p', 'q']);
  assert.equal(parsed('s3a://bkt/p/q/').text, 's3://bkt/p/q');
  assert.equal(parsed('memory://root/x').bucket, 'root');
  // Hadoop's form of a local path (what Spark writes into manifests) is the same file
  assert.equal(parsed('file:/wh/db/t').text, 'file:///wh/db/t');
  assert.ok(isWithin(parsed('file:/wh/db/t/data/f.parquet'), parsed('file:///wh')));
});

test('anything a later step could read differently is refused', () => {
  for (const text of [
    'file:///wh/../etc', 'file:///wh/./x', 'file:///wh//x', 'file:///wh/%2E%2E/x', 'file:///wh/%2e%2e/x', 'file:///wh/.%2E/x', 'file:///wh/%2e/x',
    'file:///wh/a\\..\\b', 'file:///wh/x\u0000', 'file:///wh/x%00', 'file:///wh/x%5Cy', 'file:///wh/x%0A', 'file:///wh/\uD800', 'file:///wh/x?y',
    'file:///wh/x#y', 'file://host/wh', 'file:/../x', 'file:/wh//x', 'file:///', '/wh/x', 'wh/x', 'http://x/y', 's3:///x', 's3://b@d:x/y', '', 'x'.repeat(5000),
  ]) {
    assert.equal(parseLocation(text).ok, false, `accepted ${JSON.stringify(text.slice(0, 40))}`);
  }
});

test('isWithin compares segment by segment, scheme and bucket included', () => {
  const wh = parsed('file:///data/wh');
  assert.ok(isWithin(parsed('file:///data/wh/db/t'), wh));
  assert.ok(isWithin(wh, wh));
  assert.ok(!isWithin(parsed('file:///data/wh2/t'), wh));
  assert.ok(!isWithin(parsed('file:///data'), wh));
  assert.ok(!isWithin(parsed('s3://b/data/wh/t'), parsed('s3://c/data/wh')));
  assert.ok(isWithin(parsed('s3a://b/data/wh/t'), parsed('s3://b/data/wh')));
  assert.ok(!isWithin(parsed('gs://b/data/wh/t'), parsed('s3://b/data/wh')));
});

test('file:// storage URLs are taken literally too (no percent-decoding)', () => {
  assert.equal(parseStorageUrl('file:///tmp/a%2F..%2F..%2Fetc').bucket, '/tmp/a%2F..%2F..%2Fetc');
});

test('the resolver opens nothing outside its roots', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-resolver-'));
  const resolver = new LocationResolver([parsed(`file://${dir}/wh`)]);
  try {
    const inside = resolver.resolve(parsed(`file://${dir}/wh/db/t/m.json`));
    assert.equal(inside.key, 'db/t/m.json');
    assert.equal(inside.store.displayUrl, `file://${dir}/wh`);
    for (const text of [`file://${dir}/other/m.json`, `file://${dir}/wh2/m.json`, 'file:///etc/passwd', 's3://b/wh/x', `file://${dir}/wh`]) {
      assert.throws(() => resolver.resolve(parsed(text)), /outside the allowed locations|names a directory/, text);
    }
  } finally {
    await resolver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('getBounded reads only regular files under the root, up to the bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bounded-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'ok.json'), '{}');
  writeFileSync(join(root, 'big.json'), 'x'.repeat(100));
  writeFileSync(join(dir, 'outside.json'), 'secret');
  symlinkSync(join(dir, 'outside.json'), join(root, 'link.json'));
  symlinkSync(dir, join(root, 'up'));
  execFileSync('mkfifo', [join(root, 'fifo.json')]);
  const store = new FileObjectStore(root);
  const signal = new AbortController().signal;
  try {
    const ok = await getBounded(store, 'ok.json', 10, signal);
    assert.equal(ok.kind, 'found');
    assert.equal((await getBounded(store, 'big.json', 10, signal)).kind, 'tooLarge');
    assert.equal((await getBounded(store, 'link.json', 10, signal)).kind, 'notFound', 'a link as the last component');
    assert.equal((await getBounded(store, 'up/outside.json', 10, signal)).kind, 'notFound', 'a directory link leading out');
    assert.equal((await getBounded(store, 'fifo.json', 10, signal)).kind, 'notFound', 'a FIFO, without blocking');
    // and a plain get never blocks on a FIFO either
    assert.equal((await store.get('fifo.json')).kind, 'notFound');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the policy refuses a warehouse or allowed location that is not a valid location, as a configuration error', () => {
  assert.throws(() => new LocationPolicy('file:///wh', ['file:///x/../y']), ConfigError);
  assert.throws(() => new LocationPolicy('file:///', []), ConfigError);
  assert.deepEqual(splitAllowedLocations(' s3://a/x , ,gs://b '), ['s3://a/x', 'gs://b']);
  const policy = new LocationPolicy('file:///wh', splitAllowedLocations('s3://shared/tables'));
  assert.equal(policy.deleteRefusal('s3://shared/tables/t/f', 's3://shared/tables/t'), undefined);
  assert.match(policy.deleteRefusal('s3://shared/tables/u/f', 's3://shared/tables/t') ?? '', /outside the location of its table/);
  assert.match(policy.deleteRefusal('file:///etc/passwd', 'file:///wh/t') ?? '', /outside the warehouse/);
  assert.match(policy.deleteRefusal('file:///wh/t/f', 'file:///wh') ?? '', /warehouse root/);
});
