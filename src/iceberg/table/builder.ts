// The table metadata builder (Java TableMetadata.Builder semantics, SERVER-RULES §1.2, §2.4–§2.6).
// It owns a private deep copy of the base metadata, so a failed update can simply be dropped:
// the caller's object is never touched. Every handler validates first and mutates last.
import { assertNever, clonePlain, err, ok, stringifyJson, type Result } from '../../util/index.js';
import { IcebergError, invalid, type IcebergError as IcebergErrorT } from '../errors.js';
import { checkIdentifierFields, checkSchemaForVersion, highestFieldId, sameSchema } from '../schema/index.js';
import { deepEqual, withoutNullish } from '../wire/index.js';
import { checkOrderAgainstSchema, checkSpecAgainstSchema } from './consistency.js';
import { lastAssignedPartitionId } from './metadata.js';
import {
  MAIN_BRANCH,
  NO_SNAPSHOT_ID,
  PARTITION_DATA_ID_START,
  SUPPORTED_FORMAT_VERSION,
  isFormatVersion,
  type PartitionField,
  type PartitionSpec,
  type Schema,
  type Snapshot,
  type SnapshotId,
  type SnapshotRef,
  type SortOrder,
  type TableMetadata,
} from './types.js';
import type { TableUpdate } from './wire.js';

type R = Result<void, IcebergErrorT>;
const done: R = ok(undefined);
const fail = (message: string): R => err(invalid(message));
const retryable = (message: string): R => err(new IcebergError('retryable', message));

/** What happened, in order; only what build() needs to reason about (snapshot log, no-op detection). */
export type Change =
  | { kind: 'add-snapshot'; id: SnapshotId }
  | { kind: 'set-ref'; name: string; id: SnapshotId }
  | { kind: 'remove-snapshot'; id: SnapshotId }
  | { kind: 'other'; action: TableUpdate['action'] };

type Update<A extends TableUpdate['action']> = Extract<TableUpdate, { action: A }>;

export class TableMetadataBuilder {
  readonly md: TableMetadata;
  readonly changes: Change[] = [];
  /** set by add-snapshot / set-snapshot-ref; otherwise build() uses "now" */
  lastUpdatedMs: number | undefined;
  private lastAddedSchemaId: number | undefined;
  private lastAddedSpecId: number | undefined;
  private lastAddedOrderId: number | undefined;

  constructor(base: TableMetadata, private readonly nowMs: number) {
    this.md = clonePlain(base);
  }

  apply(u: TableUpdate): R {
    switch (u.action) {
      case 'assign-uuid': return this.assignUuid(u.uuid);
      case 'upgrade-format-version': return this.upgradeFormatVersion(u['format-version']);
      case 'add-schema': return this.addSchema(u);
      case 'set-current-schema': return this.setCurrentSchema(u['schema-id']);
      case 'add-spec': return this.addSpec(u);
      case 'set-default-spec': return this.setDefaultSpec(u['spec-id']);
      case 'add-sort-order': return this.addSortOrder(u);
      case 'set-default-sort-order': return this.setDefaultSortOrder(u['sort-order-id']);
      case 'add-snapshot': return this.addSnapshot(withoutNullish(u.snapshot) as Snapshot);
      case 'set-snapshot-ref': return this.setSnapshotRef(u);
      case 'remove-snapshots': return this.removeSnapshots(u['snapshot-ids']);
      case 'remove-snapshot-ref': return this.removeRef(u['ref-name']);
      case 'set-location': return this.setLocation(u.location);
      case 'set-properties': return this.setProperties(u.updates);
      case 'remove-properties': return this.removeProperties(u.removals);
      case 'set-statistics':
      case 'remove-statistics':
      case 'set-partition-statistics':
      case 'remove-partition-statistics': return this.applyStatistics(u);
      case 'remove-partition-specs': return this.removeSpecs(u['spec-ids']);
      case 'remove-schemas': return this.removeSchemas(u['schema-ids']);
      case 'add-encryption-key':
      case 'remove-encryption-key': return this.applyEncryptionKey(u);
      default: return assertNever(u, 'table update');
    }
  }

  private changed(action: TableUpdate['action']): R {
    this.changes.push({ kind: 'other', action });
    return done;
  }

  private assignUuid(uuid: string): R {
    if (uuid === this.md['table-uuid']) return done;
    this.md['table-uuid'] = uuid;
    return this.changed('assign-uuid');
  }

