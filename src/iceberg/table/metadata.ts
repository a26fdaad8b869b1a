// Iceberg table metadata files: the lenient reader (accepts legacy v1 fields, nulls and missing
// optional arrays) and the writer that follows the Java TableMetadataParser rules per format
// version (SERVER-RULES §2.7, §2.8).
import { z } from 'zod';
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { SchemaZ } from '../schema/index.js';
import { StringMapZ, validate, withoutNullish } from '../wire/index.js';
import { checkConsistency } from './consistency.js';
import {
  MAIN_BRANCH,
  NO_SNAPSHOT_ID,
  PARTITION_DATA_ID_START,
  SUPPORTED_FORMAT_VERSION,
  isFormatVersion,
  type EncryptionKey,
  type PartitionField,
  type PartitionSpec,
  type PartitionStatisticsFile,
  type Schema,
  type Snapshot,
  type SnapshotId,
  type SnapshotRef,
  type SortOrder,
  type StatisticsFile,
  type TableMetadata,
} from './types.js';
import {
  EncryptionKeyZ,
  MetadataLogEntryZ,
  PartitionFieldZ,
  PartitionSpecZ,
  PartitionStatisticsFileZ,
  SnapshotIdZ,
  SnapshotLogEntryZ,
  SnapshotRefZ,
  SnapshotZ,
  SortOrderZ,
  StatisticsFileZ,
} from './wire.js';

const int = z.number().int();
const RawMetadataZ = z.looseObject({
  'format-version': int,
  'table-uuid': z.string().optional(),
  location: z.string(),
  'last-sequence-number': int.optional(),
  'last-updated-ms': int,
  'last-column-id': int,
  schemas: z.array(SchemaZ).optional(),
  schema: SchemaZ.optional(),
  'current-schema-id': int.optional(),
  'partition-specs': z.array(PartitionSpecZ).optional(),
  'partition-spec': z.array(PartitionFieldZ).optional(),
  'default-spec-id': int.optional(),
  'last-partition-id': int.optional(),
  'sort-orders': z.array(SortOrderZ).optional(),
  'default-sort-order-id': int.optional(),
  properties: StringMapZ.nullish(),
  'current-snapshot-id': SnapshotIdZ.nullish(),
  snapshots: z.array(SnapshotZ).nullish(),
  refs: z.record(z.string(), SnapshotRefZ).nullish(),
  'snapshot-log': z.array(SnapshotLogEntryZ).nullish(),
  'metadata-log': z.array(MetadataLogEntryZ).nullish(),
  statistics: z.array(StatisticsFileZ).nullish(),
  'partition-statistics': z.array(PartitionStatisticsFileZ).nullish(),
  'next-row-id': int.nullish(),
  'encryption-keys': z.array(EncryptionKeyZ).nullish(),
});
type RawMetadata = z.infer<typeof RawMetadataZ>;

export function parseTableMetadata(json: unknown): Result<TableMetadata, IcebergError> {
  const raw = validate(RawMetadataZ, json, 'table metadata');
  if (!raw.ok) return raw;
  const r = raw.value;
  const version = r['format-version'];
  if (!isFormatVersion(version)) {
    return err(invalid(`Unsupported format version: v${version} (supported: v${SUPPORTED_FORMAT_VERSION})`));
  }
  if (version > 1) {
    const required = ['table-uuid', 'last-sequence-number', 'schemas', 'current-schema-id', 'partition-specs',
      'default-spec-id', 'last-partition-id', 'sort-orders', 'default-sort-order-id'] as const;
    const missing = required.find((k) => r[k] === undefined);
    if (missing) return err(invalid(`Cannot parse table metadata: ${missing} must exist in format v${version}`));
  }
  if (r['table-uuid'] === undefined) return err(invalid('Cannot parse table metadata: missing table-uuid'));
  const schemas = readSchemas(r);
  if (!schemas.ok) return schemas;
  const specs = readSpecs(r);
  const currentSnapshotId = r['current-snapshot-id'] ?? NO_SNAPSHOT_ID;
  const md: TableMetadata = {
    'format-version': version,
    'table-uuid': r['table-uuid'],
    location: r.location,
    'last-sequence-number': version > 1 ? (r['last-sequence-number'] ?? 0) : 0,
    'last-updated-ms': r['last-updated-ms'],
    'last-column-id': r['last-column-id'],
    schemas: schemas.value.schemas,
    'current-schema-id': schemas.value.currentId,
    'partition-specs': specs.specs,
    'default-spec-id': specs.defaultId,
    'last-partition-id': r['last-partition-id'] ?? lastAssignedPartitionId(specs.specs),
    properties: { ...(r.properties ?? {}) },
    'current-snapshot-id': currentSnapshotId,
    snapshots: (r.snapshots ?? []).map((s) => withoutNullish(s) as Snapshot),
    'snapshot-log': r['snapshot-log'] ?? [],
    'metadata-log': r['metadata-log'] ?? [],
    'sort-orders': readSortOrders(r),
    'default-sort-order-id': r['default-sort-order-id'] ?? 0,
    refs: readRefs(r, currentSnapshotId),
    statistics: (r.statistics ?? []) as StatisticsFile[],
    'partition-statistics': (r['partition-statistics'] ?? []) as PartitionStatisticsFile[],
  };
  if (version >= 3) md['next-row-id'] = r['next-row-id'] ?? 0;
  if (r['encryption-keys'] && r['encryption-keys'].length > 0) {
    md['encryption-keys'] = r['encryption-keys'] as EncryptionKey[];
  }
  const consistent = checkConsistency(md);
  return consistent.ok ? ok(md) : consistent;
}

