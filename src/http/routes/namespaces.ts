// Namespace routes: list, create, load, exists, drop, update properties.
import { namespaces } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject, checkNamespace, parseNamespaceParam, queryParams, stringList, stringMap } from '../params.js';

const levelsOf = (params: unknown) => parseNamespaceParam((params as { namespace: string }).namespace);

export function namespaceRoutes(router: Router): void {
  router.add('GET', '/v1/{prefix}/namespaces', (request) => {
    const query = queryParams(request.query, ['parent', 'pageToken', 'pageSize']);
    const parent = query.parent === undefined || query.parent === '' ? undefined : parseNamespaceParam(query.parent);
    return namespaces.listNamespaces(parent, query);
  });

  router.add('POST', '/v1/{prefix}/namespaces', (request) => {
    const body = bodyObject(request.body);
    return namespaces.createNamespace(checkNamespace(body.namespace), stringMap(body.properties, 'properties'));
  });

  router.add('GET', '/v1/{prefix}/namespaces/{namespace}', (request) => namespaces.loadNamespace(levelsOf(request.params)));

  router.add('HEAD', '/v1/{prefix}/namespaces/{namespace}', (request) => namespaces.namespaceExists(levelsOf(request.params)));

  router.add('DELETE', '/v1/{prefix}/namespaces/{namespace}', (request) => namespaces.dropNamespace(levelsOf(request.params)));

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/properties', (request) => {
    const levels = levelsOf(request.params);
    const body = bodyObject(request.body);
    return namespaces.updateNamespaceProperties(levels, stringMap(body.updates, 'updates'), stringList(body.removals, 'removals'));
  });
}
