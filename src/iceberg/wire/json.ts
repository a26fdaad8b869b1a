// Plain-JSON helpers shared by tables and views: shape tests, lossless display of a value in a
// message, structural equality and dropping null members.
import { stringifyJson } from '../../util/index.js';

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value for an error message; lossless, so int64 ids (bigints) show as numbers and never throw. */
export const show = (v: unknown): string => {
  try {
    return stringifyJson(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/** Structural equality of JSON values; object key order is irrelevant, absent == undefined. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/** Shallow copy without null/undefined members, so optional wire fields are simply absent. */
export function withoutNullish<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = v;
  return out as T;
}
