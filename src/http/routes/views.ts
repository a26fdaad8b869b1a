// View routes: list, create, load, exists, replace, drop, rename, register-view.
import { CatalogError, views } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject, checkIdentifier, checkName, commitBody, createBody, parseIdentifierParams, parseNamespaceParam, queryParams } from '../params.js';

type IdParams = { namespace: string; view: string };
const VIEW = '/v1/{prefix}/namespaces/{namespace}/views/{view}';

const levelsOf = (params: unknown) => parseNamespaceParam((params as { namespace: string }).namespace);
const idOf = (params: unknown) => parseIdentifierParams(params as IdParams);

export function viewsRoutes(router: Router): void {
  router.add('GET', '/v1/{prefix}/namespaces/{namespace}/views', (request) =>
    views.listViews(levelsOf(request.params), queryParams(request.query, ['pageToken', 'pageSize'])));

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/views', (request) => {
    const levels = levelsOf(request.params);
    return views.createView(levels, createBody(bodyObject(request.body), 'view'));
  });

  router.add('GET', VIEW, (request) => views.loadView(idOf(request.params)));

  router.add('HEAD', VIEW, (request) => views.viewExists(idOf(request.params)));

  router.add('POST', VIEW, (request) => {
    const id = idOf(request.params);
    return views.commitView(id, commitBody(request.body, id));
  });

  router.add('DELETE', VIEW, (request) => views.dropView(idOf(request.params)));

  router.add('POST', '/v1/{prefix}/views/rename', (request) => {
    const body = bodyObject(request.body);
    return views.renameView(checkIdentifier(body.source), checkIdentifier(body.destination));
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/register-view', (request) => {
    const levels = levelsOf(request.params);
    const body = bodyObject(request.body);
    const name = checkName(body.name, 'view name');
    const location = body['metadata-location'];
    if (typeof location !== 'string' || location === '') {
      throw new CatalogError('BadRequest', 'Invalid metadata-location: must be a non-empty string');
    }
    return views.registerView({ namespace: levels, name }, location);
  });
}
