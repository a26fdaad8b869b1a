// Hostile and plausible values for the fuzzer, all drawn from the repo's seeded Rng so that one
// seed reproduces a whole run. JSON is built as text (`Raw` pieces) so that numbers beyond 2^53,
// NaN and deliberately broken documents can be sent exactly.
import type { Rng } from '../../src/util/rng.js';

export class Gen {
  constructor(readonly rng: Rng) {}
  int(n: number): number {
    return Math.floor(this.rng.next() * n);
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
  /** a short name that is valid everywhere, tagged so stray files are recognisable */
  plainName(): string {
    return `fz${this.int(36 ** 4).toString(36)}`;
  }
}

/** A piece of JSON text inserted verbatim (numbers beyond 2^53, NaN, broken fragments). */
export class Raw {
  constructor(readonly text: string) {}
}

/** Serialises a value tree built by the generators; `Raw` pieces are written as they are. */
export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** How many `..` steps upward a hostile name may take at most; the warehouse is nested deeper. */
export const NAME_TRAVERSAL_STEPS_MAX = 8;

// Names (namespace levels, table and view names) a client could send in a JSON body.
export const HOSTILE_NAMES: readonly string[] = [
  '..', '.', '../fz', '../../fz', '../../../../../../../../fz', '..\\..\\fz', 'a\\b', '\\', 'a/b', '/', '//',
  'a\u0000b', '\u0000', '\ud800', 'a\udc00b', '\udfff\ud800', '%2E%2E', '%2e', '%00', '%ED%A0%80', '%', '%zz',
  'x'.repeat(1023), 'x'.repeat(1024), 'x'.repeat(1025), 'é'.repeat(512), 'é'.repeat(513), '😀'.repeat(257),
  '', ' ', '\t', '\n', 'a\u001fb', '\u001f', '\u007f', 'a.b', '~', '*', '?', '#', 'a b', 'a?b=c', 'a#b',
  '\u202e', '\ufeff', 'null', '__proto__', 'constructor', 'prototype', 'toString', 'CON', 'nul', 'metadata',
  'memory:', 'file:', 'file:///etc', 's3:', 'A', 'a'.repeat(200),
];

// Numbers as JSON text: ids around every boundary a parser might trip on.
export const HOSTILE_NUMBERS: readonly string[] = [
  '0', '-0', '1', '-1', '2', '3', '7', '2147483647', '2147483648', '-2147483649', '4294967296', '9007199254740991',
  '9007199254740992', '9007199254740993', '-9007199254740993', '9223372036854775807', '9223372036854775808',
  '-9223372036854775808', '-9223372036854775809', '18446744073709551616', '99999999999999999999999999999999999999',
  '1e308', '1e400', '-1e400', '1e-400', '1.5', '0.1', '-1.0', '1E2', '1e+2',
];
// Not JSON at all: only inside deliberately malformed documents.
export const NON_JSON_NUMBERS: readonly string[] = ['NaN', 'Infinity', '-Infinity', '+1', '01', '.5', '1.', '0x10', '1_000'];

export const HOSTILE_STRINGS: readonly string[] = [
  ...HOSTILE_NAMES.slice(0, 30), 'NaN', 'Infinity', '-1', '9223372036854775808', 'true', '{}', '[]', 'long', 'string',
  'struct', 'identity', 'bucket[16]', 'truncate[-1]', 'bucket[9999999999999]', 'asc', 'nulls-first', 'main', 'branch',
  'tag', '2026-13-45T99:99:99Z', 'PT0S', 'P1000000000Y', 'decimal(38,10)', 'decimal(99,99)', 'fixed[0]', 'fixed[-1]',
  'fixed[9999999999]', 'list', 'map', 'x'.repeat(5000),
];

/** Primitive Iceberg type names, valid and nearly valid. */
export const PRIMITIVE_TYPES: readonly string[] = [
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns',
  'timestamptz_ns', 'string', 'uuid', 'binary', 'unknown', 'variant', 'geometry', 'geography', 'decimal(10,2)',
  'decimal(38,0)', 'fixed[16]', 'decimal(0,0)', 'decimal(39,1)', 'decimal(-1,2)', 'fixed[0]', 'fixed[-3]', 'LONG',
  'long ', 'decimal(10, 2)', 'geometry(srid:4326)', 'geography(srid:4326, spherical)', 'timestamp_ms',
];

export const TRANSFORMS: readonly string[] = [
  'identity', 'year', 'month', 'day', 'hour', 'void', 'bucket[16]', 'truncate[4]', 'bucket[0]', 'truncate[0]',
  'bucket[-5]', 'bucket[2147483648]', 'truncate[99999999999999999999]', 'unknown-transform', 'bucket[', 'bucket[]',
];

/**
 * Percent-encoded path segments that try to escape or confuse routing. `%ED%A0%80` is a lone
 * surrogate in (invalid) UTF-8, `%1F` separates namespace levels, `%` alone is bad encoding.
 */
export const HOSTILE_SEGMENTS: readonly string[] = [
  '..', '.', '%2E%2E', '%2e%2e', '%2E', '.%2E', '%00', 'a%00b', '%5C', 'a%5Cb', '%5C..%5C..%5Cfz', '\\', '..\\..\\fz',
  '%ED%A0%80', 'a%ED%B0%80b', '%C0%AE%C0%AE', '%C0%80', '%FF', '%F0%9F%98%80', '%', '%2', '%zz', 'a%2Fb', '%2F', '%2F..%2F..%2Ffz',
  '%1F', 'a%1F', '%1Fa', 'a%1F%1Fb', 'a%1Fb%1Fc', '%1F%1F', '..%1F..', '%2E%2E%1F%2E%2E%1Ffz', '%7F', '%0A', '%0D%0A', '%09', '%20',
  '+', '~', '*', '%2A', '%3F', '%23', '%25', '%252E%252E', 'x'.repeat(1024), 'x'.repeat(1025), 'x'.repeat(4096), 'x'.repeat(5000),
  '%C3%A9'.repeat(512), '%C3%A9'.repeat(513), Array.from({ length: 17 }, () => 'a').join('%1F'), Array.from({ length: 16 }, () => '..').join('%1F'),
  'memory:', 'file:%2F%2F%2Fetc', 'NaN', '-1', '9223372036854775808', '__proto__', 'constructor',
];

/** Query values: separators, bad encoding, huge numbers, empty. */
export const HOSTILE_QUERY_VALUES: readonly string[] = [
  '', '0', '-1', '1', '1000', '1001', '9223372036854775808', '99999999999999999999999', 'NaN', 'Infinity', '1.5', '1e3',
  'abc', '%00', '%ED%A0%80', '%', '%zz', 'a%1Fb', '%1F', '..', '%2E%2E', 'true', 'TRUE', 'false', 'refs', 'all', 'REFS',
  'x'.repeat(2000), '%5C', 'a%26b%3Dc',
];

export const HOSTILE_HEADER_VALUES: readonly string[] = [
  '', 'x', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '*', '"x"', 'W/"x"', '"', 'x'.repeat(4000),
  '017f6ac5-9c26-7c44-8a7e-2e2cce5f6a2c', '\u00e9', 'strong', 'snapshot', 'vended-credentials,remote-signing',
];

/** Deeply nested JSON text: arrays or objects, `depth` levels. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Malformed JSON documents; each one must be a 400, none a 500. */
export function malformedJson(gen: Gen, valid: string): string {
  const cut = valid.length > 1 ? gen.int(valid.length - 1) + 1 : 1;
  const options: Array<() => string> = [
    () => valid.slice(0, cut),
    () => valid + '}',
    () => valid.replace(/"/, "'"),
    () => valid.replace(/:/, ''),
    () => `{"a":${gen.pick(NON_JSON_NUMBERS)}}`,
    () => valid.replace(/\d+/, gen.pick(NON_JSON_NUMBERS)),
    () => '{"a":"\\ud800"}',
    () => '{"a":"\\u00"}',
    () => '{"a":1,}',
    () => '[1,2',
    () => '\u0000',
    () => '\ufeff{}',
    () => 'null',
    () => 'true',
    () => '"string"',
    () => '12345678901234567890123',
    () => '{"__proto__":{"polluted":1}}',
    () => '{"constructor":{"prototype":{"polluted":1}}}',
    () => '{"a":1,"a":2}',
    () => '{' + '"k":1,'.repeat(5000) + '"k":2}',
    () => '\xff\xfe',
    () => '{"a": "' + '\\'.repeat(3) + '"}',
  ];
  return gen.pick(options)();
}