function readSchemas(r: RawMetadata): Result<{ schemas: Schema[]; currentId: number }, IcebergError> {
  const normalise = (s: z.infer<typeof SchemaZ>): Schema => ({ ...s, 'schema-id': s['schema-id'] ?? 0 } as Schema);
  if (r.schemas !== undefined) {
    const schemas = r.schemas.map(normalise);
    return ok({ schemas, currentId: r['current-schema-id'] ?? schemas[0]?.['schema-id'] ?? 0 });
  }
  if (r.schema === undefined) return err(invalid('Cannot parse table metadata: missing schemas and schema'));
  const legacy = normalise(r.schema);
  return ok({ schemas: [legacy], currentId: legacy['schema-id'] });
}

function readSpecs(r: RawMetadata): { specs: PartitionSpec[]; defaultId: number } {
  // Old v1 writers omitted partition field ids; Java numbers them from 1000 in order.
  // A filled-in id takes the place the validator gives it, so writing the result and reading it
  // back yields the same bytes.
  const withIds = (fields: z.infer<typeof PartitionFieldZ>[]): PartitionField[] =>
    fields.map(({ 'source-id': sourceId, ...rest }, i) =>
      ({ 'source-id': sourceId, 'field-id': rest['field-id'] ?? PARTITION_DATA_ID_START + i, ...rest } as PartitionField));
  if (r['partition-specs'] !== undefined) {
    const specs = r['partition-specs'].map((s) => ({ 'spec-id': s['spec-id'] ?? 0, ...s, fields: withIds(s.fields) }));
    return { specs, defaultId: r['default-spec-id'] ?? specs[0]?.['spec-id'] ?? 0 };
  }
  return { specs: [{ 'spec-id': 0, fields: withIds(r['partition-spec'] ?? []) }], defaultId: 0 };
}

function readSortOrders(r: RawMetadata): SortOrder[] {
  if (r['sort-orders'] === undefined) return [{ 'order-id': 0, fields: [] }];
  return r['sort-orders'].map((o) => ({ 'order-id': o['order-id'] ?? 0, ...o } as SortOrder));
}

function readRefs(r: RawMetadata, currentSnapshotId: SnapshotId): Record<string, SnapshotRef> {
  // Metadata written before refs existed: the current snapshot is the implicit main branch.
  if (r.refs === undefined || r.refs === null) {
    return currentSnapshotId === NO_SNAPSHOT_ID ? {} : { [MAIN_BRANCH]: { type: 'branch', 'snapshot-id': currentSnapshotId } };
  }
  const refs: Record<string, SnapshotRef> = {};
  for (const [name, ref] of Object.entries(r.refs)) refs[name] = withoutNullish(ref) as SnapshotRef;
  return refs;
}

/** Highest partition field id over all specs; 999 when no spec has a field. */
export function lastAssignedPartitionId(specs: PartitionSpec[]): number {
  let last = PARTITION_DATA_ID_START - 1;
  for (const spec of specs) for (const f of spec.fields) last = Math.max(last, f['field-id']);
  return last;
}

/**
 * The metadata as a JSON-ready object. Snapshot ids are `bigint`s in it, so write it with
 * `stringifyJson` (src/util/json.ts), which emits them as JSON numbers; JSON.stringify throws.
 */
export function tableMetadataToJson(md: TableMetadata): Record<string, unknown> {
  const v = md['format-version'];
  const out: Record<string, unknown> = {
    'format-version': v,
    'table-uuid': md['table-uuid'],
    location: md.location,
  };
  if (v > 1) out['last-sequence-number'] = md['last-sequence-number'];
  out['last-updated-ms'] = md['last-updated-ms'];
  if (v >= 3) out['next-row-id'] = md['next-row-id'] ?? 0;
  out['last-column-id'] = md['last-column-id'];
  // v1 readers only know the single legacy schema / partition-spec fields.
  if (v === 1) out.schema = md.schemas.find((s) => s['schema-id'] === md['current-schema-id']);
  out['current-schema-id'] = md['current-schema-id'];
  out.schemas = md.schemas;
  if (v === 1) {
    out['partition-spec'] = md['partition-specs'].find((s) => s['spec-id'] === md['default-spec-id'])?.fields ?? [];
  }
  out['default-spec-id'] = md['default-spec-id'];
  out['partition-specs'] = md['partition-specs'];
  out['last-partition-id'] = md['last-partition-id'];
  out['default-sort-order-id'] = md['default-sort-order-id'];
  out['sort-orders'] = md['sort-orders'];
  out.properties = md.properties;
  out['current-snapshot-id'] = md['current-snapshot-id'] === NO_SNAPSHOT_ID && v >= 3 ? null : md['current-snapshot-id'];
  out.refs = md.refs;
  out.snapshots = md.snapshots;
  out.statistics = md.statistics;
  out['partition-statistics'] = md['partition-statistics'];
  out['snapshot-log'] = md['snapshot-log'];
  out['metadata-log'] = md['metadata-log'];
  if (md['encryption-keys'] && md['encryption-keys'].length > 0) out['encryption-keys'] = md['encryption-keys'];
  return out;
}

/** `snapshots=refs` view: keep only snapshots that a branch or tag points at. */
export function refsOnly(md: TableMetadata): TableMetadata {
  const referenced = new Set(Object.values(md.refs).map((r) => r['snapshot-id']));
  return { ...md, snapshots: md.snapshots.filter((s) => referenced.has(s['snapshot-id'])) };
}