  private upgradeFormatVersion(version: number): R {
    const current = this.md['format-version'];
    if (version > SUPPORTED_FORMAT_VERSION) {
      return fail(`Cannot upgrade table to unsupported format version: v${version} (supported: v${SUPPORTED_FORMAT_VERSION})`);
    }
    if (version < current || !isFormatVersion(version)) return fail(`Cannot downgrade v${current} table to v${version}`);
    if (version === current) return done;
    this.md['format-version'] = version;
    // Appendix E: row lineage starts at 0 on upgrade; rows written before v3 have no ids.
    if (version >= 3) this.md['next-row-id'] ??= 0;
    return this.changed('upgrade-format-version');
  }

  private currentSchema(): Schema | undefined {
    return this.md.schemas.find((s) => s['schema-id'] === this.md['current-schema-id']);
  }

  private addSchema(u: Update<'add-schema'>): R {
    const given = u.schema as Omit<Schema, 'schema-id'> & { 'schema-id'?: number };
    const last = this.md['last-column-id'];
    // The deprecated `last-column-id` is ignored, as by Java's server (1.8+): clients send the
    // new schema's highest id, which is below `last` after dropping the newest column.
    const newLast = Math.max(last, highestFieldId(given));
    const existing = this.md.schemas.find((s) => sameSchema(s, given as Schema));
    // The server owns schema ids: reuse an identical schema, else one past the highest (Java reuseOrCreateNewSchemaId).
    const id = existing?.['schema-id'] ??
      this.md.schemas.reduce((next, s) => Math.max(next, s['schema-id'] + 1), Math.max(0, this.md['current-schema-id']));
    const schema: Schema = { ...given, 'schema-id': id } as Schema;
    const compatible = checkSchemaForVersion(schema, this.md['format-version']);
    if (!compatible.ok) return compatible;
    const identifiers = checkIdentifierFields(schema);
    if (!identifiers.ok) return identifiers;
    // A re-sent identical schema still counts as "last added", so `-1` works for clients that always add.
    this.lastAddedSchemaId = id;
    if (existing && newLast === last) return done;
    if (!existing) this.md.schemas.push(schema);
    this.md['last-column-id'] = newLast;
    return this.changed('add-schema');
  }

  private setCurrentSchema(requested: number): R {
    let id = requested;
    if (id === -1) {
      if (this.lastAddedSchemaId === undefined) return fail('Cannot set last added schema: no schema has been added');
      id = this.lastAddedSchemaId;
    }
    if (id === this.md['current-schema-id'] && this.currentSchema()) return done;
    if (!this.md.schemas.some((s) => s['schema-id'] === id)) {
      return fail(`Cannot set current schema to unknown schema: ${id}`);
    }
    // Specs and sort orders are re-bound to the new schema unchecked; their JSON does not change.
    this.md['current-schema-id'] = id;
    return this.changed('set-current-schema');
  }

  private addSpec(u: Update<'add-spec'>): R {
    const schema = this.currentSchema();
    if (!schema) return fail('Cannot add a partition spec before a schema is added');
    const fields = this.withPartitionFieldIds(u.spec.fields);
    const existing = this.md['partition-specs'].find((s) => specsCompatible(s.fields, fields));
    if (existing) {
      this.lastAddedSpecId = existing['spec-id'];
      return done;
    }
    const bound = checkSpecAgainstSchema({ fields }, schema);
    if (!bound.ok) return bound;
    if (this.md['format-version'] === 1 && !fields.every((f, i) => f['field-id'] === PARTITION_DATA_ID_START + i)) {
      return fail(`Spec does not use sequential IDs that are required in v1: ${stringifyJson(fields)}`);
    }
    const id = this.md['partition-specs'].reduce((next, s) => Math.max(next, s['spec-id'] + 1), 0);
    const spec: PartitionSpec = { 'spec-id': id, fields };
    this.md['partition-specs'].push(spec);
    this.md['last-partition-id'] = Math.max(this.md['last-partition-id'], lastAssignedPartitionId([spec]));
    this.lastAddedSpecId = id;
    return this.changed('add-spec');
  }

