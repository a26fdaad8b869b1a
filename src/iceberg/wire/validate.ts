// Running a zod validator and turning its first issue into an IcebergError. Two wordings: the
// table validators name the document and the path ("Invalid table metadata at schemas.0: …");
// the Java-worded validators (java-json.ts) carry the exact message and Java exception type in
// the issue itself, because Java clients copy the server message into the exception they raise.
import { z } from 'zod';
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';

export const StringMapZ = z.record(z.string(), z.string());

/**
 * Any long that is not a snapshot id (sequence numbers, row ids, timestamps, sizes): a `number`.
 * A `bigint` is accepted when it is a safe integer; beyond 2^53 these values are not meaningful.
 */
export const LongZ = z
  .union([
    z.number().int(),
    z.bigint().refine((v) => v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER), {
      message: 'Value out of range: must be a safe integer (|v| < 2^53)',
    }),
  ])
  .transform((v): number => Number(v));

/** Runs a validator and turns the first issue into an IcebergError naming `what` and the path. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): Result<T, IcebergError> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const path = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return err(invalid(`Invalid ${what}${path}: ${issue?.message ?? 'malformed'}`));
}

/** The Java exception type a Java-worded issue asks for (see java-json.ts). */
interface JavaIssueParams {
  javaType?: string;
}

/** Runs a Java-worded validator: the first issue's message and Java type are the error, verbatim. */
export function validateJava<T>(schema: z.ZodType<T>, value: unknown): Result<T, IcebergError> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const params = issue?.code === 'custom' ? (issue.params as JavaIssueParams | undefined) : undefined;
  return err(invalid(issue?.message ?? 'malformed', params?.javaType));
}
