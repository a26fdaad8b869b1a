// Register and unregister (SERVER-RULES §1.5, §3.2 item 8): move a table between catalogs
// without touching its files. Register points a name at an existing metadata file exactly as
// given — no new metadata file is written, so the table's history (snapshots, metadata-log)
// is the file's own. Unregister forgets the name and answers the last version.
import { tableMetadataToJson, type TableMetadata } from '../iceberg/index.js';
import type { Effect } from '../store/index.js';
import { stringifyJson } from '../util/json.js';
import { commit, type CatalogContext } from './context.js';
import { CatalogError } from './errors.js';
import { formatIdentifier, type Identifier } from './names.js';
import { etagOf, nameTakenError, readTable, type LoadTableResult } from './tables.js';

export interface RegisterRequest {
  name: string;
  metadataLocation: string;
  overwrite: boolean;
}

export interface UnregisterResult {
  metadataLocation: string;
  metadata: TableMetadata;
  /** the serialised `metadata` object (lossless: snapshot ids may be int64 bigints) */
  metadataJson: string;
}

const noSuchTable = (id: Identifier) => new CatalogError('NoSuchTable', `Table does not exist: ${formatIdentifier(id)}`);

function loadResult(location: string, metadata: TableMetadata): LoadTableResult {
  return { metadataLocation: location, metadata, metadataJson: stringifyJson(tableMetadataToJson(metadata)), etag: etagOf(location, 'all') };
}

/** Why the name cannot be registered in `state`: a view always, a table unless overwriting. */
function registerConflict(state: Parameters<typeof nameTakenError>[0], id: Identifier, overwrite: boolean): CatalogError | undefined {
  const taken = nameTakenError(state, id, 'table');
  if (taken && overwrite && state.table(id.namespace, id.name)) return undefined;
  return taken;
}

/**
 * A missing or unreadable file is the caller's mistake, so 400 rather than the 404/500 a load
 * would give: the spec reserves registerTable's 404 for a missing namespace.
 */
async function readForRegister(ctx: CatalogContext, id: Identifier, location: string): Promise<TableMetadata> {
  try {
    return await readTable(ctx, location);
  } catch (error) {
    if (error instanceof CatalogError && (error.code === 'NotFound' || error.code === 'Internal' || error.code === 'BadRequest')) {
      const why = error.code === 'NotFound' ? `metadata file does not exist: ${location}` : error.message;
      throw new CatalogError('BadRequest', `Cannot register ${formatIdentifier(id)}: ${why}`);
    }
    throw error;
  }
}

export function registerTable(ctx: CatalogContext, levels: string[], request: RegisterRequest): Promise<LoadTableResult> {
  const id = { namespace: levels, name: request.name };
  // Everything happens in prepare, so an Idempotency-Key retry replays before any check, and
  // name errors come before the file is opened (as in Java). Reads after the first are cached.
  return commit<LoadTableResult>(ctx, async (state) => {
    const taken = registerConflict(state, id, request.overwrite);
    if (taken) return { kind: 'reject', error: taken };
    const metadata = await readForRegister(ctx, id, request.metadataLocation);
    const result = loadResult(request.metadataLocation, metadata);
    const current = state.table(id.namespace, id.name);
    if (current?.metadataLocation === request.metadataLocation) return { kind: 'noop', result };
    const effect: Effect = current
      ? { op: 'table.setPointer', ns: id.namespace, name: id.name, expect: current.metadataLocation, to: request.metadataLocation }
      : { op: 'table.create', ns: id.namespace, name: id.name, to: request.metadataLocation };
    return { kind: 'txn', effects: [effect], result };
  });
}

/** Forgets the table (no file is deleted) and answers the version it had when forgotten. */
export function unregisterTable(ctx: CatalogContext, id: Identifier): Promise<UnregisterResult> {
  return commit<UnregisterResult>(ctx, async (state) => {
    const pointer = state.table(id.namespace, id.name);
    if (!pointer) return { kind: 'reject', error: noSuchTable(id) };
    // read in prepare: the answer must be the exact version the drop expects
    const metadata = await readTable(ctx, pointer.metadataLocation);
    return {
      kind: 'txn',
      effects: [{ op: 'table.drop', ns: id.namespace, name: id.name, expect: pointer.metadataLocation }],
      result: { metadataLocation: pointer.metadataLocation, metadata, metadataJson: stringifyJson(tableMetadataToJson(metadata)) },
    };
  });
}
