// zod validators worded like Java's JsonUtil: the view endpoints answer with Java's messages
// ("Cannot parse missing int: version-id") because the Java client copies the server message
// into the exception it raises and the REST test-suite compares them. Each validator reports
// one custom issue whose message (and, when it is not the default, Java exception type) is the
// error; `validateJava` hands it over verbatim. Objects check their keys in shape order, so the
// first issue is the one Java's field-by-field parser would raise first.
import { z } from 'zod';
import { isObject, show, type JsonObject } from './json.js';

type Ctx = z.core.$RefinementCtx;

/** Adds the issue that `validateJava` turns into the error. */
export function javaIssue(ctx: Ctx, message: string, javaType?: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message, params: javaType === undefined ? {} : { javaType } });
  return z.NEVER;
}

/** Java Preconditions.checkArgument → IllegalArgumentException. */
export const IAE = 'IllegalArgumentException';
/** Java ValidationException.check. */
export const VALIDATION = 'ValidationException';
/** Java Preconditions.checkState → IllegalStateException. */
export const ISE = 'IllegalStateException';

/** Java's `Set.toString()` shape, e.g. `[spark, trino]`. */
export const javaSet = (items: Iterable<unknown>): string => `[${[...items].join(', ')}]`;

const missing = (v: unknown): boolean => v === undefined || v === null;

/**
 * The keys of an object checked in `shape` order; unknown keys are dropped. zod reports an
 * absent key as "expected nonoptional" before the key's own validator can word it, so absent
 * shape keys are first made present (as undefined) and each validator says what is missing.
 */
export function javaShape<S extends z.core.$ZodLooseShape>(shape: S) {
  return withShapeKeys(shape).pipe(z.object(shape));
}

/** As javaShape, but unknown keys are kept. */
export function javaLooseShape<S extends z.core.$ZodLooseShape>(shape: S) {
  return withShapeKeys(shape).pipe(z.looseObject(shape));
}

const withShapeKeys = (shape: z.core.$ZodLooseShape) =>
  z.custom<JsonObject>(isObject).transform((o) => {
    const out: JsonObject = { ...o };
    for (const key of Object.keys(shape)) if (!(key in out)) out[key] = undefined;
    return out;
  });

/** An object checked key by key: `what` names it in the non-object message. Unknown keys are dropped. */
export function javaObject<S extends z.core.$ZodLooseShape>(what: string, shape: S) {
  return asJsonObject(what).pipe(javaShape(shape));
}

export const asJsonObject = (what: string) =>
  z.unknown().transform((v, ctx): JsonObject => (isObject(v) ? v : javaIssue(ctx, `Cannot parse ${what} from non-object: ${show(v)}`)));

/** A 32-bit int, as Java ids are. */
export const javaInt = (key: string) =>
  z.unknown().transform((v, ctx): number => {
    if (missing(v)) return javaIssue(ctx, `Cannot parse missing int: ${key}`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      return javaIssue(ctx, `Cannot parse to an integer value: ${key}: ${show(v)}`);
    }
    return v;
  });

export const javaLong = (key: string) =>
  z.unknown().transform((v, ctx): number => {
    if (missing(v)) return javaIssue(ctx, `Cannot parse missing long: ${key}`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return javaIssue(ctx, `Cannot parse to a long value: ${key}: ${show(v)}`);
    return v;
  });

export const javaString = (key: string) =>
  z.unknown().transform((v, ctx): string => {
    if (missing(v)) return javaIssue(ctx, `Cannot parse missing string: ${key}`);
    if (typeof v !== 'string') return javaIssue(ctx, `Cannot parse to a string value: ${key}: ${show(v)}`);
    return v;
  });

/** Optional string: absent and JSON null both mean "not set" (Java getStringOrNull). */
export const javaStringOrUndefined = (key: string) =>
  z.unknown().transform((v, ctx): string | undefined => {
    if (missing(v)) return undefined;
    if (typeof v !== 'string') return javaIssue(ctx, `Cannot parse to a string value: ${key}: ${show(v)}`);
    return v;
  });

function stringMap(key: string, v: unknown, ctx: Ctx): Record<string, string> {
  if (!isObject(v)) return javaIssue(ctx, `Cannot parse string map from non-object value: ${key}: ${show(v)}`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') return javaIssue(ctx, `Cannot parse to a string value: ${k}: ${show(val)}`);
    out[k] = val;
  }
  return out;
}

export const javaStringMap = (key: string) =>
  z.unknown().transform((v, ctx) => (missing(v) ? javaIssue(ctx, `Cannot parse missing map: ${key}`) : stringMap(key, v, ctx)));

/** A string map that may be absent or null (then empty). */
export const javaStringMapOrEmpty = (key: string) =>
  z.unknown().transform((v, ctx) => (missing(v) ? {} : stringMap(key, v, ctx)));

export const javaStringList = (key: string) =>
  z.unknown().transform((v, ctx): string[] => {
    if (missing(v)) return javaIssue(ctx, `Cannot parse missing list: ${key}`);
    if (!Array.isArray(v)) return javaIssue(ctx, `Cannot parse string list from non-array: ${show(v)}`);
    const bad = v.find((item) => typeof item !== 'string');
    if (bad !== undefined) return javaIssue(ctx, `Cannot parse string from non-text value in ${key}: ${show(bad)}`);
    return [...(v as string[])];
  });

/** A required array whose items are checked in order by `item`. */
export function javaArray<T extends z.ZodType>(key: string, item: T) {
  return z
    .unknown()
    .transform((v, ctx): unknown[] => {
      if (missing(v)) return javaIssue(ctx, `Cannot parse missing field: ${key}`);
      if (!Array.isArray(v)) return javaIssue(ctx, `Cannot parse ${key} from non-array: ${show(v)}`);
      return v;
    })
    .pipe(z.array(item));
}

/** An optional 32-bit int: absent and JSON null mean "not set". */
export const javaIntOrUndefined = (key: string) =>
  z.unknown().transform((v, ctx): number | undefined => (missing(v) ? undefined : parseInto(javaInt(key), v, ctx)));

/**
 * Runs `schema` on `value` inside another validator's transform, passing its issues on
 * unchanged (zod has no way to branch on a case-insensitive tag, nor to keep an object's own
 * key order through a loose object).
 */
export function parseInto<T>(schema: z.ZodType<T>, value: unknown, ctx: Ctx): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, params: issue.code === 'custom' ? issue.params : {} });
  }
  return z.NEVER;
}

/**
 * An object whose `shape` keys are checked and whose other keys are kept verbatim, in the
 * object's own key order (a deep copy: the input is never shared).
 */
export function javaObjectKeepingKeys<S extends z.core.$ZodLooseShape>(what: string, shape: S) {
  const keys = javaShape(shape);
  return asJsonObject(what).transform((o, ctx) => {
    const checked = parseInto(keys, o, ctx);
    return { ...structuredClone(o), ...checked } as JsonObject & z.infer<typeof keys>;
  });
}
