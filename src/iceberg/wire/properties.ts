// Reading typed values out of table and view properties (Java PropertyUtil).
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';

/** Java PropertyUtil.propertyAsBoolean: Boolean.parseBoolean, i.e. case-insensitive "true". */
export function propertyAsBoolean(props: Record<string, string>, key: string): boolean {
  return props[key]?.toLowerCase() === 'true';
}

/** Java PropertyUtil.propertyAsInt: a decimal integer or the default; anything else is invalid. */
export function propertyAsInt(props: Record<string, string>, key: string, dflt: number): Result<number, IcebergError> {
  const raw = props[key];
  if (raw === undefined) return ok(dflt);
  const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n)) return err(invalid(`Invalid value for property ${key}: ${raw}`, 'IllegalArgumentException'));
  return ok(n);
}
