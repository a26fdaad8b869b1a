// Iceberg primitive values for scan planning: the binary single-value form manifests store
// bounds in (format/spec.md Appendix D; Java `Conversions.fromByteBuffer`), filter literals from
// expression JSON, and a comparison that says "don't know" rather than guess.
//
// Values are kept in one representation per type:
//   boolean → boolean · int, date → number · long, time, timestamp* → bigint
//   float, double → number · string → string · uuid, fixed, binary → Buffer
//   decimal → { unscaled, scale } (compared as exact rationals, whatever the scale)
// `undefined` always means "unknown": a caller must then assume a file might match.
import type { Type } from '../schema/index.js';

export type Kind =
  | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'time'
  | 'timestamp' | 'timestamptz' | 'timestamp_ns' | 'timestamptz_ns'
  | 'string' | 'uuid' | 'fixed' | 'binary' | 'decimal';

export interface PrimitiveKind {
  kind: Kind;
  /** fixed[N] length */
  length?: number;
  /** decimal(P,S) */
  precision?: number;
  scale?: number;
}

export interface Decimal { unscaled: bigint; scale: number }
export type Value = boolean | number | bigint | string | Buffer | Decimal;

const SIMPLE: readonly Kind[] = [
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz',
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary',
];

/** The primitive kind of a schema type, or undefined for nested, variant, geo and unknown types. */
export function primitiveKind(type: Type): PrimitiveKind | undefined {
  if (typeof type !== 'string') return undefined;
  const t = type.trim().toLowerCase();
  if ((SIMPLE as readonly string[]).includes(t)) return { kind: t as Kind };
  const fixed = /^fixed\[\s*(\d+)\s*\]$/.exec(t);
  if (fixed) return { kind: 'fixed', length: Number(fixed[1]) };
  const decimal = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/.exec(t);
  if (decimal) return { kind: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  return undefined;
}

const isInteger = (k: Kind) => k === 'int' || k === 'date';
const isLong = (k: Kind) => k === 'long' || k === 'time' || k === 'timestamp' || k === 'timestamptz' || k === 'timestamp_ns' || k === 'timestamptz_ns';
export const isFloating = (k: Kind) => k === 'float' || k === 'double';

// ---- binary single-value form -----------------------------------------------------------------

function unscaledFromBytes(bytes: Buffer): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/** Decodes a bound as stored in a manifest; undefined when the bytes do not fit the type. */
export function decodeSingleValue(type: PrimitiveKind, bytes: Buffer): Value | undefined {
  const k = type.kind;
  if (k === 'boolean') return bytes.length === 1 ? bytes[0] !== 0 : undefined;
  if (isInteger(k)) return bytes.length === 4 ? bytes.readInt32LE(0) : undefined;
  if (isLong(k)) {
    if (bytes.length === 8) return bytes.readBigInt64LE(0);
    // a long column promoted from int keeps the int's 4-byte bounds (Java Conversions does the same)
    if (bytes.length === 4 && k === 'long') return BigInt(bytes.readInt32LE(0));
    return undefined;
  }
  if (k === 'float') return bytes.length === 4 ? bytes.readFloatLE(0) : undefined;
  if (k === 'double') {
    if (bytes.length === 8) return bytes.readDoubleLE(0);
    // promoted from float
    if (bytes.length === 4) return bytes.readFloatLE(0);
    return undefined;
  }
  if (k === 'string') {
    const s = bytes.toString('utf8');
    // lossy decoding (invalid UTF-8) would compare wrongly: not a bound we can trust
    return Buffer.byteLength(s, 'utf8') === bytes.length && Buffer.from(s, 'utf8').equals(bytes) ? s : undefined;
  }
  if (k === 'uuid') return bytes.length === 16 ? Buffer.from(bytes) : undefined;
  if (k === 'fixed' || k === 'binary') return Buffer.from(bytes);
  if (k === 'decimal') return bytes.length === 0 ? undefined : { unscaled: unscaledFromBytes(bytes), scale: type.scale ?? 0 };
  return undefined;
}

/**
 * A partition value as the Avro reader decoded it (int → number, long → bigint, fixed/bytes →
 * Buffer, …) in this module's representation; undefined when it does not fit the type. null stays
 * null (a null partition value).
 */
export function fromAvroValue(type: PrimitiveKind, v: unknown): Value | null | undefined {
  if (v === null || v === undefined) return null;
  const k = type.kind;
  if (k === 'boolean') return typeof v === 'boolean' ? v : undefined;
  if (isInteger(k)) return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  if (isLong(k)) return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
  if (isFloating(k)) return typeof v === 'number' ? v : undefined;
  if (k === 'string') return typeof v === 'string' ? v : undefined;
  if (k === 'uuid') {
    if (Buffer.isBuffer(v)) return v.length === 16 ? v : undefined;
    return typeof v === 'string' ? uuidBytes(v) : undefined;
  }
  if (k === 'fixed' || k === 'binary') return Buffer.isBuffer(v) ? v : undefined;
  if (k === 'decimal') return Buffer.isBuffer(v) && v.length > 0 ? { unscaled: unscaledFromBytes(v), scale: type.scale ?? 0 } : undefined;
  return undefined;
}

// ---- literals from expression JSON ------------------------------------------------------------

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

function integral(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

const DATE = /^([+-]?\d{4,6})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const OFFSET = /(Z|[+-]\d{2}:\d{2})$/;

/** Days since 1970-01-01 of a proleptic Gregorian date; undefined for an invalid one. */
export function daysFromCivil(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return Math.floor(d.getTime() / 86_400_000);
}

function parseDate(s: string): number | undefined {
  const m = DATE.exec(s);
  return m ? daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** Units (10^-digits seconds) since midnight; undefined when finer than the unit. */
function parseTime(s: string, digits: 6 | 9): bigint | undefined {
  const m = TIME.exec(s);
  if (!m) return undefined;
  const [h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? '0')];
  if (h > 23 || min > 59 || sec > 59) return undefined;
  const frac = m[4] ?? '';
  if (frac.length > digits && /[1-9]/.test(frac.slice(digits))) return undefined;
  const fraction = BigInt(frac.slice(0, digits).padEnd(digits, '0'));
  return BigInt(h * 3600 + min * 60 + sec) * 10n ** BigInt(digits) + fraction;
}

/** Units since the epoch of "YYYY-MM-DDTHH:MM[:SS[.f]]" with or without an offset. */
function parseTimestamp(s: string, digits: 6 | 9, withZone: boolean): bigint | undefined {
  const offset = OFFSET.exec(s);
  // Java refuses an offset for timestamp and requires one for timestamptz
  if (Boolean(offset) !== withZone) return undefined;
  const body = offset ? s.slice(0, -offset[1]!.length) : s;
  const t = body.indexOf('T');
  if (t < 0) return undefined;
  const days = parseDate(body.slice(0, t));
  const time = parseTime(body.slice(t + 1), digits);
  if (days === undefined || time === undefined) return undefined;
  const perSecond = 10n ** BigInt(digits);
  let units = BigInt(days) * 86_400n * perSecond + time;
  if (offset && offset[1] !== 'Z') {
    const sign = offset[1]!.startsWith('-') ? -1n : 1n;
    const [oh, om] = offset[1]!.slice(1).split(':').map(Number) as [number, number];
    units -= sign * BigInt(oh * 3600 + om * 60) * perSecond;
  }
  return units;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parseDecimal(s: string): Decimal | undefined {
  const m = DECIMAL.exec(s.trim());
  if (!m) return undefined;
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0');
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) return undefined;
  const unscaled = BigInt(`${m[1] === '-' ? '-' : ''}${m[2]}${frac}`);
  return { unscaled, scale: frac.length - exp };
}

function uuidBytes(s: string): Buffer | undefined {
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) return undefined;
  return Buffer.from(s.replace(/-/g, ''), 'hex');
}

function hexBytes(s: string): Buffer | undefined {
  return /^(?:[0-9a-fA-F]{2})*$/.test(s) ? Buffer.from(s, 'hex') : undefined;
}

/**
 * A filter literal converted to the column's type, exactly; undefined when the conversion is not
 * exact or not understood (a predicate with such a literal can prune nothing). Literals are the
 * JSON the spec allows: numbers (bigint beyond 2^53), strings in the single-value JSON form
 * (dates, timestamps, decimals, UUIDs, hex for binary), booleans.
 */
export function literalFor(type: PrimitiveKind, v: unknown): Value | undefined {
  const k = type.kind;
  if (k === 'boolean') return typeof v === 'boolean' ? v : undefined;
  if (k === 'int') {
    const i = integral(v);
    return i !== undefined && i >= INT_MIN && i <= INT_MAX ? Number(i) : undefined;
  }
  if (k === 'long') {
    const i = integral(v);
    return i !== undefined && i >= LONG_MIN && i <= LONG_MAX ? i : undefined;
  }
  if (k === 'float') {
    if (typeof v !== 'number' || Number.isNaN(v)) return undefined;
    // a value float cannot hold exactly would compare differently in float and in double
    return Math.fround(v) === v ? v : undefined;
  }
  if (k === 'double') {
    if (typeof v === 'number') return Number.isNaN(v) ? undefined : v;
    if (typeof v === 'bigint') return BigInt(Number(v)) === v ? Number(v) : undefined;
    return undefined;
  }
  if (k === 'date') {
    if (typeof v === 'string') return parseDate(v);
    const i = integral(v);
    return i !== undefined && i >= INT_MIN && i <= INT_MAX ? Number(i) : undefined;
  }
  if (k === 'time') return typeof v === 'string' ? parseTime(v, 6) : integral(v);
  if (k === 'timestamp' || k === 'timestamptz' || k === 'timestamp_ns' || k === 'timestamptz_ns') {
    if (typeof v === 'string') return parseTimestamp(v, k.endsWith('_ns') ? 9 : 6, k.startsWith('timestamptz'));
    return integral(v);
  }
  if (k === 'string') return typeof v === 'string' ? v : undefined;
  if (k === 'uuid') return typeof v === 'string' ? uuidBytes(v) : undefined;
  if (k === 'fixed') {
    const b = typeof v === 'string' ? hexBytes(v) : undefined;
    return b && b.length === type.length ? b : undefined;
  }
  if (k === 'binary') return typeof v === 'string' ? hexBytes(v) : undefined;
  if (k === 'decimal') {
    if (typeof v === 'string') return parseDecimal(v);
    if (typeof v === 'bigint') return { unscaled: v, scale: 0 };
    if (typeof v === 'number' && Number.isFinite(v)) return parseDecimal(String(v));
    return undefined;
  }
  return undefined;
}

// ---- comparison -------------------------------------------------------------------------------

const sign = (n: number | bigint): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Java's Double.compare: -0.0 < 0.0, NaN above everything and equal to itself. */
function compareDouble(a: number, b: number): -1 | 0 | 1 {
  if (a < b) return -1;
  if (a > b) return 1;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  if (a === 0 && b === 0) return Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;
  return 0;
}

function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = a.unscaled * 10n ** BigInt(scale - a.scale);
  const y = b.unscaled * 10n ** BigInt(scale - b.scale);
  return sign(x - y);
}

