// Register and unregister (SERVER-RULES §1.5, §3.2 item 8): move a table between catalogs
// without touching its files. Register points a name at an existing metadata file exactly as
// given — no new metadata file is written, so the table's history (snapshots, metadata-log)
// is the file's own. Unregister forgets the name and answers the last version.
import { tableMetadataToJson, type TableMetadata } from '../iceberg/index.js';
import type { CatalogState, Effect, Prepared } from '../store/index.js';
import { stringifyJson } from '../util/json.js';
import { commit, readBarrier, type CatalogContext } from './context.js';
import { hasRecordedOutcome } from './idempotency.js';
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

function loadResult(ctx: CatalogContext, location: string, metadata: TableMetadata): LoadTableResult {
  return {
    metadataLocation: location,
    metadata,
    metadataJson: stringifyJson(tableMetadataToJson(metadata)),
    configJson: ctx.warehouse.engineConfigJson,
    etag: etagOf(location, 'all'),
  };
}

/** Why the name cannot be registered in `state`: a view always, a table unless overwriting. */
function registerConflict(state: Parameters<typeof nameTakenError>[0], id: Identifier, overwrite: boolean): CatalogError | undefined {
  const taken = nameTakenError(state, id, 'table');
  if (taken && overwrite && state.table(id.namespace, id.name)) return undefined;
  return taken;
}

/**
 * A missing or unreadable file is the caller's mistake, so 400 rather than the 404/500 a load
 * would give: the spec reserves registerTable's 404 for a missing namespace. The file is read
 * with the warehouse's untrusted-file rules (inside the allowed locations, a regular file,
 * bounded, with a timeout) and no message quotes it.
 */
async function readForRegister(ctx: CatalogContext, id: Identifier, location: string): Promise<TableMetadata> {
  try {
    return await ctx.warehouse.readUntrusted(location, 'table');
  } catch (error) {
    if (error instanceof CatalogError && (error.code === 'NotFound' || error.code === 'BadRequest')) {
      const why = error.code === 'NotFound' ? `metadata file does not exist: ${location}` : error.message;
      throw new CatalogError('BadRequest', `Cannot register ${formatIdentifier(id)}: ${why}`);
    }
    throw error;
  }
}

/** A prepare that found the file unread (the name was taken when we looked): read, then commit again. */
class FileNotRead extends Error {
  override name = 'FileNotRead';
}

/**
 * Reads the file first, outside the commit batch, so a slow or hostile file delays only this
 * request; the commit then re-checks the name and the location against the newest state. The
 * read is skipped when the name is already taken (name errors come first, as in Java) or when
 * an Idempotency-Key has a recorded answer to replay; a prepare that then finds the name free
 * asks for one more round with the file read.
 */
export async function withFileReadFirst<M, R>(
  ctx: CatalogContext,
  conflict: (state: CatalogState) => CatalogError | undefined,
  read: () => Promise<M>,
  prepare: (state: CatalogState, file: M) => Promise<Prepared<R>>,
): Promise<R> {
  await readBarrier(ctx);
  let file: M | undefined;
  if (!hasRecordedOutcome(ctx.store.state) && !conflict(ctx.store.state)) file = await read();
  for (let round = 0; ; round++) {
    try {
      return await commit<R>(ctx, async (state) => {
        const taken = conflict(state);
        if (taken) return { kind: 'reject', error: taken };
        if (file === undefined) return { kind: 'reject', error: new FileNotRead() };
        return prepare(state, file);
      });
    } catch (error) {
      if (!(error instanceof FileNotRead) || round > 0) throw error;
      file = await read();
    }
  }
}

export function registerTable(ctx: CatalogContext, levels: string[], request: RegisterRequest): Promise<LoadTableResult> {
  const id = { namespace: levels, name: request.name };
  return withFileReadFirst<TableMetadata, LoadTableResult>(
    ctx,
    (state) => registerConflict(state, id, request.overwrite),
    () => readForRegister(ctx, id, request.metadataLocation),
    async (state, metadata) => {
      const result = loadResult(ctx, request.metadataLocation, metadata);
      const current = state.table(id.namespace, id.name);
      if (current?.metadataLocation === request.metadataLocation) return { kind: 'noop', result };
      // the table's files may not overlap another live table's or view's: a purge of one would take the other's
      ctx.warehouse.locations.checkEntityLocation(metadata.location, state, { kind: 'table', ns: id.namespace, name: id.name });
      const effect: Effect = current
        ? { op: 'table.setPointer', ns: id.namespace, name: id.name, expect: current.metadataLocation, to: request.metadataLocation }
        : { op: 'table.create', ns: id.namespace, name: id.name, to: request.metadataLocation };
      return { kind: 'txn', effects: [effect], result };
    },
  );
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
