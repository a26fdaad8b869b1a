// Reading Iceberg manifest lists and manifests, for purge (SERVER-RULES §3.2 item 7: delete only
// the files reachable from the dropped table's metadata, never the whole location prefix).
//
// Pure: the caller fetches the bytes. We decode with the writer schema stored in each file
// because v1, v2 and v3 writers (Java, PyIceberg, others) use different schemas; fields are found
// by Iceberg field id first (what Iceberg readers match on) and by name as a fallback.
import { err, ok, type Result } from '../util/index.js';
import { invalid, type IcebergError } from './errors.js';
import { readAvroContainer } from './avro/index.js';

export interface ManifestListEntry {
  manifestPath: string;
  content: 'data' | 'deletes';
}

export interface ManifestEntry {
  filePath: string;
  content: 'data' | 'position-deletes' | 'equality-deletes';
  status: 'existing' | 'added' | 'deleted';
}

// Field ids and names from the table spec ("Manifests", "Manifest Lists").
const MANIFEST_PATH = { id: 500, name: 'manifest_path' };
const MANIFEST_CONTENT = { id: 517, name: 'content' };
const ENTRY_STATUS = { id: 0, name: 'status' };
const ENTRY_DATA_FILE = { id: 2, name: 'data_file' };
const FILE_PATH = { id: 100, name: 'file_path' };
const FILE_CONTENT = { id: 134, name: 'content' };

type RecordSchema = { type: 'record'; fields: { name: string; type: unknown; 'field-id'?: unknown }[] };

function asRecordSchema(schema: unknown): RecordSchema | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const s = schema as { type?: unknown; fields?: unknown };
  if (s.type !== 'record' || !Array.isArray(s.fields)) return undefined;
  return schema as RecordSchema;
}

/** The writer's field (name + type) for an Iceberg field, matched by field-id then by name. */
function findField(rec: RecordSchema, want: { id: number; name: string }): { name: string; type: unknown } | undefined {
  return (
    rec.fields.find((f) => typeof f['field-id'] === 'number' && f['field-id'] === want.id) ??
    rec.fields.find((f) => f.name === want.name)
  );
}

const bad = (message: string) => err(invalid(message));

const getProp = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

export function readManifestList(bytes: Buffer): Result<ManifestListEntry[], IcebergError> {
  const file = readAvroContainer(bytes);
  if (!file.ok) return file;
  const rec = asRecordSchema(file.value.schema);
  const pathField = rec && findField(rec, MANIFEST_PATH);
  if (!rec || !pathField) return bad('Invalid manifest list: schema has no manifest_path field');
  // v1 manifest lists have no content column: every manifest is a data manifest
  const contentField = findField(rec, MANIFEST_CONTENT);

  const out: ManifestListEntry[] = [];
  for (const r of file.value.records) {
    const path = getProp(r, pathField.name);
    if (typeof path !== 'string') return bad('Invalid manifest list: manifest_path is not a string');
    const c = contentField ? getProp(r, contentField.name) : undefined;
    let content: ManifestListEntry['content'];
    if (c === undefined || c === null || c === 0) content = 'data';
    else if (c === 1) content = 'deletes';
    else return bad(`Invalid manifest list: unknown manifest content ${String(c)}`);
    out.push({ manifestPath: path, content });
  }
  return ok(out);
}