/**
 * Strings in Iceberg order (code points, i.e. UTF-8 bytes). Java compares UTF-16 units in places;
 * the two orders differ only once a string holds a unit at or above U+D800, so such comparisons
 * are left unknown.
 */
function compareString(a: string, b: string): -1 | 0 | 1 | undefined {
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return undefined;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two values of one kind; undefined when the order is not certain. */
export function compareValues(kind: Kind, a: Value, b: Value): -1 | 0 | 1 | undefined {
  if (kind === 'boolean') return typeof a === 'boolean' && typeof b === 'boolean' ? sign(Number(a) - Number(b)) : undefined;
  if (isFloating(kind)) return typeof a === 'number' && typeof b === 'number' ? compareDouble(a, b) : undefined;
  if (typeof a === 'number' && typeof b === 'number') return sign(a - b);
  if (typeof a === 'bigint' && typeof b === 'bigint') return sign(a - b);
  if (kind === 'string') return typeof a === 'string' && typeof b === 'string' ? compareString(a, b) : undefined;
  // uuid order differs between Iceberg versions (signed vs unsigned): equality only
  if (kind === 'uuid') return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b) ? 0 : undefined;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return sign(Buffer.compare(a, b));
  if (kind === 'decimal' && isDecimal(a) && isDecimal(b)) return compareDecimal(a, b);
  return undefined;
}

/** A decimal at another scale, when that is exact (1.5 → 1.50, not 1.25 → 1.2). */
export function rescale(d: Decimal, scale: number): Decimal | undefined {
  if (d.scale === scale) return d;
  if (scale > d.scale) return { unscaled: d.unscaled * 10n ** BigInt(scale - d.scale), scale };
  const f = 10n ** BigInt(d.scale - scale);
  return d.unscaled % f === 0n ? { unscaled: d.unscaled / f, scale } : undefined;
}

export const isDecimal = (v: unknown): v is Decimal =>
  typeof v === 'object' && v !== null && !Buffer.isBuffer(v) && typeof (v as Decimal).unscaled === 'bigint';

/** Whether two values are certainly equal (for set membership on exact partition values). */
export const equalValues = (kind: Kind, a: Value, b: Value): boolean | undefined => {
  if (kind === 'uuid') return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : undefined;
  const c = compareValues(kind, a, b);
  return c === undefined ? undefined : c === 0;
};