  /**
   * Clients normally send field ids. When one is missing: v1 numbers per spec from 1000 (its ids
   * must be sequential), v2+ continues after last-partition-id so an id never changes meaning.
   */
  private withPartitionFieldIds(fields: Update<'add-spec'>['spec']['fields']): PartitionField[] {
    let next = this.md['format-version'] === 1
      ? PARTITION_DATA_ID_START - 1
      : Math.max(PARTITION_DATA_ID_START - 1, this.md['last-partition-id']);
    return fields.map((f) => {
      const id = f['field-id'] ?? next + 1;
      next = Math.max(next, id);
      return { ...f, 'field-id': id } as PartitionField;
    });
  }

  private setDefaultSpec(requested: number): R {
    let id = requested;
    if (id === -1) {
      if (this.lastAddedSpecId === undefined) return fail('Cannot set last added spec: no spec has been added');
      id = this.lastAddedSpecId;
    }
    if (id === this.md['default-spec-id'] && this.md['partition-specs'].some((s) => s['spec-id'] === id)) return done;
    if (!this.md['partition-specs'].some((s) => s['spec-id'] === id)) {
      return fail(`Cannot set default partition spec to unknown spec: ${id}`);
    }
    this.md['default-spec-id'] = id;
    return this.changed('set-default-spec');
  }

  private addSortOrder(u: Update<'add-sort-order'>): R {
    const schema = this.currentSchema();
    if (!schema) return fail('Cannot add a sort order before a schema is added');
    const fields = u['sort-order'].fields as SortOrder['fields'];
    const existing = fields.length === 0
      ? this.md['sort-orders'].find((o) => o.fields.length === 0)
      : this.md['sort-orders'].find((o) => o['order-id'] !== 0 && sameOrder(o.fields, fields));
    if (existing) {
      this.lastAddedOrderId = existing['order-id'];
      return done;
    }
    const bound = checkOrderAgainstSchema({ fields }, schema);
    if (!bound.ok) return bound;
    // Unsorted is always order 0; sorted orders count from 1.
    const id = fields.length === 0 ? 0 : this.md['sort-orders'].reduce((next, o) => Math.max(next, o['order-id'] + 1), 1);
    this.md['sort-orders'].push({ 'order-id': id, fields });
    this.lastAddedOrderId = id;
    return this.changed('add-sort-order');
  }

  private setDefaultSortOrder(requested: number): R {
    let id = requested;
    if (id === -1) {
      if (this.lastAddedOrderId === undefined) return fail('Cannot set last added sort order: no sort order has been added');
      id = this.lastAddedOrderId;
    }
    const known = this.md['sort-orders'].some((o) => o['order-id'] === id);
    if (id === this.md['default-sort-order-id'] && known) return done;
    if (!known) return fail(`Cannot set default sort order to unknown order: ${id}`);
    this.md['default-sort-order-id'] = id;
    return this.changed('set-default-sort-order');
  }

  private addSnapshot(snapshot: Snapshot): R {
    const md = this.md;
    if (md.schemas.length === 0) return fail('Attempting to add a snapshot before a schema is added');
    if (md['partition-specs'].length === 0) return fail('Attempting to add a snapshot before a partition spec is added');
    if (md['sort-orders'].length === 0) return fail('Attempting to add a snapshot before a sort order is added');
    const id = snapshot['snapshot-id'];
    if (md.snapshots.some((s) => s['snapshot-id'] === id)) return fail(`Snapshot already exists for id: ${id}`);
    const seq = snapshot['sequence-number'] ?? 0;
    const v = md['format-version'];
    // A parentless snapshot (replace transaction) may reuse a sequence number; anything else lost a race.
    if (v > 1 && seq <= md['last-sequence-number'] && snapshot['parent-snapshot-id'] !== undefined) {
      return retryable(`Cannot add snapshot with sequence number ${seq} older than last sequence number ${md['last-sequence-number']}`);
    }
    const lineage = v >= 3 ? this.checkRowLineage(snapshot) : done;
    if (!lineage.ok) return lineage;
    // ---- validated; mutation only from here on
    this.lastUpdatedMs = snapshot['timestamp-ms'];
    if (v > 1) md['last-sequence-number'] = seq;
    md.snapshots.push(snapshot);
    if (v >= 3) md['next-row-id'] = (md['next-row-id'] ?? 0) + (snapshot['added-rows'] ?? 0);
    this.changes.push({ kind: 'add-snapshot', id });
    return done;
  }

