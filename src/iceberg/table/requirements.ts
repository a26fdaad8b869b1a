// Commit requirements (TableRequirement, SERVER-RULES §1.4). Messages are exactly the Java
// UpdateRequirement ones because clients match on them (`Requirement failed: ...`).
import { z } from 'zod';
import { assertNever, err, ok, type Result } from '../../util/index.js';
import { conflict, invalid, type IcebergError } from '../errors.js';
import { validate } from '../wire/index.js';
import type { SnapshotId, TableMetadata } from './types.js';
import { SnapshotIdZ } from './wire.js';

const int = z.number().int();
const RequirementZ = z.discriminatedUnion('type', [
  z.object({ type: z.literal('assert-create') }),
  z.object({ type: z.literal('assert-table-uuid'), uuid: z.string() }),
  z.object({ type: z.literal('assert-ref-snapshot-id'), ref: z.string(), 'snapshot-id': SnapshotIdZ.nullish() }),
  z.object({ type: z.literal('assert-last-assigned-field-id'), 'last-assigned-field-id': int }),
  z.object({ type: z.literal('assert-current-schema-id'), 'current-schema-id': int }),
  z.object({ type: z.literal('assert-last-assigned-partition-id'), 'last-assigned-partition-id': int }),
  z.object({ type: z.literal('assert-default-spec-id'), 'default-spec-id': int }),
  z.object({ type: z.literal('assert-default-sort-order-id'), 'default-sort-order-id': int }),
]);
export type TableRequirement = z.infer<typeof RequirementZ>;

export function isCreateRequest(requirements: unknown[]): boolean {
  return requirements.some(
    (r) => typeof r === 'object' && r !== null && (r as { type?: unknown }).type === 'assert-create',
  );
}

export function parseTableRequirements(requirements: unknown[]): Result<TableRequirement[], IcebergError> {
  const out: TableRequirement[] = [];
  for (const raw of requirements) {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    const parsed = validate(RequirementZ, raw, `table requirement ${typeof type === 'string' ? type : ''}`.trim());
    if (!parsed.ok) return parsed;
    out.push(parsed.value);
  }
  return ok(out);
}

export function checkTableRequirements(requirements: unknown[], base: TableMetadata | undefined): Result<void, IcebergError> {
  const parsed = parseTableRequirements(requirements);
  if (!parsed.ok) return parsed;
  const reqs = parsed.value;
  if (reqs.some((r) => r.type === 'assert-create')) {
    const others = reqs.filter((r) => r.type !== 'assert-create');
    // A create commit has nothing to compare against; anything else is a client bug (Java CH.isCreate).
    if (others.length > 0) return err(invalid(`Invalid create requirements: ${others.map((r) => r.type).join(', ')}`));
    return base === undefined ? ok(undefined) : err(conflict('Requirement failed: table already exists'));
  }
  if (base === undefined) return err(conflict('Requirement failed: table does not exist'));
  for (const r of reqs) {
    const failure = checkOne(r, base);
    if (failure !== undefined) return err(conflict(`Requirement failed: ${failure}`));
  }
  return ok(undefined);
}

/** The failure text after "Requirement failed: ", or undefined when the requirement holds. */
function checkOne(r: TableRequirement, md: TableMetadata): string | undefined {
  const changed = (what: string, expected: number, actual: number) =>
    expected === actual ? undefined : `${what} changed: expected id ${expected} != ${actual}`;
  switch (r.type) {
    case 'assert-create':
      return 'table already exists';
    case 'assert-table-uuid':
      return r.uuid.toLowerCase() === md['table-uuid'].toLowerCase()
        ? undefined
        : `UUID does not match: expected ${r.uuid} != ${md['table-uuid']}`;
    case 'assert-ref-snapshot-id':
      return checkRef(r.ref, r['snapshot-id'] ?? null, md);
    case 'assert-last-assigned-field-id':
      return changed('last assigned field id', r['last-assigned-field-id'], md['last-column-id']);
    case 'assert-current-schema-id':
      return changed('current schema', r['current-schema-id'], md['current-schema-id']);
    case 'assert-last-assigned-partition-id':
      return changed('last assigned partition id', r['last-assigned-partition-id'], md['last-partition-id']);
    case 'assert-default-spec-id':
      return changed('default partition spec', r['default-spec-id'], md['default-spec-id']);
    case 'assert-default-sort-order-id':
      return changed('default sort order', r['default-sort-order-id'], md['default-sort-order-id']);
    default:
      return assertNever(r, 'table requirement');
  }
}

function checkRef(name: string, expected: SnapshotId | null, md: TableMetadata): string | undefined {
  const ref = md.refs[name];
  if (ref === undefined) return expected === null ? undefined : `branch or tag ${name} is missing, expected ${expected}`;
  if (expected === null) return `${ref.type} ${name} was created concurrently`;
  return expected === ref['snapshot-id'] ? undefined : `${ref.type} ${name} has changed: expected id ${expected} != ${ref['snapshot-id']}`;
}
