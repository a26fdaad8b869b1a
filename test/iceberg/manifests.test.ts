// Manifest list / manifest reading. The Avro files are produced with avsc's BlockEncoder (the
// real container writer) from the schemas of the Iceberg table spec ("Manifests", "Manifest
// Lists"), including Iceberg's `field-id` attributes, for format v1 and v2 (test/fixtures/avro-table.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import avro from 'avsc';
import { filesReferencedByMetadata, readManifest, readManifestList } from '../../src/iceberg/manifests.js';
import { snappyUncompress } from '../../src/iceberg/avro/snappy.js';
import { avroFile, entry, listEntry, manifestListSchema, manifestSchema, type Codecs, type Content, type Status } from '../fixtures/avro-table.js';

// ---- schemas (names, ids and optionality from format/spec.md) --------------------------------

const MANIFEST_LIST_V1 = manifestListSchema(1);
const MANIFEST_LIST_V2 = manifestListSchema(2, { partitions: true });
const MANIFEST_V1 = manifestSchema(1);
const MANIFEST_V2 = manifestSchema(2, [{ name: 'day', type: { type: 'int', logicalType: 'date' }, 'field-id': 1000 }]);

// ---- a snappy codec for avsc ------------------------------------------------------------------

// A valid (if useless) snappy compressor: literals only, at most 60 bytes each.
function snappyLiteralOnly(data: Buffer): Buffer {
  const out: number[] = [];
  let n = data.length;
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  for (let i = 0; i < data.length; i += 60) {
    const chunk = data.subarray(i, i + 60);
    out.push((chunk.length - 1) << 2, ...chunk);
  }
  return Buffer.from(out);
}

const snappyCodecs: Codecs = {
  null: (buf, cb) => cb(null, buf),
  snappy: (buf, cb) => {
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(buf));
    cb(null, Buffer.concat([snappyLiteralOnly(buf), crc]));
  },
};

// ---- records ----------------------------------------------------------------------------------

const listV1 = (path: string) => ({
  manifest_path: path,
  manifest_length: 1234,
  partition_spec_id: 0,
  added_snapshot_id: 42,
  added_data_files_count: 1,
  existing_data_files_count: 0,
  deleted_data_files_count: 0,
  partitions: [{ contains_null: false, contains_nan: null, lower_bound: Buffer.from([1]), upper_bound: null }],
  added_rows_count: 10,
  existing_rows_count: 0,
  deleted_rows_count: 0,
});

const listV2 = (path: string, content: 0 | 1, snapshotId: number | bigint = 7) => ({
  ...listEntry(path, content, snapshotId, 3),
  manifest_length: 999,
  min_sequence_number: 1,
  added_files_count: 2,
  added_rows_count: 20,
  partitions: null,
});

const entryV1 = (status: Status, path: string) => {
  const { sequence_number, file_sequence_number, data_file, ...rest } = entry(status, path, 0, {
    snapshotId: 42,
    recordCount: 10,
    fileSizeInBytes: 2048,
    dataFile: {
      block_size_in_bytes: 67108864,
      column_sizes: [{ key: 1, value: 100 }],
      lower_bounds: [{ key: 1, value: Buffer.from([0, 0, 0, 1]) }],
      split_offsets: [4],
      sort_order_id: 0,
    },
  });
  void sequence_number;
  void file_sequence_number;
  const { content, equality_ids, ...v1DataFile } = data_file;
  void content;
  void equality_ids;
  return { ...rest, data_file: v1DataFile };
};

const entryV2 = (status: Status, content: Content, path: string) =>
  entry(status, path, content, {
    snapshotId: 7,
    sequenceNumber: null,
    fileSequenceNumber: 3,
    partition: { day: 19000 },
    recordCount: 5,
    fileSizeInBytes: 512,
    dataFile: { equality_ids: content === 2 ? [1] : null },
  });

// ---- manifest lists ---------------------------------------------------------------------------

