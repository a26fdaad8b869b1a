// Raw Snappy block decompression (the format inside Avro's `snappy` codec). Node has no built-in
// snappy and the format is tiny, so a dependency is not worth it. Only decompression is needed:
// we read manifests other engines wrote, we never write Avro.
//
// Format: varint uncompressed length, then elements whose tag byte's low 2 bits select
//   00 literal (length-1 in the upper 6 bits, or 60..63 → 1..4 little-endian length bytes follow)
//   01 copy, length 4..11, 11-bit offset
//   10 copy, length 1..64, 16-bit little-endian offset
//   11 copy, length 1..64, 32-bit little-endian offset
import { err, ok, type Result } from '../../util/index.js';

export function snappyUncompress(src: Buffer): Result<Buffer, string> {
  let pos = 0;
  // preamble: uncompressed length as a little-endian base-128 varint (at most 32 bits)
  let outLen = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length || shift > 28) return err('snappy: bad length preamble');
    const b = src[pos++];
    outLen += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  const out = Buffer.alloc(outLen);
  let o = 0;
  while (pos < src.length) {
    const tag = src[pos++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > src.length) return err('snappy: truncated literal length');
        len = src.readUIntLE(pos, extra);
        pos += extra;
      }
      len += 1;
      if (pos + len > src.length || o + len > outLen) return err('snappy: literal out of bounds');
      src.copy(out, o, pos, pos + len);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= src.length) return err('snappy: truncated copy');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[pos++];
    } else if (kind === 2) {
      if (pos + 2 > src.length) return err('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = src.readUInt16LE(pos);
      pos += 2;
    } else {
      if (pos + 4 > src.length) return err('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = src.readUInt32LE(pos);
      pos += 4;
    }
    if (offset === 0 || offset > o || o + len > outLen) return err('snappy: copy out of bounds');
    // byte by byte: source and destination may overlap (run-length style copies)
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== outLen) return err(`snappy: expected ${outLen} bytes, got ${o}`);
  return ok(out);
}
