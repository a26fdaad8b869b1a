// Validators for the JSON shapes of table metadata (REST spec component schemas). Objects are
// "loose": fields this server does not know yet (newer spec revisions) are carried through
// untouched instead of being silently dropped from the metadata we write back.
import { z } from 'zod';
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { SchemaZ } from '../schema/index.js';
import { LongZ, StringMapZ, validate } from '../wire/index.js';

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

const long = LongZ;

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

// ---- TableUpdate: the 23 actions of the REST spec (SERVER-RULES §1.2)

const act = <A extends string>(action: A) => z.literal(action);

const TableUpdateZ = z.discriminatedUnion('action', [
  z.object({ action: act('assign-uuid'), uuid: z.string() }),
  z.object({ action: act('upgrade-format-version'), 'format-version': int }),
  z.object({ action: act('add-schema'), schema: SchemaZ, 'last-column-id': int.nullish() }),
  z.object({ action: act('set-current-schema'), 'schema-id': int }),
  z.object({ action: act('add-spec'), spec: PartitionSpecZ }),
  z.object({ action: act('set-default-spec'), 'spec-id': int }),
  z.object({ action: act('add-sort-order'), 'sort-order': SortOrderZ }),
  z.object({ action: act('set-default-sort-order'), 'sort-order-id': int }),
  z.object({ action: act('add-snapshot'), snapshot: SnapshotZ }),
  z.object({
    action: act('set-snapshot-ref'),
    'ref-name': z.string(),
    type: z.enum(['branch', 'tag']),
    'snapshot-id': SnapshotIdZ,
    'max-ref-age-ms': LongZ.nullish(),
    'max-snapshot-age-ms': LongZ.nullish(),
    'min-snapshots-to-keep': int.nullish(),
  }),
  z.object({ action: act('remove-snapshots'), 'snapshot-ids': z.array(SnapshotIdZ) }),
  z.object({ action: act('remove-snapshot-ref'), 'ref-name': z.string() }),
  z.object({ action: act('set-location'), location: z.string() }),
  z.object({ action: act('set-properties'), updates: StringMapZ }),
  z.object({ action: act('remove-properties'), removals: z.array(z.string()) }),
  z.object({ action: act('set-statistics'), 'snapshot-id': SnapshotIdZ.nullish(), statistics: StatisticsFileZ }),
  z.object({ action: act('remove-statistics'), 'snapshot-id': SnapshotIdZ }),
  z.object({ action: act('set-partition-statistics'), 'partition-statistics': PartitionStatisticsFileZ }),
  z.object({ action: act('remove-partition-statistics'), 'snapshot-id': SnapshotIdZ }),
  z.object({ action: act('remove-partition-specs'), 'spec-ids': z.array(int) }),
  z.object({ action: act('remove-schemas'), 'schema-ids': z.array(int) }),
  z.object({ action: act('add-encryption-key'), 'encryption-key': EncryptionKeyZ }),
  z.object({ action: act('remove-encryption-key'), 'key-id': z.string() }),
]);

export type TableUpdate = z.infer<typeof TableUpdateZ>;
export type TableUpdateAction = TableUpdate['action'];

export const TABLE_UPDATE_ACTIONS: ReadonlySet<string> = new Set(TableUpdateZ.options.map((o) => o.shape.action.value));
const VIEW_ONLY_ACTIONS: ReadonlySet<string> = new Set(['add-view-version', 'set-current-view-version']);

export function parseTableUpdate(raw: unknown): Result<TableUpdate, IcebergError> {
  const action = typeof raw === 'object' && raw !== null ? (raw as { action?: unknown }).action : undefined;
  if (typeof action !== 'string') return err(invalid('Invalid table update: missing action'));
  if (VIEW_ONLY_ACTIONS.has(action)) return err(invalid(`Cannot apply view update to a table: ${action}`));
  if (!TABLE_UPDATE_ACTIONS.has(action)) return err(invalid(`Cannot parse table update: unknown action ${action}`));
  const parsed = validate(TableUpdateZ, raw, `table update ${action}`);
  return parsed.ok ? ok(parsed.value) : parsed;
}