test('v1 manifest list (no content column) reads as data manifests', async () => {
  const bytes = await avroFile(MANIFEST_LIST_V1, [listV1('s3://b/t/metadata/a-m0.avro'), listV1('s3://b/t/metadata/a-m1.avro')]);
  const r = readManifestList(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, [
    { manifestPath: 's3://b/t/metadata/a-m0.avro', content: 'data' },
    { manifestPath: 's3://b/t/metadata/a-m1.avro', content: 'data' },
  ]);
});

test('v2 manifest list with deflate codec, data and delete manifests', async () => {
  const bytes = await avroFile(
    MANIFEST_LIST_V2,
    [listV2('s3://b/t/metadata/d-m0.avro', 0), listV2('s3://b/t/metadata/d-m1.avro', 1)],
    { codec: 'deflate' },
  );
  assert.equal(bytes.includes(Buffer.from('d-m0.avro')), false, 'payload should be compressed');
  const r = readManifestList(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, [
    { manifestPath: 's3://b/t/metadata/d-m0.avro', content: 'data' },
    { manifestPath: 's3://b/t/metadata/d-m1.avro', content: 'deletes' },
  ]);
});

test('64-bit snapshot ids beyond 2^53 do not break decoding', async () => {
  // avsc's default long refuses these; write them with a bigint long type
  const bigLong = avro.types.LongType.__with({
    fromBuffer: (b: Buffer) => b.readBigInt64LE(0),
    toBuffer: (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(n);
      return b;
    },
    fromJSON: (v: unknown) => BigInt(v as number),
    toJSON: (n: bigint) => Number(n),
    isValid: (n: unknown) => typeof n === 'bigint',
    compare: () => 0,
  });
  const type = avro.Type.forSchema(MANIFEST_LIST_V2 as avro.Schema, {
    typeHook: (s: unknown) => (s === 'long' ? bigLong : undefined),
  });
  const rec = {
    ...listV2('s3://b/t/metadata/big.avro', 0, 8_744_736_658_442_914_487n),
    manifest_length: 999n,
    sequence_number: 3n,
    min_sequence_number: 1n,
    added_rows_count: 20n,
    existing_rows_count: 0n,
    deleted_rows_count: 0n,
  };
  const bytes = await avroFile(undefined, [rec], { type });
  const r = readManifestList(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, [{ manifestPath: 's3://b/t/metadata/big.avro', content: 'data' }]);
});

test('fields are matched by Iceberg field id when a writer uses other names', async () => {
  const renamed = {
    ...MANIFEST_LIST_V2,
    fields: MANIFEST_LIST_V2.fields.map((f) =>
      f['field-id'] === 500 ? { ...f, name: 'path_of_manifest' } : f['field-id'] === 517 ? { ...f, name: 'kind' } : f,
    ),
  };
  const { manifest_path, content, ...rest } = listV2('', 0);
  void manifest_path;
  void content;
  const bytes = await avroFile(renamed, [{ ...rest, path_of_manifest: 's3://b/x.avro', kind: 1 }]);
  const r = readManifestList(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, [{ manifestPath: 's3://b/x.avro', content: 'deletes' }]);
});