export function readManifest(bytes: Buffer): Result<ManifestEntry[], IcebergError> {
  const file = readAvroContainer(bytes);
  if (!file.ok) return file;
  const rec = asRecordSchema(file.value.schema);
  const statusField = rec && findField(rec, ENTRY_STATUS);
  const dataFileField = rec && findField(rec, ENTRY_DATA_FILE);
  if (!rec || !statusField || !dataFileField) {
    return bad('Invalid manifest: schema has no status / data_file fields');
  }
  const dataFileRec = asRecordSchema(dataFileField.type);
  // data_file is always an inline record in files written by Iceberg; fall back to spec names
  const filePathName = (dataFileRec && findField(dataFileRec, FILE_PATH)?.name) ?? FILE_PATH.name;
  const fileContentName = dataFileRec ? findField(dataFileRec, FILE_CONTENT)?.name : FILE_CONTENT.name;

  const out: ManifestEntry[] = [];
  for (const r of file.value.records) {
    const s = getProp(r, statusField.name);
    let status: ManifestEntry['status'];
    if (s === 0) status = 'existing';
    else if (s === 1) status = 'added';
    else if (s === 2) status = 'deleted';
    else return bad(`Invalid manifest: unknown entry status ${String(s)}`);

    const df = getProp(r, dataFileField.name);
    const path = getProp(df, filePathName);
    if (typeof path !== 'string') return bad('Invalid manifest: data_file.file_path is not a string');
    // v1 data files have no content column: they are all data files
    const c = fileContentName === undefined ? undefined : getProp(df, fileContentName);
    let content: ManifestEntry['content'];
    if (c === undefined || c === null || c === 0) content = 'data';
    else if (c === 1) content = 'position-deletes';
    else if (c === 2) content = 'equality-deletes';
    else return bad(`Invalid manifest: unknown data file content ${String(c)}`);
    out.push({ filePath: path, content, status });
  }
  return ok(out);
}

const unique = (items: Iterable<string | undefined>): string[] => {
  const seen = new Set<string>();
  for (const i of items) if (typeof i === 'string' && i.length > 0) seen.add(i);
  return [...seen];
};

/**
 * Files a table's metadata points at directly (Java `CatalogUtil.dropTableData` minus the data
 * files, which need the manifests read first). `manifests` are the v1 snapshots' inline manifest
 * lists (`manifests` instead of `manifest-list`). The current metadata file itself is not listed:
 * the caller knows its location. Arrays are tolerated missing because old metadata lacks some.
 */
export function filesReferencedByMetadata(md: {
  snapshots: { 'manifest-list'?: string; manifests?: string[] }[];
  statistics: { 'statistics-path': string }[];
  'partition-statistics': { 'statistics-path': string }[];
  'metadata-log': { 'metadata-file': string }[];
}): { manifestLists: string[]; manifests: string[]; statistics: string[]; previousMetadata: string[] } {
  const snapshots = md.snapshots ?? [];
  return {
    manifestLists: unique(snapshots.map((s) => s['manifest-list'])),
    manifests: unique(snapshots.flatMap((s) => s.manifests ?? [])),
    statistics: unique([
      ...(md.statistics ?? []).map((s) => s['statistics-path']),
      ...(md['partition-statistics'] ?? []).map((s) => s['statistics-path']),
    ]),
    previousMetadata: unique((md['metadata-log'] ?? []).map((m) => m['metadata-file'])),
  };
}

// ---- full entries, for server-side scan planning -------------------------------------------
//
// Longs decode to bigint (see avro/container.ts); they stay bigint here so snapshot ids and
// sequence numbers beyond 2^53 survive, and stringifyJson writes them as JSON numbers.

export interface ManifestFileInfo {
  manifestPath: string;
  content: 'data' | 'deletes';
  partitionSpecId: number;
  /** v1 lists have none: 0, the v1 data sequence number */
  sequenceNumber: bigint;
  addedSnapshotId: bigint | undefined;
}

/** A column-id keyed metric, as the writer stored it (maps are arrays of key/value records). */
export type ColumnMetric<V> = { key: number; value: V }[];

export interface DataFileRecord {
  content: ManifestEntry['content'];
  filePath: string;
  /** as written (Java writes upper case, e.g. PARQUET) */
  fileFormat: string;
  /** partition values in partition spec field order, as Iceberg single-value JSON (spec Appendix D) */
  partition: unknown[];
  /** the same values as decoded from Avro, with the partition field id the writer gave each */
  partitionValues: { fieldId: number | undefined; value: unknown }[];
  recordCount: bigint;
  fileSizeInBytes: bigint;
  columnSizes?: ColumnMetric<bigint>;
  valueCounts?: ColumnMetric<bigint>;
  nullValueCounts?: ColumnMetric<bigint>;
  nanValueCounts?: ColumnMetric<bigint>;
  lowerBounds?: ColumnMetric<Buffer>;
  upperBounds?: ColumnMetric<Buffer>;
  keyMetadata?: Buffer;
  splitOffsets?: bigint[];
  equalityIds?: number[];
  sortOrderId?: number;
  firstRowId?: bigint;
  referencedDataFile?: string;
  contentOffset?: bigint;
  contentSizeInBytes?: bigint;
}

