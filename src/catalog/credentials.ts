// loadCredentials (GET …/tables/{table}/credentials). Floe vends no storage credentials yet:
// clients use their own (or remote signing). The spec allows a server to return none.
import { CatalogError } from './errors.js';
import { formatIdentifier, type Identifier } from './names.js';
import { tableExists } from './tables.js';

export interface StorageCredential {
  prefix: string;
  config: Record<string, string>;
}

export async function loadCredentials(ctx: import('./context.js').CatalogContext, id: Identifier): Promise<{ 'storage-credentials': StorageCredential[] }> {
  if (!(await tableExists(ctx, id))) throw new CatalogError('NoSuchTable', `Table does not exist: ${formatIdentifier(id)}`);
  return { 'storage-credentials': [] };
}
