// Multi-table commits (POST /v1/transactions/commit): every table's requirements are checked
// against one state and every pointer moves in one log entry, so the transaction is atomic
// by construction: all or nothing, with the same server-side retry as single commits.
import type { Effect } from '../store/index.js';
import { TRANSACTION_TABLES_MAX } from '../config/index.js';
import { CatalogError } from './errors.js';
import { checkCommit } from './input-limits.js';
import { commit, EMPTY, noop, refused, type FileDeletion, type Operation } from './decision.js';
import { formatIdentifier, parseIdentifier, type Identifier } from './names.js';
import { prepareTableChange } from './tables.js';
import { allOf, onTable } from './guards.js';

export interface TableChangeRequest {
  identifier: Identifier;
  requirements: unknown[];
  updates: unknown[];
}

const invalid = (why: string) => new CatalogError('BadRequest', `Invalid transaction: ${why}`);

/** The table changes of a CommitTransactionRequest, or why it is refused. */
export function parseTransaction(body: Record<string, unknown>): TableChangeRequest[] | CatalogError {
  const changes = body['table-changes'];
  if (!Array.isArray(changes) || changes.length === 0) return invalid('table-changes must be a non-empty array');
  if (changes.length > TRANSACTION_TABLES_MAX) return invalid(`${changes.length} table changes (at most ${TRANSACTION_TABLES_MAX})`);
  const seen = new Set<string>();
  const parsed: TableChangeRequest[] = [];
  for (const raw of changes as unknown[]) {
    if (typeof raw !== 'object' || raw === null) return invalid('each table change must be an object');
    const change = raw as Record<string, unknown>;
    if (change.identifier === undefined) return invalid('every table change needs an identifier');
    const identifier = parseIdentifier(change.identifier);
    if (identifier instanceof CatalogError) return identifier;
    const key = [...identifier.namespace, identifier.name].join('\u001f');
    if (seen.has(key)) return invalid(`${formatIdentifier(identifier)} appears more than once`);
    seen.add(key);
    const { requirements, updates } = change;
    if (!Array.isArray(requirements) || !Array.isArray(updates)) return invalid('requirements and updates are required arrays');
    const tooLarge = checkCommit(requirements, updates);
    if (tooLarge) return tooLarge;
    parsed.push({ identifier, requirements, updates });
  }
  return parsed;
}

/** POST /v1/transactions/commit with its body. */
export function transaction(body: Record<string, unknown>): Operation {
  const changes = parseTransaction(body);
  return changes instanceof CatalogError ? refused(changes) : commitTransaction(changes);
}

/** All changes against one state, all pointers moved in one txn; 204 either way. */
export const commitTransaction = (changes: TableChangeRequest[]): Operation => ({
  kind: 'write',
  authorize: allOf(...changes.map((change) => onTable('TABLE_WRITE_METADATA', change.identifier))),
  async prepare(ctx, state, attempt) {
    const effects: Effect[] = [];
    const files: string[] = [];
    const deletions: FileDeletion[] = [];
    const superseded: string[] = [];
    for (const change of changes) {
      const prepared = await prepareTableChange(ctx, state, change.identifier, change.requirements, change.updates, attempt);
      if (prepared.kind === 'unchanged') {
        // one refused change refuses the transaction (the pipeline deletes the files written so far)
        if (prepared.decision.kind === 'reject') return prepared.decision;
        continue;
      }
      effects.push(prepared.effect);
      files.push(prepared.file);
      const owner = prepared.result.metadata.location;
      deletions.push(...prepared.removedMetadataFiles.map((file): FileDeletion => ({ kind: 'file', file, owner })));
      superseded.push(prepared.superseded);
    }
    return effects.length === 0 ? noop(EMPTY) : commit(effects, EMPTY, files, deletions, superseded);
  },
});