test('many records across several blocks are all returned, in order', async () => {
  const paths = Array.from({ length: 300 }, (_, i) => `s3://b/t/metadata/m-${i}.avro`);
  const bytes = await avroFile(MANIFEST_LIST_V1, paths.map(listV1), { codec: 'deflate', blockSize: 256 });
  const r = readManifestList(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(
    r.value.map((e) => e.manifestPath),
    paths,
  );
});

test('an empty manifest list (header only) reads as no entries', async () => {
  const bytes = await avroFile(MANIFEST_LIST_V2, []);
  const r = readManifestList(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, []);
});

test('a manifest is not a manifest list (and vice versa)', async () => {
  const manifest = await avroFile(MANIFEST_V2, [entryV2(1, 0, 's3://b/d.parquet')]);
  const list = await avroFile(MANIFEST_LIST_V2, [listV2('s3://b/m.avro', 0)]);
  const a = readManifestList(manifest);
  assert.equal(a.ok, false);
  const b = readManifest(list);
  assert.equal(b.ok, false);
  if (!b.ok) assert.equal(b.error.kind, 'invalid');
});

// ---- manifests --------------------------------------------------------------------------------

test('v1 manifest with deflate codec: data files with their statuses', async () => {
  const bytes = await avroFile(
    MANIFEST_V1,
    [entryV1(1, 's3://b/t/data/a.parquet'), entryV1(0, 's3://b/t/data/b.parquet'), entryV1(2, 's3://b/t/data/c.parquet')],
    { codec: 'deflate' },
  );
  const r = readManifest(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, [
    { filePath: 's3://b/t/data/a.parquet', content: 'data', status: 'added' },
    { filePath: 's3://b/t/data/b.parquet', content: 'data', status: 'existing' },
    { filePath: 's3://b/t/data/c.parquet', content: 'data', status: 'deleted' },
  ]);
});

test('v2 manifest: data, position-delete and equality-delete files', async () => {
  const bytes = await avroFile(MANIFEST_V2, [
    entryV2(1, 0, 's3://b/t/data/d.parquet'),
    entryV2(0, 1, 's3://b/t/data/pos-del.parquet'),
    entryV2(2, 2, 's3://b/t/data/eq-del.parquet'),
  ]);
  const r = readManifest(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, [
    { filePath: 's3://b/t/data/d.parquet', content: 'data', status: 'added' },
    { filePath: 's3://b/t/data/pos-del.parquet', content: 'position-deletes', status: 'existing' },
    { filePath: 's3://b/t/data/eq-del.parquet', content: 'equality-deletes', status: 'deleted' },
  ]);
});

test('snappy codec (snappy block + big-endian CRC32)', async () => {
  const bytes = await avroFile(MANIFEST_V2, [entryV2(1, 0, 's3://b/t/data/snappy.parquet')], {
    codec: 'snappy',
    codecs: snappyCodecs,
  });
  const r = readManifest(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, [{ filePath: 's3://b/t/data/snappy.parquet', content: 'data', status: 'added' }]);

  // flip a byte of the stored CRC: the block must be rejected
  const broken = Buffer.from(bytes);
  broken[broken.length - 17] ^= 0xff;
  assert.equal(readManifest(broken).ok, false);
});

test('snappy decompressor handles back-references (overlapping copies)', () => {
  // "abcd" literal, then copy len 8 offset 4 (1-byte-offset form), then copy len 3 offset 1 (2-byte form)
  const src = Buffer.from([15, 0x0c, 0x61, 0x62, 0x63, 0x64, ((8 - 4) << 2) | 1, 4, ((3 - 1) << 2) | 2, 1, 0]);
  const r = snappyUncompress(src);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.toString(), 'abcdabcdabcdddd');
  assert.equal(snappyUncompress(Buffer.from([5, 0x0c, 0x61])).ok, false);
  assert.equal(snappyUncompress(Buffer.from([4, ((4 - 4) << 2) | 1, 9])).ok, false);
});

test('unknown codec is reported as unsupported, not thrown', async () => {
  const bytes = await avroFile(MANIFEST_LIST_V1, [listV1('s3://b/m.avro')], {
    codec: 'bzip2',
    codecs: { bzip2: (buf, cb) => cb(null, buf) },
  });
  const r = readManifestList(bytes);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.kind, 'unsupported');
});

// ---- malformed input --------------------------------------------------------------------------

