// POST /tables (and stage-create): build version-0 metadata from a CreateTableRequest the way
// Java TableMetadata.newTableMetadata does (SERVER-RULES §2.1): the server renumbers columns,
// partition fields and the sort order; the client's ids only link the pieces together.
import { z } from 'zod';
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { SchemaZ, assignFreshIds, checkIdentifierFields, checkSchemaForVersion } from '../schema/index.js';
import { StringMapZ, validate } from '../wire/index.js';
import { checkOrderAgainstSchema, checkSpecAgainstSchema } from './consistency.js';
import {
  DEFAULT_FORMAT_VERSION,
  NO_SNAPSHOT_ID,
  PARTITION_DATA_ID_START,
  SUPPORTED_FORMAT_VERSION,
  isFormatVersion,
  type FormatVersion,
  type NestedField,
  type PartitionSpec,
  type Schema,
  type SortOrder,
  type TableMetadata,
} from './types.js';
import { PartitionSpecZ, SortOrderZ } from './wire.js';

/** TableProperties.RESERVED_PROPERTIES: derived from metadata, never stored as properties. */
export const RESERVED_PROPERTIES = new Set([
  'format-version', 'uuid', 'snapshot-count', 'current-snapshot-id', 'current-snapshot-summary',
  'current-snapshot-timestamp-ms', 'current-schema', 'default-partition-spec', 'default-sort-order',
]);

const CreateTableRequestZ = z.looseObject({
  name: z.string().nullish(),
  location: z.string().nullish(),
  schema: SchemaZ.nullish(),
  'partition-spec': PartitionSpecZ.nullish(),
  'write-order': SortOrderZ.nullish(),
  'stage-create': z.boolean().nullish(),
  properties: StringMapZ.nullish(),
});

export interface CreateContext { location: string; nowMs: number; uuid: string }

export function newTableMetadata(request: unknown, ctx: CreateContext): Result<TableMetadata, IcebergError> {
  const parsed = validate(CreateTableRequestZ, request, 'create table request');
  if (!parsed.ok) return parsed;
  const req = parsed.value;
  if (!req.name) return err(invalid('Invalid table name: null'));
  if (!req.schema) return err(invalid('Invalid schema: null'));
  const rawProps = req.properties ?? {};
  const version = formatVersionFrom(rawProps);
  if (!version.ok) return version;

  const fresh = assignFreshIds(req.schema.fields as NestedField[]);
  const identifiers = (req.schema['identifier-field-ids'] ?? []).map((id) => fresh.idMap.get(id));
  if (identifiers.some((id) => id === undefined)) {
    return err(invalid('Cannot find identifier field in the schema of the create request'));
  }
  const schema: Schema = { type: 'struct', 'schema-id': 0, fields: fresh.fields };
  if (identifiers.length > 0) schema['identifier-field-ids'] = identifiers as number[];
  const compatible = checkSchemaForVersion(schema, version.value);
  if (!compatible.ok) return compatible;
  const identOk = checkIdentifierFields(schema);
  if (!identOk.ok) return identOk;

  const spec = freshSpec(req['partition-spec']?.fields ?? [], fresh.idMap, schema);
  if (!spec.ok) return spec;
  const order = freshSortOrder(req['write-order']?.fields ?? [], fresh.idMap, schema);
  if (!order.ok) return order;

  const md: TableMetadata = {
    'format-version': version.value,
    'table-uuid': ctx.uuid,
    location: ctx.location.replace(/\/+$/, ''),
    'last-sequence-number': 0,
    'last-updated-ms': ctx.nowMs,
    'last-column-id': fresh.last,
    schemas: [schema],
    'current-schema-id': 0,
    'partition-specs': [spec.value],
    'default-spec-id': 0,
    'last-partition-id': spec.value.fields.reduce((m, f) => Math.max(m, f['field-id']), PARTITION_DATA_ID_START - 1),
    properties: persistedProperties(rawProps, req['stage-create'] === true, ctx.nowMs),
    'current-snapshot-id': NO_SNAPSHOT_ID,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [order.value],
    'default-sort-order-id': order.value['order-id'],
    refs: {},
    statistics: [],
    'partition-statistics': [],
  };
  if (version.value >= 3) md['next-row-id'] = 0;
  return ok(md);
}

function formatVersionFrom(props: Record<string, string>): Result<FormatVersion, IcebergError> {
  const raw = props['format-version'];
  if (raw === undefined) return ok(DEFAULT_FORMAT_VERSION);
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(n)) return err(invalid(`Invalid format version: ${raw}`));
  if (!isFormatVersion(n)) {
    return err(invalid(`Unsupported format version: v${n} (supported: v${SUPPORTED_FORMAT_VERSION})`));
  }
  return ok(n);
}

function persistedProperties(raw: Record<string, string>, staged: boolean, nowMs: number): Record<string, string> {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (!RESERVED_PROPERTIES.has(k)) props[k] = v;
  // Java's default since 1.4; written explicitly so older readers agree on the codec.
  props['write.parquet.compression-codec'] ??= 'zstd';
  // Java CatalogHandlers.stageTableCreate records when the staged table was started.
  if (staged) props['created-at'] ??= new Date(nowMs).toISOString();
  return props;
}

type RawPartitionField = z.infer<typeof PartitionSpecZ>['fields'][number];
type RawSortField = z.infer<typeof SortOrderZ>['fields'][number];

function remapSource(idMap: Map<number, number>, sourceId: number): Result<number, IcebergError> {
  const mapped = idMap.get(sourceId);
  return mapped === undefined ? err(invalid(`Cannot find source column: ${sourceId}`)) : ok(mapped);
}

/** Spec id 0 with partition field ids renumbered from 1000 in order; client field ids are ignored. */
function freshSpec(fields: RawPartitionField[], idMap: Map<number, number>, schema: Schema): Result<PartitionSpec, IcebergError> {
  const out: PartitionSpec = { 'spec-id': 0, fields: [] };
  for (const [i, f] of fields.entries()) {
    const source = remapSource(idMap, f['source-id']);
    if (!source.ok) return source;
    out.fields.push({ ...f, 'source-id': source.value, 'field-id': PARTITION_DATA_ID_START + i, name: f.name, transform: f.transform });
  }
  const checked = checkSpecAgainstSchema(out, schema);
  return checked.ok ? ok(out) : checked;
}

function freshSortOrder(fields: RawSortField[], idMap: Map<number, number>, schema: Schema): Result<SortOrder, IcebergError> {
  const out: SortOrder = { 'order-id': fields.length === 0 ? 0 : 1, fields: [] };
  for (const f of fields) {
    const source = remapSource(idMap, f['source-id']);
    if (!source.ok) return source;
    out.fields.push({ ...f, 'source-id': source.value });
  }
  const checked = checkOrderAgainstSchema(out, schema);
  return checked.ok ? ok(out) : checked;
}
