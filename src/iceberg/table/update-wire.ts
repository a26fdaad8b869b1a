// Validators for the 23 TableUpdate actions of the REST spec (SERVER-RULES §1.2).
import { z } from 'zod';
import { err, ok, type Result } from '../../util/result.js';
import { invalid, type IcebergError } from '../errors.js';
import {
  EncryptionKeyZ,
  LongZ,
  PartitionSpecZ,
  PartitionStatisticsFileZ,
  SchemaZ,
  SnapshotIdZ,
  SnapshotZ,
  SortOrderZ,
  StatisticsFileZ,
  StringMapZ,
  validate,
} from './wire.js';

const int = z.number().int();
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

const TABLE_ACTIONS: ReadonlySet<string> = new Set(TableUpdateZ.options.map((o) => o.shape.action.value));
const VIEW_ONLY_ACTIONS: ReadonlySet<string> = new Set(['add-view-version', 'set-current-view-version']);

export function parseTableUpdate(raw: unknown): Result<TableUpdate, IcebergError> {
  const action = typeof raw === 'object' && raw !== null ? (raw as { action?: unknown }).action : undefined;
  if (typeof action !== 'string') return err(invalid('Invalid table update: missing action'));
  if (VIEW_ONLY_ACTIONS.has(action)) return err(invalid(`Cannot apply view update to a table: ${action}`));
  if (!TABLE_ACTIONS.has(action)) return err(invalid(`Cannot parse table update: unknown action ${action}`));
  const parsed = validate(TableUpdateZ, raw, `table update ${action}`);
  return parsed.ok ? ok(parsed.value) : parsed;
}
