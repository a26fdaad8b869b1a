// Whole-metadata invariants (Java TableMetadata constructor + Builder.build checks, SERVER-RULES
// §2.4). Run on every parsed file and on every built result so an inconsistent table is never
// written.
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { indexFields } from '../schema/index.js';
import { NO_SNAPSHOT_ID, type PartitionSpec, type Schema, type SnapshotId, type SortOrder, type TableMetadata } from './types.js';

const ONE_MINUTE = 60_000;

export function checkConsistency(md: TableMetadata, opts: { checkBindings?: boolean } = {}): Result<void, IcebergError> {
  const schema = md.schemas.find((s) => s['schema-id'] === md['current-schema-id']);
  if (!schema) return fail(`Cannot find current schema with id ${md['current-schema-id']}`);
  if (md['partition-specs'].length === 0) return fail('Partition specs cannot be null or empty');
  if (md['sort-orders'].length === 0) return fail('Sort orders cannot be null or empty');
  const spec = md['partition-specs'].find((s) => s['spec-id'] === md['default-spec-id']);
  if (!spec) return fail(`Cannot find default partition spec with id ${md['default-spec-id']}`);
  const order = md['sort-orders'].find((o) => o['order-id'] === md['default-sort-order-id']);
  if (!order) return fail(`Cannot find default sort order with id ${md['default-sort-order-id']}`);
  if (opts.checkBindings) {
    const bound = checkSpecAgainstSchema(spec, schema);
    if (!bound.ok) return bound;
    const sorted = checkOrderAgainstSchema(order, schema);
    if (!sorted.ok) return sorted;
  }
  if (md['format-version'] === 1 && md['last-sequence-number'] !== 0) {
    return fail(`Sequence number must be 0 in v1: ${md['last-sequence-number']}`);
  }
  const snapshots = checkSnapshotsAndRefs(md);
  if (!snapshots.ok) return snapshots;
  return checkLogOrder(md);
}

function checkSnapshotsAndRefs(md: TableMetadata): Result<void, IcebergError> {
  const ids = new Set<SnapshotId>();
  for (const s of md.snapshots) {
    const seq = s['sequence-number'] ?? 0;
    if (seq > md['last-sequence-number']) {
      return fail(`Invalid snapshot with sequence number ${seq} greater than last sequence number ${md['last-sequence-number']}`);
    }
    ids.add(s['snapshot-id']);
  }
  for (const [name, ref] of Object.entries(md.refs)) {
    if (!ids.has(ref['snapshot-id'])) {
      return fail(`Snapshot for reference ${name} does not exist in the existing snapshots list`);
    }
  }
  const current = md['current-snapshot-id'];
  const main = md.refs.main;
  if (current !== NO_SNAPSHOT_ID) {
    if (main && main['snapshot-id'] !== current) {
      return fail(`Current snapshot ID does not match main branch (${current} != ${main['snapshot-id']})`);
    }
    if (!ids.has(current)) return fail('Invalid table metadata: Cannot find current version');
  } else if (main) {
    return fail(`Current snapshot is not set, but main branch exists: ${main['snapshot-id']}`);
  }
  return ok(undefined);
}

function checkLogOrder(md: TableMetadata): Result<void, IcebergError> {
  // Commits come from many machines, so small clock skew is tolerated like in Java.
  const updated = md['last-updated-ms'];
  const sorted = (xs: { 'timestamp-ms': number }[]) =>
    xs.every((e, i) => i === 0 || e['timestamp-ms'] - xs[i - 1]['timestamp-ms'] >= -ONE_MINUTE);
  const snapLog = md['snapshot-log'];
  if (!sorted(snapLog)) return fail('[BUG] Expected sorted snapshot log entries.');
  const lastSnap = snapLog[snapLog.length - 1];
  if (lastSnap && updated - lastSnap['timestamp-ms'] < -ONE_MINUTE) {
    return fail(`Invalid update timestamp ${updated}: before last snapshot log entry at ${lastSnap['timestamp-ms']}`);
  }
  const mdLog = md['metadata-log'];
  if (!sorted(mdLog)) return fail('[BUG] Expected sorted previous metadata log entries.');
  const lastMd = mdLog[mdLog.length - 1];
  if (lastMd && updated - lastMd['timestamp-ms'] < -ONE_MINUTE) {
    return fail(`Invalid update timestamp ${updated}: before the latest metadata log entry timestamp ${lastMd['timestamp-ms']}`);
  }
  return ok(undefined);
}

/** Every partition source column must exist in the schema (void transforms may outlive columns in v1). */
export function checkSpecAgainstSchema(spec: { fields: PartitionSpec['fields'] }, schema: Schema): Result<void, IcebergError> {
  const index = indexFields(schema);
  for (const f of spec.fields) {
    if (f.transform !== 'void' && !index.has(f['source-id'])) {
      return fail(`Cannot find source column for partition field: ${f['field-id']}: ${f.name}: ${f.transform}(${f['source-id']})`);
    }
  }
  const names = new Set<string>();
  for (const f of spec.fields) {
    if (names.has(f.name)) return fail(`Cannot use partition name more than once: ${f.name}`);
    names.add(f.name);
  }
  return ok(undefined);
}

export function checkOrderAgainstSchema(order: { fields: SortOrder['fields'] }, schema: Schema): Result<void, IcebergError> {
  const index = indexFields(schema);
  for (const f of order.fields) {
    if (!index.has(f['source-id'])) {
      return fail(`Cannot find source column for sort field: ${f.transform}(${f['source-id']}) ${f.direction.toUpperCase()} ${f['null-order'].replace('-', '_').toUpperCase()}`);
    }
  }
  return ok(undefined);
}

function fail(message: string): Result<never, IcebergError> {
  return err(invalid(message));
}
