// Small validators for untrusted JSON (request bodies, metadata files read back from storage).
// They return Results instead of throwing and word their messages like Java's JsonUtil, because
// the Java client copies the server message into the exception it raises.
import { stringifyJson } from '../../util/json.js';
import { err, ok, type Result } from '../../util/result.js';
import { invalid, type IcebergError } from '../errors.js';

export type JsonObject = Record<string, unknown>;
export type R<T> = Result<T, IcebergError>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value for an error message; lossless, so int64 ids (bigints) show as numbers and never throw. */
export const show = (v: unknown): string => {
  try {
    return stringifyJson(v) ?? String(v);
  } catch {
    return String(v);
  }
};

export function asObject(v: unknown, what: string): R<JsonObject> {
  return isObject(v) ? ok(v) : err(invalid(`Cannot parse ${what} from non-object: ${show(v)}`));
}

export function getInt(obj: JsonObject, key: string): R<number> {
  const v = obj[key];
  if (v === undefined || v === null) return err(invalid(`Cannot parse missing int: ${key}`));
  // 32-bit ids in Java; reject anything that would not round-trip through an int
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
    return err(invalid(`Cannot parse to an integer value: ${key}: ${show(v)}`));
  }
  return ok(v);
}

export function getLong(obj: JsonObject, key: string): R<number> {
  const v = obj[key];
  if (v === undefined || v === null) return err(invalid(`Cannot parse missing long: ${key}`));
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    return err(invalid(`Cannot parse to a long value: ${key}: ${show(v)}`));
  }
  return ok(v);
}

export function getString(obj: JsonObject, key: string): R<string> {
  const v = obj[key];
  if (v === undefined || v === null) return err(invalid(`Cannot parse missing string: ${key}`));
  if (typeof v !== 'string') return err(invalid(`Cannot parse to a string value: ${key}: ${show(v)}`));
  return ok(v);
}

/** Optional string: absent and JSON null both mean "not set" (Java getStringOrNull). */
export function getStringOrUndefined(obj: JsonObject, key: string): R<string | undefined> {
  const v = obj[key];
  if (v === undefined || v === null) return ok(undefined);
  if (typeof v !== 'string') return err(invalid(`Cannot parse to a string value: ${key}: ${show(v)}`));
  return ok(v);
}

export function getStringMap(obj: JsonObject, key: string): R<Record<string, string>> {
  const v = obj[key];
  if (v === undefined || v === null) return err(invalid(`Cannot parse missing map: ${key}`));
  if (!isObject(v)) return err(invalid(`Cannot parse string map from non-object value: ${key}: ${show(v)}`));
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') {
      return err(invalid(`Cannot parse to a string value: ${k}: ${show(val)}`));
    }
    out[k] = val;
  }
  return ok(out);
}

export function getStringMapOrEmpty(obj: JsonObject, key: string): R<Record<string, string>> {
  return obj[key] === undefined || obj[key] === null ? ok({}) : getStringMap(obj, key);
}

export function getStringList(obj: JsonObject, key: string): R<string[]> {
  const v = obj[key];
  if (v === undefined || v === null) return err(invalid(`Cannot parse missing list: ${key}`));
  if (!Array.isArray(v)) return err(invalid(`Cannot parse string list from non-array: ${show(v)}`));
  for (const item of v) {
    if (typeof item !== 'string') {
      return err(invalid(`Cannot parse string from non-text value in ${key}: ${show(item)}`));
    }
  }
  return ok([...(v as string[])]);
}

export function getArray(obj: JsonObject, key: string): R<unknown[]> {
  const v = obj[key];
  if (v === undefined || v === null) return err(invalid(`Cannot parse missing field: ${key}`));
  if (!Array.isArray(v)) return err(invalid(`Cannot parse ${key} from non-array: ${show(v)}`));
  return ok(v);
}

/** Key-order-independent JSON text, used for structural equality of untyped JSON trees. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  // a bigint is an integer beyond 2^53 from the lossless parser: JSON.stringify would throw
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? 'null';
}