export interface ManifestDataFileEntry {
  status: ManifestEntry['status'];
  /** null in the file means "inherit from the manifest list entry" (spec "Sequence Number Inheritance") */
  snapshotId: bigint | undefined;
  sequenceNumber: bigint | undefined;
  fileSequenceNumber: bigint | undefined;
  dataFile: DataFileRecord;
}

const LIST_FIELDS = {
  specId: { id: 502, name: 'partition_spec_id' },
  sequenceNumber: { id: 515, name: 'sequence_number' },
  addedSnapshotId: { id: 503, name: 'added_snapshot_id' },
};

const ENTRY_FIELDS = {
  snapshotId: { id: 1, name: 'snapshot_id' },
  sequenceNumber: { id: 3, name: 'sequence_number' },
  fileSequenceNumber: { id: 4, name: 'file_sequence_number' },
};

const FILE_FIELDS = {
  fileFormat: { id: 101, name: 'file_format' },
  partition: { id: 102, name: 'partition' },
  recordCount: { id: 103, name: 'record_count' },
  fileSizeInBytes: { id: 104, name: 'file_size_in_bytes' },
  columnSizes: { id: 108, name: 'column_sizes' },
  valueCounts: { id: 109, name: 'value_counts' },
  nullValueCounts: { id: 110, name: 'null_value_counts' },
  nanValueCounts: { id: 137, name: 'nan_value_counts' },
  lowerBounds: { id: 125, name: 'lower_bounds' },
  upperBounds: { id: 128, name: 'upper_bounds' },
  keyMetadata: { id: 131, name: 'key_metadata' },
  splitOffsets: { id: 132, name: 'split_offsets' },
  equalityIds: { id: 135, name: 'equality_ids' },
  sortOrderId: { id: 140, name: 'sort_order_id' },
  firstRowId: { id: 142, name: 'first_row_id' },
  referencedDataFile: { id: 143, name: 'referenced_data_file' },
  contentOffset: { id: 144, name: 'content_offset' },
  contentSizeInBytes: { id: 145, name: 'content_size_in_bytes' },
};

/** Reads a record field by Iceberg field id / name; null and absent both come back undefined. */
function fieldReader(rec: RecordSchema | undefined) {
  return (value: unknown, want: { id: number; name: string }): unknown => {
    const name = (rec && findField(rec, want)?.name) ?? (rec ? undefined : want.name);
    if (name === undefined) return undefined;
    const v = getProp(value, name);
    return v === null ? undefined : v;
  };
}

/** Integers may decode as number (int) or bigint (long) depending on the writer's schema. */
const toBigint = (v: unknown): bigint | undefined =>
  typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
const toInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'bigint' ? Number(v) : undefined;

/** The manifest list with what planning needs: spec id, sequence number, adding snapshot. */
export function readManifestListEntries(bytes: Buffer): Result<ManifestFileInfo[], IcebergError> {
  const base = readManifestList(bytes);
  if (!base.ok) return base;
  // decoding twice keeps readManifestList untouched; manifest lists are small
  const file = readAvroContainer(bytes);
  if (!file.ok) return file;
  const get = fieldReader(asRecordSchema(file.value.schema));
  const out: ManifestFileInfo[] = [];
  for (let i = 0; i < base.value.length; i++) {
    const r = file.value.records[i];
    const specId = toInt(get(r, LIST_FIELDS.specId));
    if (specId === undefined) return bad('Invalid manifest list: partition_spec_id is missing');
    out.push({
      ...base.value[i]!,
      partitionSpecId: specId,
      sequenceNumber: toBigint(get(r, LIST_FIELDS.sequenceNumber)) ?? 0n,
      addedSnapshotId: toBigint(get(r, LIST_FIELDS.addedSnapshotId)),
    });
  }
  return ok(out);
}

