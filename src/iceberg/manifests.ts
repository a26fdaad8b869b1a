// Reading Iceberg manifest lists and manifests, for purge (SERVER-RULES §3.2 item 7: delete only
// the files reachable from the dropped table's metadata, never the whole location prefix).
//
// Pure: the caller fetches the bytes. We decode with the writer schema stored in each file
// because v1, v2 and v3 writers (Java, PyIceberg, others) use different schemas; fields are found
// by Iceberg field id first (what Iceberg readers match on) and by name as a fallback.
import { err, ok, type Result } from '../util/result.js';
import { invalid, type IcebergError } from './errors.js';
import { readAvroContainer } from './avro/container.js';

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
