// Multi-table commits (POST /v1/transactions/commit): every table's requirements are checked
// against one state and every pointer moves in one log entry, so the transaction is atomic
// by construction: all or nothing, with the same server-side retry as single commits.
import type { Effect, Prepared } from '../store/index.js';
import { TRANSACTION_TABLES_MAX } from '../config/limits.js';
import { CatalogError } from './errors.js';
import { checkCommit } from './input-limits.js';
import { commitWriting, discard, mayDeleteExistingFiles, type CatalogContext } from './context.js';
import { checkIdentifier, formatIdentifier, type Identifier } from './names.js';
import { prepareTableChange, supersede } from './tables.js';

export interface TableChangeRequest {
  identifier: Identifier;
  requirements: unknown[];
  updates: unknown[];
}

export function parseTransaction(body: Record<string, unknown>): TableChangeRequest[] {
  const changes = body['table-changes'];
  if (!Array.isArray(changes) || changes.length === 0) {
    throw new CatalogError('BadRequest', 'Invalid transaction: table-changes must be a non-empty array');
  }
  if (changes.length > TRANSACTION_TABLES_MAX) {
    throw new CatalogError('BadRequest', `Invalid transaction: ${changes.length} table changes (at most ${TRANSACTION_TABLES_MAX})`);
  }
  const seen = new Set<string>();
  return changes.map((raw: unknown) => {
    if (typeof raw !== 'object' || raw === null) throw new CatalogError('BadRequest', 'Invalid transaction: each table change must be an object');
    const change = raw as Record<string, unknown>;
    if (change.identifier === undefined) throw new CatalogError('BadRequest', 'Invalid transaction: every table change needs an identifier');
    const identifier = checkIdentifier(change.identifier);
    const key = [...identifier.namespace, identifier.name].join('\u001f');
    if (seen.has(key)) throw new CatalogError('BadRequest', `Invalid transaction: ${formatIdentifier(identifier)} appears more than once`);
    seen.add(key);
    const { requirements, updates } = change;
    if (!Array.isArray(requirements) || !Array.isArray(updates)) {
      throw new CatalogError('BadRequest', 'Invalid transaction: requirements and updates are required arrays');
    }
    checkCommit(requirements, updates);
    return { identifier, requirements, updates };
  });
}

export async function commitTransaction(ctx: CatalogContext, changes: TableChangeRequest[]): Promise<void> {
  let removed: { file: string; owner: string }[] = [];
  let superseded: string[] = [];
  await commitWriting<void>(ctx, async (state, written): Promise<Prepared<void>> => {
    const effects: Effect[] = [];
    const removedNow: { file: string; owner: string }[] = [];
    const supersededNow: string[] = [];
    for (const change of changes) {
      const prepared = await prepareTableChange(ctx, state, change.identifier, change.requirements, change.updates, written);
      if (prepared.kind === 'reject') {
        await discard(ctx, written);
        return prepared;
      }
      if (prepared.kind === 'change') {
        effects.push(prepared.effect);
        const owner = prepared.result.metadata.location;
        removedNow.push(...prepared.removedMetadataFiles.map((file) => ({ file, owner })));
        supersededNow.push(prepared.superseded);
      }
    }
    removed = removedNow;
    superseded = supersededNow;
    return effects.length === 0 ? { kind: 'noop', result: undefined } : { kind: 'txn', effects, result: undefined };
  });
  for (const location of superseded) supersede(ctx, location);
  if (mayDeleteExistingFiles(ctx)) for (const { file, owner } of removed) await ctx.warehouse.delete(file, owner);
}
