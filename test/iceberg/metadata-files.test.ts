import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { decodeMetadataFile, encodeMetadataFile, metadataFileVersion, newMetadataFileLocation } from '../../src/iceberg/metadata-files.js';
import { unwrap } from './fixtures/table/helpers.js';

describe('metadataFileVersion', () => {
  const cases: [string, number][] = [
    ['s3://b/t/metadata/00007-6c5f3b2a-1111-2222-3333-444455556666.metadata.json', 7],
    ['00000-abc.gz.metadata.json', 0],
    ['s3://b/t/metadata/123456-x.metadata.json', 123456],
    ['file:///t/metadata/v3.metadata.json', 3],
    ['v12.metadata.json.gz', 12],
    ['s3://b/t/metadata/abc-x.metadata.json', -1],
    ['s3://b/00009-dir/metadata/weird.json', -1],
  ];
  for (const [loc, v] of cases) it(`${loc} → ${v}`, () => assert.equal(metadataFileVersion(loc), v));
});

describe('newMetadataFileLocation', () => {
  const base = { location: 's3://b/t', properties: {}, previousLocation: undefined, uuid: 'u', defaultCodec: 'none' as const };
  it('first file is 00000 under <location>/metadata', () => {
    assert.equal(newMetadataFileLocation(base), 's3://b/t/metadata/00000-u.metadata.json');
  });
  it('increments the previous version and honours write.metadata.path', () => {
    const loc = newMetadataFileLocation({ ...base, previousLocation: 's3://b/t/metadata/00041-z.metadata.json', properties: { 'write.metadata.path': 's3://other/meta/' } });
    assert.equal(loc, 's3://other/meta/00042-u.metadata.json');
  });
  it('gzip via property (case-insensitive) or default codec', () => {
    assert.equal(newMetadataFileLocation({ ...base, properties: { 'write.metadata.compression-codec': 'GZIP' } }), 's3://b/t/metadata/00000-u.gz.metadata.json');
    assert.equal(newMetadataFileLocation({ ...base, defaultCodec: 'gzip' }), 's3://b/t/metadata/00000-u.gz.metadata.json');
    assert.equal(newMetadataFileLocation({ ...base, defaultCodec: 'gzip', properties: { 'write.metadata.compression-codec': 'none' } }), 's3://b/t/metadata/00000-u.metadata.json');
  });
});

describe('encode/decode', () => {
  const doc = { 'format-version': 2, a: [1, 2] };
  it('plain JSON for .metadata.json, gzip for .gz.metadata.json and .metadata.json.gz', () => {
    const plain = encodeMetadataFile(doc, 'x/00001-u.metadata.json');
    assert.equal(plain.toString('utf8'), JSON.stringify(doc));
    for (const name of ['x/00001-u.gz.metadata.json', 'x/v1.metadata.json.gz']) {
      const gz = encodeMetadataFile(doc, name);
      assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
      assert.deepEqual(unwrap(decodeMetadataFile(gz)), doc);
    }
    assert.deepEqual(unwrap(decodeMetadataFile(plain)), doc);
  });
  it('sniffs gzip regardless of name and reports garbage as invalid', () => {
    assert.deepEqual(unwrap(decodeMetadataFile(gzipSync(Buffer.from('{"k":1}')))), { k: 1 });
    const bad = decodeMetadataFile(Buffer.from('{not json'));
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.kind, 'invalid');
  });
});
