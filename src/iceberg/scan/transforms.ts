// Partition transforms (format/spec.md "Partition Transforms", Appendix B for bucket hashing),
// applied to filter literals so a predicate can be projected onto partition values.
import { type Kind, type PrimitiveKind, type Value, isDecimal, rescale } from './values.js';

export type Transform =
  | { name: 'identity' }
  | { name: 'bucket'; n: number }
  | { name: 'truncate'; width: number }
  | { name: 'year' | 'month' | 'day' | 'hour' }
  | { name: 'void' };

/** Parses a transform string; undefined for ones this planner does not know. */
export function parseTransform(s: string): Transform | undefined {
  const t = s.trim().toLowerCase();
  if (t === 'identity' || t === 'void' || t === 'year' || t === 'month' || t === 'day' || t === 'hour') return { name: t };
  const m = /^(bucket|truncate)\[\s*(\d+)\s*\]$/.exec(t);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  return m[1] === 'bucket' ? { name: 'bucket', n } : { name: 'truncate', width: n };
}

const TIME_SOURCES: readonly Kind[] = ['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'];

/** The type of a transform's result on a source type; undefined when it does not apply. */
export function resultKind(t: Transform, source: PrimitiveKind): PrimitiveKind | undefined {
  switch (t.name) {
    case 'identity':
    case 'truncate':
      if (t.name === 'truncate' && !['int', 'long', 'decimal', 'string', 'binary'].includes(source.kind)) return undefined;
      return source;
    case 'bucket':
      return source.kind === 'float' || source.kind === 'double' || source.kind === 'boolean' ? undefined : { kind: 'int' };
    case 'year':
    case 'month':
      return TIME_SOURCES.includes(source.kind) ? { kind: 'int' } : undefined;
    case 'day':
      return TIME_SOURCES.includes(source.kind) ? { kind: 'date' } : undefined;
    case 'hour':
      return TIME_SOURCES.includes(source.kind) && source.kind !== 'date' ? { kind: 'int' } : undefined;
    case 'void':
      return undefined;
  }
}

// ---- murmur3_x86_32, seed 0 (the spec's bucket hash) ------------------------------------------

function murmur3(data: Buffer): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const blocks = data.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    let k = data.readUInt32LE(i * 4);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = data.length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= data[tail + 2]! << 16;
    if (rest >= 2) k ^= data[tail + 1]! << 8;
    k ^= data[tail]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const longBytes = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt.asIntN(64, v));
  return b;
};

/** Minimal big-endian two's complement bytes of an unscaled decimal (Java BigInteger.toByteArray). */
function minimalBytes(v: bigint): Buffer {
  let bytes = 1;
  while (v < -(1n << BigInt(bytes * 8 - 1)) || v >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  const out = Buffer.alloc(bytes);
  let x = BigInt.asUintN(bytes * 8, v);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** The spec's 32-bit hash of a value; undefined for types bucket does not take. */
export function bucketHash(source: PrimitiveKind, v: Value): number | undefined {
  switch (source.kind) {
    case 'int':
    case 'date':
      return typeof v === 'number' ? murmur3(longBytes(BigInt(v))) : undefined;
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return typeof v === 'bigint' ? murmur3(longBytes(v)) : undefined;
    case 'string':
      return typeof v === 'string' ? murmur3(Buffer.from(v, 'utf8')) : undefined;
    case 'uuid':
    case 'fixed':
    case 'binary':
      return Buffer.isBuffer(v) ? murmur3(v) : undefined;
    case 'decimal':
    {
      const d = isDecimal(v) ? rescale(v, source.scale ?? 0) : undefined;
      return d ? murmur3(minimalBytes(d.unscaled)) : undefined;
    }
    default:
      // timestamp_ns hashing is defined on micros; not needed for a conservative planner
      return undefined;
  }
}

// ---- applying a transform to a literal --------------------------------------------------------

const floorDiv = (a: bigint, b: bigint) => {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
};

/** Civil year and month (1-12) of days since the epoch. */
function civil(days: number): { year: number; month: number } {
  const d = new Date(days * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

function timeParts(source: Kind, v: Value): { days: number; hours: bigint } | undefined {
  if (source === 'date') return typeof v === 'number' ? { days: v, hours: BigInt(v) * 24n } : undefined;
  if (typeof v !== 'bigint') return undefined;
  const perHour = source.endsWith('_ns') ? 3_600_000_000_000n : 3_600_000_000n;
  const hours = floorDiv(v, perHour);
  return { days: Number(floorDiv(hours, 24n)), hours };
}

/**
 * A transform applied to a (non-null) literal of the source type, in the result type's
 * representation; undefined when the value cannot be transformed here.
 */
export function applyTransform(t: Transform, source: PrimitiveKind, v: Value): Value | undefined {
  switch (t.name) {
    case 'identity':
      return v;
    case 'void':
      return undefined;
    case 'bucket': {
      const h = bucketHash(source, v);
      return h === undefined ? undefined : (h & 0x7fffffff) % t.n;
    }
    case 'truncate': {
      const w = t.width;
      if (source.kind === 'int' && typeof v === 'number') return v - (((v % w) + w) % w);
      if (source.kind === 'long' && typeof v === 'bigint') {
        const bw = BigInt(w);
        return v - (((v % bw) + bw) % bw);
      }
      if (source.kind === 'decimal' && isDecimal(v)) {
        const d = rescale(v, source.scale ?? 0);
        if (!d) return undefined;
        const bw = BigInt(w);
        return { unscaled: d.unscaled - (((d.unscaled % bw) + bw) % bw), scale: d.scale };
      }
      if (source.kind === 'string' && typeof v === 'string') return Array.from(v).slice(0, w).join('');
      if (source.kind === 'binary' && Buffer.isBuffer(v)) return v.subarray(0, w);
      return undefined;
    }
    case 'year':
    case 'month':
    case 'day':
    case 'hour': {
      const parts = timeParts(source.kind, v);
      if (!parts) return undefined;
      if (t.name === 'hour') return source.kind === 'date' ? undefined : Number(parts.hours);
      if (t.name === 'day') return parts.days;
      const { year, month } = civil(parts.days);
      return t.name === 'year' ? year - 1970 : (year - 1970) * 12 + (month - 1);
    }
  }
}
