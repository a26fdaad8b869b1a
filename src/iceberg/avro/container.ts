// Synchronous reader for Avro object container files held in a Buffer.
//
// avsc only ships a streaming container decoder; purge reads whole (small) manifest files that
// are already in memory, so a synchronous reader keeps the callers simple and lets every
// malformed input come back as a Result instead of a stream 'error' event.
//
// Container layout (Avro spec "Object Container Files"):
//   magic 'O' 'b' 'j' 0x01 · metadata map<bytes> (avro.schema, avro.codec, …) · 16-byte sync
//   then blocks: long record count · long byte size · (compressed) records · the same sync
import zlib from 'node:zlib';
import avro from 'avsc';
import { err, ok, type Result } from '../../util/index.js';
import { invalid, IcebergError } from '../errors.js';
import { snappyUncompress } from './snappy.js';

export interface AvroContainer {
  /** the writer schema from the header, as parsed JSON (keeps Iceberg's `field-id` attributes) */
  schema: unknown;
  records: unknown[];
  metadata: Record<string, Buffer>;
}

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);
const SYNC_SIZE = 16;
// guards against decompression bombs in files we did not write
const MAX_BLOCK_BYTES = 1 << 30;

const HEADER_META = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const LONG = avro.Type.forSchema('long');

// Iceberg ids (snapshot ids, sequence numbers) are full 64-bit values; avsc's default long type
// refuses anything beyond 2^53. We decode longs to bigint so such files parse; callers here only
// look at strings and ints anyway.
const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string | number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

function longHook(schema: unknown): avro.Type | undefined {
  if (schema === 'long') return BIGINT_LONG;
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema)) {
    const s = schema as { type?: unknown; logicalType?: unknown };
    // a logical type over long (timestamp-micros, …) is just a long to us as well
    if (s.type === 'long') return BIGINT_LONG;
  }
  return undefined;
}

const bad = (message: string) => err(invalid(`Invalid Avro file: ${message}`));

function decompress(codec: string, data: Buffer): Result<Buffer, IcebergError> {
  switch (codec) {
    case 'null':
      return ok(data);
    case 'deflate':
      // Avro's deflate is raw RFC 1951 data, no zlib header
      try {
        return ok(zlib.inflateRawSync(data, { maxOutputLength: MAX_BLOCK_BYTES }));
      } catch (e) {
        return bad(`deflate block: ${(e as Error).message}`);
      }
    case 'snappy': {
      // snappy data followed by the big-endian CRC32 of the uncompressed bytes
      if (data.length < 4) return bad('snappy block too short');
      const out = snappyUncompress(data.subarray(0, data.length - 4));
      if (!out.ok) return bad(out.error);
      if (zlib.crc32(out.value) !== data.readUInt32BE(data.length - 4)) return bad('snappy block checksum mismatch');
      return ok(out.value);
    }
    case 'zstandard': {
      // zstd joined node:zlib in Node 22.15; on older runtimes we cannot read these files
      const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;
      if (!zstd) {
        return err(new IcebergError('unsupported', 'Avro codec zstandard needs Node >= 22.15'));
      }
      try {
        return ok(zstd(data));
      } catch (e) {
        return bad(`zstandard block: ${(e as Error).message}`);
      }
    }
    default:
      return err(new IcebergError('unsupported', `Unsupported Avro codec: ${codec}`));
  }
}

function readLong(buf: Buffer, pos: number): { value: number; offset: number } | undefined {
  const r = LONG.decode(buf, pos);
  if (r.offset < 0 || typeof r.value !== 'number') return undefined;
  return { value: r.value, offset: r.offset };
}

export function readAvroContainer(bytes: Buffer): Result<AvroContainer, IcebergError> {
  try {
    return readUnsafe(bytes);
  } catch (e) {
    // avsc throws on some corrupt input (bad union index, precision loss, invalid schema …);
    // anything thrown while decoding foreign bytes is a malformed file, not a bug of ours
    return bad((e as Error).message);
  }
}

function readUnsafe(bytes: Buffer): Result<AvroContainer, IcebergError> {
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    return bad('not an Avro object container file (bad magic)');
  }
  const header = HEADER_META.decode(bytes, MAGIC.length);
  if (header.offset < 0) return bad('truncated header');
  const metadata = header.value as Record<string, Buffer>;
  let pos = header.offset;
  if (pos + SYNC_SIZE > bytes.length) return bad('truncated header');
  const sync = bytes.subarray(pos, pos + SYNC_SIZE);
  pos += SYNC_SIZE;

  const schemaBytes = metadata['avro.schema'];
  if (!schemaBytes) return bad('missing avro.schema');
  let schema: unknown;
  try {
    schema = JSON.parse(schemaBytes.toString('utf8'));
  } catch {
    return bad('avro.schema is not JSON');
  }
  const codec = metadata['avro.codec']?.toString('utf8') || 'null';
  const type = avro.Type.forSchema(schema as avro.Schema, { typeHook: longHook, wrapUnions: 'never' });

  const records: unknown[] = [];
  while (pos < bytes.length) {
    const count = readLong(bytes, pos);
    if (!count) return bad('truncated block header');
    const size = readLong(bytes, count.offset);
    if (!size) return bad('truncated block header');
    if (count.value < 0 || size.value < 0 || size.value > MAX_BLOCK_BYTES) return bad('corrupt block header');
    const start = size.offset;
    const end = start + size.value;
    if (end + SYNC_SIZE > bytes.length) return bad('truncated block');
    if (!bytes.subarray(end, end + SYNC_SIZE).equals(sync)) return bad('block sync marker mismatch');
    const data = decompress(codec, bytes.subarray(start, end));
    if (!data.ok) return data;
    // every record of the schemas we read takes at least one byte, so a larger count is corrupt
    // (and would otherwise spin for a very long time)
    if (count.value > data.value.length) return bad('block record count exceeds block size');
    let p = 0;
    for (let i = 0; i < count.value; i++) {
      const r = type.decode(data.value, p);
      if (r.offset < 0) return bad('truncated record');
      records.push(r.value);
      p = r.offset;
    }
    if (p !== data.value.length) return bad('trailing bytes in block');
    pos = end + SYNC_SIZE;
  }
  return ok({ schema, records, metadata });
}