  private checkRowLineage(snapshot: Snapshot): R {
    const first = snapshot['first-row-id'];
    if (first === undefined) return fail('Cannot add a snapshot: first-row-id is null');
    if (snapshot['added-rows'] === undefined) return fail('Cannot add a snapshot: added-rows is null');
    const next = this.md['next-row-id'] ?? 0;
    if (first < next) return retryable(`Cannot add a snapshot, first-row-id is behind table next-row-id: ${first} < ${next}`);
    return done;
  }

  private setSnapshotRef(u: Update<'set-snapshot-ref'>): R {
    const name = u['ref-name'];
    const ref = withoutNullish({
      type: u.type, 'snapshot-id': u['snapshot-id'], 'max-ref-age-ms': u['max-ref-age-ms'],
      'max-snapshot-age-ms': u['max-snapshot-age-ms'], 'min-snapshots-to-keep': u['min-snapshots-to-keep'],
    }) as SnapshotRef;
    const problem = refProblem(name, ref);
    if (problem) return fail(problem);
    if (deepEqual(this.md.refs[name], ref)) return done;
    const id = ref['snapshot-id'];
    const snapshot = this.md.snapshots.find((s) => s['snapshot-id'] === id);
    if (!snapshot) return fail(`Cannot set ${name} to unknown snapshot: ${id}`);
    if (this.changes.some((c) => c.kind === 'add-snapshot' && c.id === id)) this.lastUpdatedMs = snapshot['timestamp-ms'];
    if (name === MAIN_BRANCH) {
      this.md['current-snapshot-id'] = id;
      this.lastUpdatedMs ??= this.nowMs;
      this.md['snapshot-log'].push({ 'timestamp-ms': this.lastUpdatedMs, 'snapshot-id': id });
    }
    this.md.refs[name] = ref;
    this.changes.push({ kind: 'set-ref', name, id });
    return done;
  }

  private removeSnapshots(ids: SnapshotId[]): R {
    const remove = new Set(ids);
    const md = this.md;
    const removed = md.snapshots.filter((s) => remove.has(s['snapshot-id']));
    if (removed.length === 0) return done;
    md.snapshots = md.snapshots.filter((s) => !remove.has(s['snapshot-id']));
    md.statistics = md.statistics.filter((s) => !remove.has(s['snapshot-id']));
    md['partition-statistics'] = md['partition-statistics'].filter((s) => !remove.has(s['snapshot-id']));
    for (const s of removed) this.changes.push({ kind: 'remove-snapshot', id: s['snapshot-id'] });
    const live = new Set(md.snapshots.map((s) => s['snapshot-id']));
    for (const [name, ref] of Object.entries(md.refs)) {
      if (!live.has(ref['snapshot-id'])) this.removeRef(name);
    }
    return done;
  }

  private removeRef(name: string): R {
    if (name === MAIN_BRANCH) this.md['current-snapshot-id'] = NO_SNAPSHOT_ID;
    if (!(name in this.md.refs)) return done;
    delete this.md.refs[name];
    return this.changed('remove-snapshot-ref');
  }

  private setLocation(location: string): R {
    const stripped = location.replace(/\/+$/, '');
    if (stripped === this.md.location) return done;
    this.md.location = stripped;
    return this.changed('set-location');
  }

  private setProperties(updates: Record<string, string>): R {
    const differing = Object.entries(updates).filter(([k, v]) => this.md.properties[k] !== v);
    if (differing.length === 0) return done;
    for (const [k, v] of differing) this.md.properties[k] = v;
    return this.changed('set-properties');
  }

  private removeProperties(removals: string[]): R {
    const present = removals.filter((k) => Object.hasOwn(this.md.properties, k));
    if (present.length === 0) return done;
    for (const k of present) delete this.md.properties[k];
    return this.changed('remove-properties');
  }

