// Validators for the JSON shapes of table metadata (REST spec component schemas). Objects are
// "loose": fields this server does not know yet (newer spec revisions) are carried through
// untouched instead of being silently dropped from the metadata we write back.
import { z } from 'zod';
import { err, ok, type Result } from '../../util/result.js';
import { invalid, type IcebergError } from '../errors.js';
import { SCHEMA_TOO_DEEP, schemaTooDeep } from '../schema-depth.js';

const int = z.number().int();

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A snapshot id: an int64 that clients choose at random, so usually beyond 2^53. It arrives as
 * a safe-integer `number` or, from `parseJson`, as a `bigint`, and is always held as a `bigint`
 * so comparisons and Map/Set keys work. A `number` that is not a safe integer was already
 * rounded by whoever parsed it, so it is rejected rather than silently accepted.
 */
export type SnapshotId = bigint;
export const NO_SNAPSHOT_ID: SnapshotId = -1n;
export const SnapshotIdZ = z
  .union([
    z.number().int(),
    z.bigint().refine((v) => v >= INT64_MIN && v <= INT64_MAX, { message: 'Snapshot id out of int64 range' }),
  ])
  .transform((v): SnapshotId => BigInt(v));

/**
 * Any other long (sequence numbers, row ids, timestamps, sizes): a `number`. A `bigint` is
 * accepted when it is a safe integer; beyond 2^53 these values are not meaningful and invalid.
 */
export const LongZ = z
  .union([
    z.number().int(),
    z.bigint().refine((v) => v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER), {
      message: 'Value out of range: must be a safe integer (|v| < 2^53)',
    }),
  ])
  .transform((v): number => Number(v));
const long = LongZ;

// Recursive Iceberg type: a primitive name ("long", "decimal(9,2)", "variant", ...) or a nested type.
// The spec's primitive type names; anything else (e.g. "varchar") is a bad request, not a
// column the engines could never read.
const PRIMITIVE_TYPE =
  /^(boolean|int|long|float|double|date|time|timestamp|timestamptz|timestamp_ns|timestamptz_ns|string|uuid|binary|variant|unknown|decimal\(\s*\d+\s*,\s*\d+\s*\)|fixed\[\s*\d+\s*\]|geometry(\(.*\))?|geography(\(.*\))?)$/;
const PrimitiveTypeZ = z.string().regex(PRIMITIVE_TYPE, { message: 'unknown primitive type' });

export const TypeZ: z.ZodType<unknown> = z.lazy(() => z.union([PrimitiveTypeZ, StructTypeZ, ListTypeZ, MapTypeZ]));

export const NestedFieldZ = z.looseObject({
  id: int,
  name: z.string(),
  type: TypeZ,
  required: z.boolean(),
  doc: z.string().optional(),
});

const StructTypeZ = z.looseObject({ type: z.literal('struct'), fields: z.array(NestedFieldZ) });

const ListTypeZ = z.looseObject({
  type: z.literal('list'),
  'element-id': int,
  element: TypeZ,
  'element-required': z.boolean(),
});

const MapTypeZ = z.looseObject({
  type: z.literal('map'),
  'key-id': int,
  key: TypeZ,
  'value-id': int,
  value: TypeZ,
  'value-required': z.boolean(),
});

const SchemaObjectZ = z.looseObject({
  type: z.literal('struct'),
  fields: z.array(NestedFieldZ),
  'schema-id': int.optional(),
  'identifier-field-ids': z.array(int).optional(),
});

// the depth is checked before zod descends into the (recursive) types
export const SchemaZ = z
  .unknown()
  .superRefine((value, ctx) => {
    if (schemaTooDeep(value)) ctx.addIssue({ code: 'custom', message: SCHEMA_TOO_DEEP });
  })
  .pipe(SchemaObjectZ);

export const PartitionFieldZ = z.looseObject({
  'source-id': int,
  'field-id': int.optional(),
  name: z.string(),
  transform: z.string(),
});

export const PartitionSpecZ = z.looseObject({
  'spec-id': int.optional(),
  fields: z.array(PartitionFieldZ),
});

export const SortFieldZ = z.looseObject({
  'source-id': int,
  transform: z.string(),
  direction: z.enum(['asc', 'desc']),
  'null-order': z.enum(['nulls-first', 'nulls-last']),
});

export const SortOrderZ = z.looseObject({
  'order-id': int.optional(),
  fields: z.array(SortFieldZ),
});

export const SnapshotZ = z.looseObject({
  'snapshot-id': SnapshotIdZ,
  'parent-snapshot-id': SnapshotIdZ.nullish(),
  'sequence-number': long.optional(),
  'timestamp-ms': long,
  'manifest-list': z.string(),
  summary: z.looseObject({ operation: z.string() }).catchall(z.string()),
  'schema-id': int.optional(),
  'first-row-id': long.nullish(),
  'added-rows': long.nullish(),
});

export const SnapshotRefZ = z.looseObject({
  type: z.enum(['branch', 'tag']),
  'snapshot-id': SnapshotIdZ,
  'max-ref-age-ms': long.nullish(),
  'max-snapshot-age-ms': long.nullish(),
  'min-snapshots-to-keep': int.nullish(),
});

export const BlobMetadataZ = z.looseObject({
  type: z.string(),
  'snapshot-id': SnapshotIdZ,
  'sequence-number': long,
  fields: z.array(int),
  properties: z.record(z.string(), z.string()).optional(),
});

export const StatisticsFileZ = z.looseObject({
  'snapshot-id': SnapshotIdZ,
  'statistics-path': z.string(),
  'file-size-in-bytes': long,
  'file-footer-size-in-bytes': long,
  'blob-metadata': z.array(BlobMetadataZ),
});

export const PartitionStatisticsFileZ = z.looseObject({
  'snapshot-id': SnapshotIdZ,
  'statistics-path': z.string(),
  'file-size-in-bytes': long,
});

export const EncryptionKeyZ = z.looseObject({
  'key-id': z.string(),
  'encrypted-key-metadata': z.string(),
  'encrypted-by-id': z.string().optional(),
  properties: z.record(z.string(), z.string()).optional(),
});

export const SnapshotLogEntryZ = z.object({ 'timestamp-ms': long, 'snapshot-id': SnapshotIdZ });
export const MetadataLogEntryZ = z.object({ 'timestamp-ms': long, 'metadata-file': z.string() });
export const StringMapZ = z.record(z.string(), z.string());

/** Runs a validator and turns the first issue into an IcebergError naming `what` and the path. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): Result<T, IcebergError> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const path = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return err(invalid(`Invalid ${what}${path}: ${issue?.message ?? 'malformed'}`));
}
