// loadCredentials (GET …/tables/{table}/credentials). Floe vends no storage credentials yet:
// clients use their own (or remote signing). The spec allows a server to return none.
import { jsonReply, noop, read, reject, type Operation } from './decision.js';
import { errors } from './errors.js';
import type { Identifier } from './names.js';
import { tableExists } from './tables.js';

export interface StorageCredential {
  prefix: string;
  config: Record<string, string>;
}

export const loadCredentials = (id: Identifier): Operation =>
  read(async (ctx, req) => {
    if (!(await tableExists(ctx, id, req.consistency))) return reject(errors.noSuchTable(id));
    const none: { 'storage-credentials': StorageCredential[] } = { 'storage-credentials': [] };
    return noop(jsonReply(JSON.stringify(none)));
  });
