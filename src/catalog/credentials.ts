// loadCredentials (GET …/tables/{table}/credentials). Floe vends no storage credentials yet:
// clients use their own (or remote signing). The spec allows a server to return none.
import { jsonReply, noop, read, reject, type Operation } from './decision.js';
import { CatalogError, errors } from './errors.js';
import { bind, onTable } from './guards.js';
import type { Identifier } from './names.js';
import { tableExists } from './tables.js';

export interface StorageCredential {
  prefix: string;
  config: Record<string, string>;
}

/** Credentials give at least read access to the files: refused to a caller with none (access.dataAccess). */
export const loadCredentials = (id: Identifier): Operation =>
  read(async (ctx, req) => {
    const exists = await tableExists(ctx, id, req.consistency, bind(onTable('TABLE_READ_DATA', id), req));
    if (exists instanceof CatalogError) return reject(exists);
    if (!exists) return reject(errors.noSuchTable(id));
    const none: { 'storage-credentials': StorageCredential[] } = { 'storage-credentials': [] };
    return noop(jsonReply(JSON.stringify(none)));
  });
