// Register and unregister (SERVER-RULES §1.5, §3.2 item 8): move a table between catalogs
// without touching its files. Register points a name at an existing metadata file exactly as
// given — no new metadata file is written, so the table's history (snapshots, metadata-log)
// is the file's own. Unregister forgets the name and answers the last version.
import { tableMetadataToJson, type TableMetadata } from '../iceberg/index.js';
import type { CatalogState, Effect } from '../store/index.js';
import { stringifyJson } from '../util/index.js';
import type { CatalogContext } from './context.js';
import { commit, noop, reject, type Authorize, type Decision, type Operation } from './decision.js';
import { allOf, onNamespace, onTable } from './guards.js';
import { CatalogError, errors } from './errors.js';
import { formatIdentifier, type Identifier } from './names.js';
import { etagOf, nameTakenError, readTable, tableReply, type LoadTableResult } from './tables.js';

export interface RegisterRequest {
  name: string;
  metadataLocation: string;
  overwrite: boolean;
}

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
function registerConflict(state: CatalogState, id: Identifier, overwrite: boolean): CatalogError | undefined {
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

/**
 * Reads the file first, outside the commit batch, so a slow or hostile file delays only this
 * request; the commit then re-checks the name and the location against the newest state. The
 * read is skipped when the name is already taken (name errors come first, as in Java) or when
 * an Idempotency-Key has a recorded answer to replay; a prepare that then finds the name free
 * asks the pipeline for one more round with the file read.
 */
export function fileReadFirst<M>(
  authorize: Authorize,
  conflict: (state: CatalogState) => CatalogError | undefined,
  readFile: (ctx: CatalogContext) => Promise<M>,
  decide: (ctx: CatalogContext, state: CatalogState, file: M) => Promise<Decision>,
): Operation {
  let file: M | undefined;
  return {
    kind: 'write',
    authorize,
    async before(ctx, state, { replaying, round }) {
      if (round > 0 || (!replaying && !conflict(state))) file = await readFile(ctx);
    },
    async prepare(ctx, state) {
      const taken = conflict(state);
      if (taken) return reject(taken);
      if (file === undefined) return undefined;
      return decide(ctx, state, file);
    },
  };
}

export const registerTable = (levels: string[], request: RegisterRequest): Operation => {
  const id = { namespace: levels, name: request.name };
  return fileReadFirst<TableMetadata>(
    // overwriting an existing table replaces its metadata: that is a commit to it as well
    (state, req) =>
      (request.overwrite && state.table(id.namespace, id.name) ? allOf(onNamespace('TABLE_CREATE', levels), onTable('TABLE_WRITE_METADATA', id)) : onNamespace('TABLE_CREATE', levels))(state, req),
    (state) => registerConflict(state, id, request.overwrite),
    (ctx) => readForRegister(ctx, id, request.metadataLocation),
    async (ctx, state, metadata) => {
      const reply = tableReply(loadResult(ctx, request.metadataLocation, metadata));
      const current = state.table(id.namespace, id.name);
      if (current?.metadataLocation === request.metadataLocation) return noop(reply);
      // the table's files may not overlap another live table's or view's: a purge of one would take the other's
      ctx.warehouse.locations.checkEntityLocation(metadata.location, state, { kind: 'table', ns: id.namespace, name: id.name });
      const effect: Effect = current
        ? { op: 'table.setPointer', ns: id.namespace, name: id.name, expect: current.metadataLocation, to: request.metadataLocation }
        : { op: 'table.create', ns: id.namespace, name: id.name, to: request.metadataLocation };
      return commit([effect], reply);
    },
  );
};

/** Forgets the table (no file is deleted) and answers the version it had when forgotten (without config). */
export const unregisterTable = (id: Identifier): Operation => ({
  kind: 'write',
  authorize: onTable('TABLE_DROP', id),
  async prepare(ctx, state) {
    const pointer = state.table(id.namespace, id.name);
    if (!pointer) return reject(errors.noSuchTable(id));
    // read in prepare: the answer must be the exact version the drop expects
    const metadata = await readTable(ctx, pointer.metadataLocation);
    const reply = tableReply(loadResult(ctx, pointer.metadataLocation, metadata), false);
    return commit([{ op: 'table.drop', ns: id.namespace, name: id.name, expect: pointer.metadataLocation }], reply);
  },
});