test('every truncation of a valid file is an error, never a throw', async () => {
  const list = await avroFile(MANIFEST_LIST_V2, [listV2('s3://b/a.avro', 0), listV2('s3://b/b.avro', 1)], {
    codec: 'deflate',
  });
  const manifest = await avroFile(MANIFEST_V1, [entryV1(1, 's3://b/a.parquet')]);
  assert.equal(readManifestList(list).ok, true);
  assert.equal(readManifest(manifest).ok, true);
  // A cut exactly after the header is a well-formed empty container; Avro cannot tell it from an
  // empty file, so that one length may read as "no entries". Every other cut must fail.
  const headerOnly = (await avroFile(MANIFEST_LIST_V2, [], { codec: 'deflate' })).length;
  for (let n = 0; n < list.length; n++) {
    const r = readManifestList(list.subarray(0, n));
    if (n === headerOnly) {
      assert.deepEqual(r, { ok: true, value: [] });
      continue;
    }
    assert.equal(r.ok, false, `manifest list truncated to ${n} bytes was accepted`);
    if (!r.ok) assert.equal(r.error.kind, 'invalid');
  }
  const manifestHeader = (await avroFile(MANIFEST_V1, [])).length;
  for (let n = 0; n < manifest.length; n++) {
    const r = readManifest(manifest.subarray(0, n));
    if (n === manifestHeader) continue;
    assert.equal(r.ok, false, `manifest truncated to ${n} bytes was accepted`);
  }
});

test('garbage, bad magic, bad sync marker and corrupted payload are errors', async () => {
  const good = await avroFile(MANIFEST_V2, [entryV2(1, 0, 's3://b/a.parquet')]);
  assert.equal(readManifest(Buffer.from('not avro at all')).ok, false);
  assert.equal(readManifest(Buffer.alloc(0)).ok, false);

  const badMagic = Buffer.from(good);
  badMagic[0] = 0;
  assert.equal(readManifest(badMagic).ok, false);

  const badSync = Buffer.from(good);
  badSync[badSync.length - 1] ^= 0xff;
  assert.equal(readManifest(badSync).ok, false);

  const badSchema = Buffer.from(good);
  const at = badSchema.indexOf('"record"');
  badSchema.write('"rekord"', at);
  const r = readManifest(badSchema);
  assert.equal(r.ok, false);

  // deterministic fuzz: flipping any single byte must never throw
  for (let i = 0; i < good.length; i++) {
    const copy = Buffer.from(good);
    copy[i] ^= 0x5a;
    assert.doesNotThrow(() => readManifest(copy));
    assert.doesNotThrow(() => readManifestList(copy));
  }
});

// ---- metadata references ----------------------------------------------------------------------

test('filesReferencedByMetadata collects, de-duplicates and keeps order', () => {
  const refs = filesReferencedByMetadata({
    snapshots: [
      { 'manifest-list': 's3://b/t/metadata/snap-1.avro' },
      { manifests: ['s3://b/t/metadata/m1.avro', 's3://b/t/metadata/m2.avro'] },
      { 'manifest-list': 's3://b/t/metadata/snap-3.avro' },
      { 'manifest-list': 's3://b/t/metadata/snap-1.avro' },
    ],
    statistics: [{ 'statistics-path': 's3://b/t/metadata/stats-1.puffin' }],
    'partition-statistics': [{ 'statistics-path': 's3://b/t/metadata/pstats-1.parquet' }],
    'metadata-log': [
      { 'metadata-file': 's3://b/t/metadata/00000-a.metadata.json' },
      { 'metadata-file': 's3://b/t/metadata/00001-b.metadata.json' },
    ],
  });
  assert.deepEqual(refs, {
    manifestLists: ['s3://b/t/metadata/snap-1.avro', 's3://b/t/metadata/snap-3.avro'],
    manifests: ['s3://b/t/metadata/m1.avro', 's3://b/t/metadata/m2.avro'],
    statistics: ['s3://b/t/metadata/stats-1.puffin', 's3://b/t/metadata/pstats-1.parquet'],
    previousMetadata: ['s3://b/t/metadata/00000-a.metadata.json', 's3://b/t/metadata/00001-b.metadata.json'],
  });
});
