// Table routes: list, create (and stage-create), load (ETag, snapshots=refs), exists, commit,
// drop, rename, metrics.
import { CatalogError, purge, tables } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { recordEngineReport } from '../metrics.js';
import { bodyObject, checkIdentifier, commitBody, createBody, parseIdentifierParams, parseNamespaceParam, queryParams } from '../params.js';

type IdParams = { namespace: string; table: string };
const TABLE = '/v1/{prefix}/namespaces/{namespace}/tables/{table}';

function snapshotsMode(value: unknown): tables.SnapshotsMode {
  if (value === undefined || value === 'all') return 'all';
  if (value === 'refs') return 'refs';
  throw new CatalogError('BadRequest', `Invalid snapshots: ${String(value)} (allowed: all, refs)`);
}

const idOf = (params: unknown) => parseIdentifierParams(params as IdParams);

export function tableRoutes(router: Router): void {
  router.add('GET', '/v1/{prefix}/namespaces/{namespace}/tables', (request) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    return tables.listTables(levels, queryParams(request.query, ['pageToken', 'pageSize']));
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/tables', (request) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    return tables.createTable(levels, createBody(bodyObject(request.body), 'table'));
  });

  router.add('GET', TABLE, (request) => {
    const id = idOf(request.params);
    const mode = snapshotsMode(queryParams(request.query, ['snapshots']).snapshots);
    return tables.loadTable(id, mode, request.headers['if-none-match']);
  });

  router.add('HEAD', TABLE, (request) => tables.tableExistsOperation(idOf(request.params)));

  router.add('POST', TABLE, (request) => {
    const id = idOf(request.params);
    return tables.commitTable(id, commitBody(request.body, id));
  });

  router.add('DELETE', TABLE, (request) => {
    const id = idOf(request.params);
    // a boolean query parameter; like Java's Boolean.parseBoolean, anything but "true" is false
    const raw = queryParams(request.query, ['purgeRequested']).purgeRequested;
    return raw?.toLowerCase() === 'true' ? purge.dropTableAndPurge(id) : tables.dropTable(id);
  });

  router.add('POST', '/v1/{prefix}/tables/rename', (request) => {
    const body = bodyObject(request.body);
    return tables.renameTable(checkIdentifier(body.source), checkIdentifier(body.destination));
  });

  router.add('POST', `${TABLE}/metrics`, (request) => {
    const id = idOf(request.params);
    bodyObject(request.body);
    // the report counts only once the table is known to exist (no metrics for made-up names)
    return tables.reportMetrics(id, () => recordEngineReport(request, id));
  }, { idempotent: false });
}
