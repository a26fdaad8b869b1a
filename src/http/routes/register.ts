// Register / unregister routes: point a name at an existing metadata file, or forget a table
// while leaving every file in place (moving tables between catalogs).
import { CatalogError, checkName, register, type Catalog } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject, parseIdentifierParams, parseNamespaceParam } from '../params.js';
import { sendTable } from './tables.js';

export function registerRoutes(router: Router, catalog: Catalog): void {
  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/register', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const body = bodyObject(request.body);
    const name = checkName(body.name, 'table name');
    const metadataLocation = body['metadata-location'];
    if (typeof metadataLocation !== 'string' || metadataLocation === '') {
      throw new CatalogError('BadRequest', 'Invalid metadata-location: must be a non-empty string');
    }
    const overwrite = body.overwrite ?? false;
    if (typeof overwrite !== 'boolean') throw new CatalogError('BadRequest', 'Invalid overwrite: must be a boolean');
    return sendTable(reply, await register.registerTable(catalog, levels, { name, metadataLocation, overwrite }));
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/tables/{table}/unregister', async (request, reply) => {
    const id = parseIdentifierParams(request.params as { namespace: string; table: string });
    const result = await register.unregisterTable(catalog, id);
    return reply
      .type('application/json')
      .send(`{"metadata-location":${JSON.stringify(result.metadataLocation)},"metadata":${result.metadataJson}}`);
  });
}
