// Namespace routes: list, create, load, exists, drop, update properties.
import { checkNamespace, namespaces, type Catalog } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject, listBody, parseNamespaceParam, queryParams, stringList, stringMap } from '../params.js';

export function namespaceRoutes(router: Router, catalog: Catalog): void {
  router.add('GET', '/v1/{prefix}/namespaces', async (request, reply) => {
    const query = queryParams(request.query, ['parent', 'pageToken', 'pageSize']);
    const parent = query.parent === undefined || query.parent === '' ? undefined : parseNamespaceParam(query.parent);
    const page = await namespaces.listNamespaces(catalog, parent, query);
    return reply.send(listBody('namespaces', page));
  });

  router.add('POST', '/v1/{prefix}/namespaces', async (request, reply) => {
    const body = bodyObject(request.body);
    const levels = checkNamespace(body.namespace);
    const result = await namespaces.createNamespace(catalog, levels, stringMap(body.properties, 'properties'));
    return reply.send(result);
  });

  router.add('GET', '/v1/{prefix}/namespaces/{namespace}', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    return reply.send(await namespaces.loadNamespace(catalog, levels));
  });

  router.add('HEAD', '/v1/{prefix}/namespaces/{namespace}', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    return reply.code((await namespaces.namespaceExists(catalog, levels)) ? 204 : 404).send();
  });

  router.add('DELETE', '/v1/{prefix}/namespaces/{namespace}', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    await namespaces.dropNamespace(catalog, levels);
    return reply.code(204).send();
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/properties', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const body = bodyObject(request.body);
    const result = await namespaces.updateNamespaceProperties(
      catalog,
      levels,
      stringMap(body.updates, 'updates'),
      stringList(body.removals, 'removals'),
    );
    return reply.send(result);
  });
}
