// Register / unregister routes: point a name at an existing metadata file, or forget a table
// while leaving every file in place (moving tables between catalogs).
import { CatalogError, register } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject, checkName, parseIdentifierParams, parseNamespaceParam } from '../params.js';

export function registerRoutes(router: Router): void {
  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/register', (request) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const body = bodyObject(request.body);
    const name = checkName(body.name, 'table name');
    const metadataLocation = body['metadata-location'];
    if (typeof metadataLocation !== 'string' || metadataLocation === '') {
      throw new CatalogError('BadRequest', 'Invalid metadata-location: must be a non-empty string');
    }
    const overwrite = body.overwrite ?? false;
    if (typeof overwrite !== 'boolean') throw new CatalogError('BadRequest', 'Invalid overwrite: must be a boolean');
    return register.registerTable(levels, { name, metadataLocation, overwrite });
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/tables/{table}/unregister', (request) =>
    register.unregisterTable(parseIdentifierParams(request.params as { namespace: string; table: string })));
}