  private applyStatistics(u: Update<'set-statistics' | 'remove-statistics' | 'set-partition-statistics' | 'remove-partition-statistics'>): R {
    const md = this.md;
    switch (u.action) {
      case 'set-statistics': {
        const file = withoutNullish(u.statistics) as TableMetadata['statistics'][number];
        const others = md.statistics.filter((s) => s['snapshot-id'] !== file['snapshot-id']);
        if (others.length === md.statistics.length - 1 && md.statistics.some((s) => deepEqual(s, file))) return done;
        md.statistics = [...others, file];
        break;
      }
      case 'remove-statistics': {
        const kept = md.statistics.filter((s) => s['snapshot-id'] !== u['snapshot-id']);
        if (kept.length === md.statistics.length) return done;
        md.statistics = kept;
        break;
      }
      case 'set-partition-statistics': {
        const file = withoutNullish(u['partition-statistics']) as TableMetadata['partition-statistics'][number];
        const all = md['partition-statistics'];
        const others = all.filter((s) => s['snapshot-id'] !== file['snapshot-id']);
        if (others.length === all.length - 1 && all.some((s) => deepEqual(s, file))) return done;
        md['partition-statistics'] = [...others, file];
        break;
      }
      case 'remove-partition-statistics': {
        const kept = md['partition-statistics'].filter((s) => s['snapshot-id'] !== u['snapshot-id']);
        if (kept.length === md['partition-statistics'].length) return done;
        md['partition-statistics'] = kept;
        break;
      }
      default:
        return assertNever(u, 'statistics update');
    }
    return this.changed(u.action);
  }

  private removeSpecs(ids: number[]): R {
    if (ids.includes(this.md['default-spec-id'])) return fail('Cannot remove the default partition spec');
    const kept = this.md['partition-specs'].filter((s) => !ids.includes(s['spec-id']));
    if (kept.length === this.md['partition-specs'].length) return done;
    this.md['partition-specs'] = kept;
    return this.changed('remove-partition-specs');
  }

  private removeSchemas(ids: number[]): R {
    if (ids.includes(this.md['current-schema-id'])) return fail('Cannot remove the current schema');
    const kept = this.md.schemas.filter((s) => !ids.includes(s['schema-id']));
    if (kept.length === this.md.schemas.length) return done;
    this.md.schemas = kept;
    return this.changed('remove-schemas');
  }

  private applyEncryptionKey(u: Update<'add-encryption-key' | 'remove-encryption-key'>): R {
    const keys = this.md['encryption-keys'] ?? [];
    if (u.action === 'add-encryption-key') {
      // Idempotent by key id: a retried commit must not duplicate or replace a key.
      if (keys.some((k) => k['key-id'] === u['encryption-key']['key-id'])) return done;
      this.md['encryption-keys'] = [...keys, withoutNullish(u['encryption-key']) as NonNullable<TableMetadata['encryption-keys']>[number]];
      return this.changed(u.action);
    }
    const kept = keys.filter((k) => k['key-id'] !== u['key-id']);
    if (kept.length === keys.length) return done;
    if (kept.length === 0) delete this.md['encryption-keys'];
    else this.md['encryption-keys'] = kept;
    return this.changed(u.action);
  }
}

function specsCompatible(a: PartitionField[], b: PartitionField[]): boolean {
  // Java PartitionSpec.compatibleWith: field ids do not matter, source/transform/name do.
  return a.length === b.length &&
    a.every((f, i) => f['source-id'] === b[i]['source-id'] && f.transform === b[i].transform && f.name === b[i].name);
}

function sameOrder(a: SortOrder['fields'], b: SortOrder['fields']): boolean {
  return a.length === b.length && a.every((f, i) =>
    f['source-id'] === b[i]['source-id'] && f.transform === b[i].transform &&
    f.direction === b[i].direction && f['null-order'] === b[i]['null-order']);
}

function refProblem(name: string, ref: SnapshotRef): string | undefined {
  if (name === MAIN_BRANCH && ref.type !== 'branch') return `Cannot set ${MAIN_BRANCH} to a tag: ${MAIN_BRANCH} must be a branch`;
  if (ref.type === 'tag' && ref['min-snapshots-to-keep'] !== undefined) return 'Tags do not support setting minSnapshotsToKeep';
  if (ref.type === 'tag' && ref['max-snapshot-age-ms'] !== undefined) return 'Tags do not support setting maxSnapshotAgeMs';
  if ((ref['min-snapshots-to-keep'] ?? 1) <= 0) return 'Min snapshots to keep must be greater than 0';
  if ((ref['max-snapshot-age-ms'] ?? 1) <= 0) return 'Max snapshot age must be greater than 0 ms';
  if ((ref['max-ref-age-ms'] ?? 1) <= 0) return 'Max reference age must be greater than 0';
  return undefined;
}
