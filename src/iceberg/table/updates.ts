// Applying a commit's TableUpdates to table metadata (SERVER-RULES §1.2, §2.2–§2.6, §2.9).
// Pure: the clock and any uuid come in through the context.
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { propertyAsBoolean } from '../wire/index.js';
import { TableMetadataBuilder, type Change } from './builder.js';
import { checkConsistency } from './consistency.js';
import {
  DEFAULT_FORMAT_VERSION,
  MAIN_BRANCH,
  NO_SNAPSHOT_ID,
  PARTITION_DATA_ID_START,
  SUPPORTED_FORMAT_VERSION,
  isFormatVersion,
  type FormatVersion,
  type MetadataLogEntry,
  type SnapshotId,
  type TableMetadata,
} from './types.js';
import { parseTableUpdate, type TableUpdate } from './wire.js';

export interface TableApplyContext {
  nowMs: number;
  /** location of the file `base` was read from; its entry is appended to metadata-log */
  baseMetadataLocation?: string;
  /** create path only: table uuid when the updates carry no assign-uuid */
  newUuid?: string;
  /** create path only: table location when the updates carry no set-location */
  defaultLocation?: string;
}

export interface TableApplyResult {
  metadata: TableMetadata;
  changed: boolean;
  /** previous metadata files that fell out of metadata-log and may be deleted (delete-after-commit) */
  removedMetadataFiles: string[];
}

export const PREVIOUS_VERSIONS_MAX = 'write.metadata.previous-versions-max';
export const DELETE_AFTER_COMMIT = 'write.metadata.delete-after-commit.enabled';

export function applyTableUpdates(
  base: TableMetadata | undefined,
  updates: unknown[],
  ctx: TableApplyContext,
): Result<TableApplyResult, IcebergError> {
  const parsed: TableUpdate[] = [];
  for (const raw of updates) {
    const u = parseTableUpdate(raw);
    if (!u.ok) return u;
    parsed.push(u.value);
  }
  const start = base !== undefined ? ok(base) : emptyMetadata(parsed, ctx);
  if (!start.ok) return start;
  const builder = new TableMetadataBuilder(start.value, ctx.nowMs);
  for (const u of parsed) {
    const applied = builder.apply(u);
    if (!applied.ok) return applied;
  }
  if (base !== undefined && builder.changes.length === 0) {
    return ok({ metadata: base, changed: false, removedMetadataFiles: [] });
  }
  return build(builder, base, ctx);
}

/** Create path (§2.2): the first upgrade-format-version decides the initial version, default 2. */
function emptyMetadata(updates: TableUpdate[], ctx: TableApplyContext): Result<TableMetadata, IcebergError> {
  const first = updates.find((u) => u.action === 'upgrade-format-version');
  const requested = first?.action === 'upgrade-format-version' ? first['format-version'] : DEFAULT_FORMAT_VERSION;
  if (!isFormatVersion(requested)) {
    return err(invalid(`Unsupported format version: v${requested} (supported: v${SUPPORTED_FORMAT_VERSION})`));
  }
  const version: FormatVersion = requested;
  const md: TableMetadata = {
    'format-version': version,
    'table-uuid': ctx.newUuid ?? '',
    location: (ctx.defaultLocation ?? '').replace(/\/+$/, ''),
    'last-sequence-number': 0,
    'last-updated-ms': ctx.nowMs,
    'last-column-id': 0,
    schemas: [],
    'current-schema-id': 0,
    'partition-specs': [],
    'default-spec-id': 0,
    'last-partition-id': PARTITION_DATA_ID_START - 1,
    properties: {},
    'current-snapshot-id': NO_SNAPSHOT_ID,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [],
    'default-sort-order-id': 0,
    refs: {},
    statistics: [],
    'partition-statistics': [],
  };
  if (version >= 3) md['next-row-id'] = 0;
  return ok(md);
}

function build(builder: TableMetadataBuilder, base: TableMetadata | undefined, ctx: TableApplyContext): Result<TableApplyResult, IcebergError> {
  const md = builder.md;
  if (md['table-uuid'] === '') return err(invalid('Cannot create table: no table uuid was assigned'));
  if (md.location === '') return err(invalid('Cannot create table: no table location was set'));
  md['last-updated-ms'] = builder.lastUpdatedMs ?? ctx.nowMs;
  const log = rebuildSnapshotLog(md, builder.changes);
  if (!log.ok) return log;
  md['snapshot-log'] = log.value;
  let removedMetadataFiles: string[] = [];
  if (base !== undefined && ctx.baseMetadataLocation !== undefined) {
    const previous = md['metadata-log'];
    md['metadata-log'] = appendPreviousFile(previous, base['last-updated-ms'], ctx.baseMetadataLocation, md.properties);
    if (propertyAsBoolean(md.properties, DELETE_AFTER_COMMIT)) {
      const kept = new Set(md['metadata-log'].map((e) => e['metadata-file']));
      removedMetadataFiles = previous.map((e) => e['metadata-file']).filter((f) => !kept.has(f));
    }
  }
  const consistent = checkConsistency(md, { checkBindings: true });
  if (!consistent.ok) return consistent;
  return ok({ metadata: md, changed: true, removedMetadataFiles });
}

function appendPreviousFile(
  log: MetadataLogEntry[],
  timestampMs: number,
  file: string,
  properties: Record<string, string>,
): MetadataLogEntry[] {
  const configured = Number.parseInt(properties[PREVIOUS_VERSIONS_MAX] ?? '', 10);
  const max = Math.max(1, Number.isNaN(configured) ? 100 : configured);
  const kept = log.length >= max ? log.slice(log.length - max + 1) : [...log];
  kept.push({ 'timestamp-ms': timestampMs, 'metadata-file': file });
  return kept;
}

/**
 * §2.5: drop log entries of snapshots that this commit added and then superseded as main
 * ("intermediate"), and when snapshots were removed, clear history up to any entry whose
 * snapshot is gone so the log never has gaps. The newest entry must be the current snapshot.
 */
function rebuildSnapshotLog(md: TableMetadata, changes: Change[]): Result<TableMetadata['snapshot-log'], IcebergError> {
  const current = md['current-snapshot-id'];
  const added = new Set<SnapshotId>();
  const intermediate = new Set<SnapshotId>();
  for (const c of changes) {
    if (c.kind === 'add-snapshot') added.add(c.id);
    else if (c.kind === 'set-ref' && c.name === MAIN_BRANCH && added.has(c.id) && c.id !== current) intermediate.add(c.id);
  }
  const hasRemoved = changes.some((c) => c.kind === 'remove-snapshot');
  if (intermediate.size === 0 && !hasRemoved) return ok(md['snapshot-log']);
  const live = new Set(md.snapshots.map((s) => s['snapshot-id']));
  let log: TableMetadata['snapshot-log'] = [];
  for (const entry of md['snapshot-log']) {
    if (live.has(entry['snapshot-id'])) {
      if (!intermediate.has(entry['snapshot-id'])) log.push(entry);
    } else if (hasRemoved) {
      log = [];
    }
  }
  if (live.has(current) && log[log.length - 1]?.['snapshot-id'] !== current) {
    return err(invalid('Cannot set invalid snapshot log: latest entry is not the current snapshot'));
  }
  return ok(log);
}