function metric<V>(value: unknown, convert: (v: unknown) => V | undefined): ColumnMetric<V> | undefined {
  if (value === undefined) return undefined;
  const out: ColumnMetric<V> = [];
  // Iceberg writes int-keyed maps as arrays of {key, value} records (logicalType "map");
  // a writer using a plain Avro map has string keys
  const pairs: [unknown, unknown][] = Array.isArray(value)
    ? value.map((kv) => [getProp(kv, 'key'), getProp(kv, 'value')])
    : typeof value === 'object' && value !== null
      ? Object.entries(value).map(([k, v]) => [Number(k), v])
      : [];
  for (const [k, v] of pairs) {
    const key = toInt(k);
    const converted = convert(v);
    if (key !== undefined && converted !== undefined) out.push({ key, value: converted });
  }
  return out;
}

const toBuffer = (v: unknown): Buffer | undefined => (Buffer.isBuffer(v) ? v : undefined);

// ---- partition values: Avro (with logical types) to Iceberg single-value JSON --------------

const MICROS_PER_DAY = 86_400_000_000n;

function pad(n: bigint | number, width: number): string {
  return n.toString().padStart(width, '0');
}

function dateFromDays(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** "HH:MM:SS.ffffff" (or 9 fraction digits) from units since midnight. */
function timeOfDay(units: bigint, perSecond: bigint): string {
  const seconds = units / perSecond;
  const fraction = units % perSecond;
  const width = perSecond === 1_000_000n ? 6 : 9;
  return `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}.${pad(fraction, width)}`;
}

function timestamp(units: bigint, perSecond: bigint, utc: boolean): string {
  const perDay = perSecond === 1_000_000n ? MICROS_PER_DAY : MICROS_PER_DAY * 1000n;
  let days = units / perDay;
  let rest = units % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  return `${dateFromDays(Number(days))}T${timeOfDay(rest, perSecond)}${utc ? '+00:00' : ''}`;
}

function decimalString(bytes: Buffer, scale: number): string {
  let unscaled = 0n;
  for (const b of bytes) unscaled = (unscaled << 8n) | BigInt(b);
  // two's complement, big-endian
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) unscaled -= 1n << BigInt(bytes.length * 8);
  if (scale <= 0) return scale === 0 ? unscaled.toString() : `${unscaled}E+${-scale}`;
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function uuidString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The non-null branch of an optional field's Avro schema. */
function nonNull(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.find((s) => s !== 'null') ?? 'null';
  return schema;
}

function partitionValueToJson(schema: unknown, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const s = nonNull(schema);
  const logical = typeof s === 'object' && s !== null ? (s as { logicalType?: unknown }).logicalType : undefined;
  const attrs = (typeof s === 'object' && s !== null ? s : {}) as { scale?: unknown; 'adjust-to-utc'?: unknown };
  if (logical === 'date' && typeof value === 'number') return dateFromDays(value);
  if (typeof value === 'bigint') {
    const utc = attrs['adjust-to-utc'] === true;
    if (logical === 'time-micros') return timeOfDay(value, 1_000_000n);
    if (logical === 'timestamp-micros') return timestamp(value, 1_000_000n, utc);
    if (logical === 'timestamp-nanos') return timestamp(value, 1_000_000_000n, utc);
    return value;
  }
  if (Buffer.isBuffer(value)) {
    if (logical === 'decimal') return decimalString(value, typeof attrs.scale === 'number' ? attrs.scale : 0);
    if (logical === 'uuid' && value.length === 16) return uuidString(value);
    return value.toString('hex').toUpperCase();
  }
  return value;
}

/**
 * Every entry of a manifest with its whole data_file record (format/spec.md "Manifests"). The
 * snapshot id and sequence numbers are left undefined when the file has null (to be inherited
 * from the manifest list entry by the caller).
 */
export function readManifestDataFiles(bytes: Buffer): Result<ManifestDataFileEntry[], IcebergError> {
  const base = readManifest(bytes);
  if (!base.ok) return base;
  const file = readAvroContainer(bytes);
  if (!file.ok) return file;
  const rec = asRecordSchema(file.value.schema)!;
  const getEntry = fieldReader(rec);
  const dataFileField = findField(rec, ENTRY_DATA_FILE)!;
  const dataFileRec = asRecordSchema(dataFileField.type);
  const getFile = fieldReader(dataFileRec);
  const partitionField = dataFileRec && findField(dataFileRec, FILE_FIELDS.partition);
  const partitionRec = partitionField ? asRecordSchema(partitionField.type) : undefined;

  const out: ManifestDataFileEntry[] = [];
  for (let i = 0; i < base.value.length; i++) {
    const r = file.value.records[i];
    const e = base.value[i]!;
    const df = getProp(r, dataFileField.name);
    const format = getFile(df, FILE_FIELDS.fileFormat);
    const recordCount = toBigint(getFile(df, FILE_FIELDS.recordCount));
    const size = toBigint(getFile(df, FILE_FIELDS.fileSizeInBytes));
    if (typeof format !== 'string' || recordCount === undefined || size === undefined) {
      return bad('Invalid manifest: data_file lacks file_format, record_count or file_size_in_bytes');
    }
    const partitionValue = partitionField ? getProp(df, partitionField.name) : undefined;
    const partition = (partitionRec?.fields ?? []).map((f) => partitionValueToJson(f.type, getProp(partitionValue, f.name)));
    const partitionValues = (partitionRec?.fields ?? []).map((f) => ({
      fieldId: typeof f['field-id'] === 'number' ? f['field-id'] : undefined,
      value: getProp(partitionValue, f.name) ?? null,
    }));
    const splitOffsets = getFile(df, FILE_FIELDS.splitOffsets);
    const equalityIds = getFile(df, FILE_FIELDS.equalityIds);
    const referenced = getFile(df, FILE_FIELDS.referencedDataFile);
    const dataFile: DataFileRecord = {
      content: e.content,
      filePath: e.filePath,
      fileFormat: format,
      partition,
      partitionValues,
      recordCount,
      fileSizeInBytes: size,
      columnSizes: metric(getFile(df, FILE_FIELDS.columnSizes), toBigint),
      valueCounts: metric(getFile(df, FILE_FIELDS.valueCounts), toBigint),
      nullValueCounts: metric(getFile(df, FILE_FIELDS.nullValueCounts), toBigint),
      nanValueCounts: metric(getFile(df, FILE_FIELDS.nanValueCounts), toBigint),
      lowerBounds: metric(getFile(df, FILE_FIELDS.lowerBounds), toBuffer),
      upperBounds: metric(getFile(df, FILE_FIELDS.upperBounds), toBuffer),
      keyMetadata: toBuffer(getFile(df, FILE_FIELDS.keyMetadata)),
      splitOffsets: Array.isArray(splitOffsets) ? splitOffsets.map(toBigint).filter((v) => v !== undefined) : undefined,
      equalityIds: Array.isArray(equalityIds) ? equalityIds.map(toInt).filter((v) => v !== undefined) : undefined,
      sortOrderId: toInt(getFile(df, FILE_FIELDS.sortOrderId)),
      firstRowId: toBigint(getFile(df, FILE_FIELDS.firstRowId)),
      referencedDataFile: typeof referenced === 'string' ? referenced : undefined,
      contentOffset: toBigint(getFile(df, FILE_FIELDS.contentOffset)),
      contentSizeInBytes: toBigint(getFile(df, FILE_FIELDS.contentSizeInBytes)),
    };
    out.push({
      status: e.status,
      snapshotId: toBigint(getEntry(r, ENTRY_FIELDS.snapshotId)),
      sequenceNumber: toBigint(getEntry(r, ENTRY_FIELDS.sequenceNumber)),
      fileSequenceNumber: toBigint(getEntry(r, ENTRY_FIELDS.fileSequenceNumber)),
      dataFile,
    });
  }
  return ok(out);
}
