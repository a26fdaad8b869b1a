// Table routes: list, create (and stage-create), load (ETag, snapshots=refs), exists, commit,
// drop, rename, metrics.
import { CatalogError, checkIdentifier, checkName, purge, tables, type Catalog } from '../../catalog/index.js';
import type { FastifyReply } from 'fastify';
import type { Router } from '../router.js';
import { recordEngineReport } from '../metrics.js';
import { bodyObject, commitBody, createBody, listBody, parseIdentifierParams, parseNamespaceParam, queryParams } from '../params.js';

type IdParams = { namespace: string; table: string };

export function sendTable(reply: FastifyReply, result: tables.LoadTableResult): FastifyReply {
  if (result.etag) reply.header('etag', result.etag);
  if (result.body) return reply.type('application/json').send(result.body);
  const location = result.metadataLocation === undefined ? '' : `"metadata-location":${JSON.stringify(result.metadataLocation)},`;
  return reply
    .type('application/json')
    .send(`{${location}"metadata":${result.metadataJson},"config":${result.configJson}}`);
}

function snapshotsMode(value: unknown): tables.SnapshotsMode {
  if (value === undefined || value === 'all') return 'all';
  if (value === 'refs') return 'refs';
  throw new CatalogError('BadRequest', `Invalid snapshots: ${String(value)} (allowed: all, refs)`);
}

export function tableRoutes(router: Router, catalog: Catalog): void {
  router.add('GET', '/v1/{prefix}/namespaces/{namespace}/tables', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const page = await tables.listTables(catalog, levels, queryParams(request.query, ['pageToken', 'pageSize']));
    return reply.send(listBody('identifiers', page));
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/tables', async (request, reply) => {
    const levels = parseNamespaceParam((request.params as { namespace: string }).namespace);
    const body = bodyObject(request.body);
    return sendTable(reply, await tables.createTable(catalog, levels, createBody(body, 'table')));
  });

  router.add('GET', '/v1/{prefix}/namespaces/{namespace}/tables/{table}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    const mode = snapshotsMode(queryParams(request.query, ['snapshots']).snapshots);
    const loaded = await tables.loadTableIfChanged(catalog, id, mode, request.headers['if-none-match']);
    if (loaded.kind === 'notModified') return reply.code(304).header('etag', loaded.etag).send();
    return sendTable(reply, loaded.result);
  });

  router.add('HEAD', '/v1/{prefix}/namespaces/{namespace}/tables/{table}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    return reply.code((await tables.tableExists(catalog, id)) ? 204 : 404).send();
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/tables/{table}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    const body = commitBody(request.body, id);
    return sendTable(reply, await tables.commitTable(catalog, id, body));
  });

  router.add('DELETE', '/v1/{prefix}/namespaces/{namespace}/tables/{table}', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    // a boolean query parameter; like Java's Boolean.parseBoolean, anything but "true" is false
    const raw = queryParams(request.query, ['purgeRequested']).purgeRequested;
    const purgeRequested = raw?.toLowerCase() === 'true';
    if (purgeRequested) await purge.dropTableAndPurge(catalog, id);
    else await tables.dropTable(catalog, id);
    return reply.code(204).send();
  });

  router.add('POST', '/v1/{prefix}/tables/rename', async (request, reply) => {
    const body = bodyObject(request.body);
    await tables.renameTable(catalog, checkIdentifier(body.source), checkIdentifier(body.destination));
    return reply.code(204).send();
  });

  router.add('POST', '/v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics', async (request, reply) => {
    const id = parseIdentifierParams(request.params as IdParams);
    bodyObject(request.body);
    if (!(await tables.tableExists(catalog, id))) {
      throw new CatalogError('NoSuchTable', `Table does not exist: ${[...id.namespace, id.name].join('.')}`);
    }
    recordEngineReport(request, id);
    return reply.code(204).send();
  }, { idempotent: false });
}
