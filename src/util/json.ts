// Lossless JSON for Iceberg documents. Java and PyIceberg pick random 63-bit snapshot ids
// (e.g. 8744736658442914487), beyond 2^53, which `JSON.parse` silently rounds. Here an integer
// literal that is not a safe integer becomes a `bigint`; every other number stays a `number`, so
// documents without huge integers read exactly as with `JSON.parse`. Writing emits `bigint`
// values as plain JSON number digits (never strings).
import { parse as losslessParse, stringify as losslessStringify } from 'lossless-json';

const INTEGER = /^-?\d+$/;

function parseNumber(text: string): number | bigint {
  const n = Number(text);
  return INTEGER.test(text) && !Number.isSafeInteger(n) ? BigInt(text) : n;
}

/** True when `value` holds a number that JSON.parse may have rounded (an integer beyond ±(2^53 - 1)). */
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasUnsafeInteger(item)) return true;
    return false;
  }
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * `JSON.parse`, except that integers outside ±(2^53 - 1) become `bigint` instead of being rounded.
 * Like `JSON.parse`: a repeated key keeps its last value, and `__proto__` is an ordinary key.
 * Throws SyntaxError on malformed text.
 */
export function parseJson(text: string): unknown {
  // Fast path: the native parser, and a (cheap) walk to see whether it rounded anything. Only
  // documents that really hold huge integers pay for the lossless parser.
  const fast = JSON.parse(text) as unknown;
  if (!hasUnsafeInteger(fast)) return fast;
  return losslessParse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
}

/**
 * True when arrays and objects in `text` nest deeper than `max`. A linear scan of the text
 * without recursion, so it is safe on any input; brackets inside strings are not counted.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

// Writing: bigints are swapped for quoted marker strings in a copy-on-write copy of the value
// (only the objects and arrays on a path to a bigint are copied), the copy is written by the
// native JSON.stringify, and then the quotes and marker around each bigint's digits are stripped.
// That is about 1.5x the cost of JSON.stringify, where lossless-json's writer is about 2.5x. The
// nonce makes a marker in real data practically impossible, and the length check makes it
// harmless: if the pattern matched anything but our own markers, lossless-json writes instead.
const NONCE = `\u0000bigint-${Math.random().toString(36).slice(2)}:`;
/** the marker as it appears in JSON text: the NUL is escaped as the 6 characters `\u0000` */
const NONCE_TEXT = JSON.stringify(NONCE).slice(1, -1);
const MARKER = new RegExp(`"${NONCE_TEXT.replace('\\', '\\\\')}(-?\\d+)"`, 'g');
/** characters each marker adds around the digits: two quotes and the escaped nonce */
const MARKER_OVERHEAD = NONCE_TEXT.length + 2;

interface Replaced { bigints: number }

function replaceBigints(value: unknown, found: Replaced): unknown {
  if (typeof value === 'bigint') {
    found.bigints++;
    return NONCE + value.toString();
  }
  if (typeof value !== 'object' || value === null) return value;
  // toJSON output is produced inside JSON.stringify; a bigint in it makes that throw (→ fallback).
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const replaced = replaceBigints(item, found);
      if (replaced !== item) {
        copy ??= value.slice();
        copy[i] = replaced;
      }
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  // Own enumerable string keys: exactly what JSON.stringify writes.
  for (const key of Object.keys(record)) {
    const member = record[key];
    const replaced = replaceBigints(member, found);
    if (replaced !== member) {
      copy ??= { ...record };
      // defineProperty, not assignment: a "__proto__" key must stay an ordinary member
      Object.defineProperty(copy, key, { value: replaced, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy ?? value;
}

function losslessOrThrow(value: unknown): string {
  const text = losslessStringify(value);
  if (text === undefined) throw new TypeError(`Value has no JSON representation: ${typeof value}`);
  return text;
}

/**
 * `JSON.stringify(value)` that also writes `bigint` values as JSON numbers (digits, no quotes).
 * `toJSON`, `undefined` members, functions and symbols behave as in JSON.stringify. Throws
 * TypeError when the value itself has no JSON representation (e.g. `undefined`).
 */
export function stringifyJson(value: unknown): string {
  const found: Replaced = { bigints: 0 };
  const copy = replaceBigints(value, found);
  let text: string | undefined;
  try {
    text = JSON.stringify(copy) as string | undefined;
  } catch (error) {
    // a bigint produced by some toJSON(); lossless-json writes those
    if (error instanceof TypeError && /BigInt/i.test(error.message)) return losslessOrThrow(value);
    throw error;
  }
  if (text === undefined) throw new TypeError(`Value has no JSON representation: ${typeof value}`);
  if (found.bigints === 0) return text;
  const out = text.replace(MARKER, '$1');
  return out.length === text.length - found.bigints * MARKER_OVERHEAD ? out : losslessOrThrow(value);
}
