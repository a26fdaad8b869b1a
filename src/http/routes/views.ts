// View routes: list, create, load, exists, replace, drop, rename, register-view.
import { CatalogError, checkIdentifier, checkName, views, type Catalog } from '../../catalog/index.js';
import type { Render } from '../idempotency.js';
import type { Router } from '../router.js';
import { bodyObject, commitBody, createBody, listBody, parseIdentifierParams, parseNamespaceParam, queryParams } from '../params.js';

type IdParams = { namespace: string; view: string };

// An Idempotency-Key replay re-reads the view from its recorded metadata location, so record the
// location rather than the result object (which is not the LoadViewResult wire shape).
const renderView: Render = (result) => ({ status: 200, view: (result as views.LoadViewResult).metadataLocation });

export function viewsRoutes(router: Router, catalog: Catalog): void {
  router.add('GET', '/v1/{prefix}/namespaces/{namespace}/views', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const page = await views.listViews(catalog, levels, queryParams(request.query, ['pageToken', 'pageSize']));
    return reply.send(listBody('identifiers', page));
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/views', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const body = bodyObject(request.body);
    return reply.send(views.loadViewResultJson(await views.createView(catalog, levels, createBody(body, 'view'))));
  }, { render: renderView });

  router.add('GET', '/v1/{prefix}/namespaces/{namespace}/views/{view}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    return reply.send(views.loadViewResultJson(await views.loadView(catalog, id)));
  });

  router.add('HEAD', '/v1/{prefix}/namespaces/{namespace}/views/{view}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    return reply.code((await views.viewExists(catalog, id)) ? 204 : 404).send();
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/views/{view}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    const body = commitBody(request.body, id);
    return reply.send(views.loadViewResultJson(await views.commitView(catalog, id, body)));
  }, { render: renderView });

  router.add('DELETE', '/v1/{prefix}/namespaces/{namespace}/views/{view}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    await views.dropView(catalog, id);
    return reply.code(204).send();
  });

  router.add('POST', '/v1/{prefix}/views/rename', async (request, reply) => {
    const body = bodyObject(request.body);
    await views.renameView(catalog, checkIdentifier(body.source), checkIdentifier(body.destination));
    return reply.code(204).send();
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/register-view', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const body = bodyObject(request.body);
    const name = checkName(body.name, 'view name');
    const location = body['metadata-location'];
    if (typeof location !== 'string' || location === '') {
      throw new CatalogError('BadRequest', 'Invalid metadata-location: must be a non-empty string');
    }
    return reply.send(views.loadViewResultJson(await views.registerView(catalog, { namespace: levels, name }, location)));
  }, { render: renderView });
}
