// Iceberg table metadata in memory: the spec's JSON with kebab-case keys, and its constants.
import type { Schema } from '../schema/index.js';
import type { SnapshotId } from './wire.js';

export type { NestedField, PrimitiveType, Schema, StructType, ListType, MapType, Type } from '../schema/index.js';
export { NO_SNAPSHOT_ID, type SnapshotId } from './wire.js';

export type FormatVersion = 1 | 2 | 3;
export const SUPPORTED_FORMAT_VERSION = 3;

export interface PartitionField { 'source-id': number; 'field-id': number; name: string; transform: string }
export interface PartitionSpec { 'spec-id': number; fields: PartitionField[] }
export interface SortField {
  'source-id': number; transform: string; direction: 'asc' | 'desc'; 'null-order': 'nulls-first' | 'nulls-last';
}
export interface SortOrder { 'order-id': number; fields: SortField[] }
// Snapshot ids are int64 `bigint`s (see SnapshotId); written as JSON numbers by stringifyJson.
export interface Snapshot {
  'snapshot-id': SnapshotId; 'parent-snapshot-id'?: SnapshotId; 'sequence-number'?: number; 'timestamp-ms': number;
  'manifest-list': string; summary: { operation: string; [key: string]: string }; 'schema-id'?: number;
  'first-row-id'?: number; 'added-rows'?: number;
}
export interface SnapshotRef {
  type: 'branch' | 'tag'; 'snapshot-id': SnapshotId; 'max-ref-age-ms'?: number; 'max-snapshot-age-ms'?: number;
  'min-snapshots-to-keep'?: number;
}
export interface BlobMetadata {
  type: string; 'snapshot-id': SnapshotId; 'sequence-number': number; fields: number[]; properties?: Record<string, string>;
}
export interface StatisticsFile {
  'snapshot-id': SnapshotId; 'statistics-path': string; 'file-size-in-bytes': number; 'file-footer-size-in-bytes': number;
  'blob-metadata': BlobMetadata[];
}
export interface PartitionStatisticsFile { 'snapshot-id': SnapshotId; 'statistics-path': string; 'file-size-in-bytes': number }
export interface EncryptionKey {
  'key-id': string; 'encrypted-key-metadata': string; 'encrypted-by-id'?: string; properties?: Record<string, string>;
}
export interface SnapshotLogEntry { 'timestamp-ms': number; 'snapshot-id': SnapshotId }
export interface MetadataLogEntry { 'timestamp-ms': number; 'metadata-file': string }

export interface TableMetadata {
  'format-version': FormatVersion;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: Schema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties: Record<string, string>;
  /** NO_SNAPSHOT_ID (-1n) when the table has no current snapshot (written as null for v3, §2.7) */
  'current-snapshot-id': SnapshotId;
  snapshots: Snapshot[];
  'snapshot-log': SnapshotLogEntry[];
  'metadata-log': MetadataLogEntry[];
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  refs: Record<string, SnapshotRef>;
  statistics: StatisticsFile[];
  'partition-statistics': PartitionStatisticsFile[];
  /** present (>= 0) exactly when format-version >= 3 */
  'next-row-id'?: number;
  'encryption-keys'?: EncryptionKey[];
}

export const PARTITION_DATA_ID_START = 1000;
export const MAIN_BRANCH = 'main';

export const DEFAULT_FORMAT_VERSION: FormatVersion = 2;

export function isFormatVersion(v: number): v is FormatVersion {
  return v === 1 || v === 2 || v === 3;
}
