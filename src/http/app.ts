// Builds the Fastify application: JSON parsing with a body limit, the route modules, one
// error handler, and envelopes for unknown routes (404) and wrong methods (405).
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CatalogError, type Catalog } from '../catalog/index.js';
import { REQUEST_BODY_BYTES_MAX, REQUEST_JSON_DEPTH_MAX } from '../config/limits.js';
import { jsonDepthExceeds, parseJson } from '../util/json.js';
import { FLOE_VERSION } from '../util/version.js';
import { envelope, sendError } from './error-envelope.js';
import { Router } from './router.js';
import { IdempotencyGate } from './idempotency.js';
import { parseIsoDurationMs, viewResponseJson } from '../catalog/index.js';
import { configRoutes } from './routes/config.js';
import { namespaceRoutes } from './routes/namespaces.js';
import { tableRoutes } from './routes/tables.js';
import { viewsRoutes } from './routes/views.js';
import { registerRoutes } from './routes/register.js';
import { transactionRoutes } from './routes/transactions.js';
import { planningRoutes } from './routes/planning.js';
import { probeRoutes, type Lifecycle } from './routes/probes.js';

export interface AppOptions {
  catalog: Catalog;
  /** ISO-8601 duration advertised as idempotency-key-lifetime (default PT30M) */
  idempotencyKeyLifetime?: string;
  logger?: boolean | { level: string };
  /** set by the server's owner when shutdown begins: /ready then answers 503 */
  lifecycle?: Lifecycle;
}

export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: REQUEST_BODY_BYTES_MAX,
    // request logs are at info level: serve runs at warn unless FLOE_LOG_LEVEL says otherwise
    routerOptions: { maxParamLength: 4096, ignoreTrailingSlash: true },
  });
  // operators and support tickets can tell which build answered
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('server', `floe/${FLOE_VERSION}`);
  });
  // Clients differ in the content type they send with JSON bodies; parse any body as JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: REQUEST_BODY_BYTES_MAX }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    // before parsing: deeper documents overflowed the stack of the code that walks them
    if (jsonDepthExceeds(text, REQUEST_JSON_DEPTH_MAX)) {
      return done(new CatalogError('BadRequest', `Malformed request: JSON nested deeper than ${REQUEST_JSON_DEPTH_MAX} levels`), undefined);
    }
    try {
      // lossless: int64 snapshot ids beyond 2^53 arrive as bigint instead of being rounded
      done(null, parseJson(text));
    } catch (error) {
      done(new CatalogError('BadRequest', `Malformed request: invalid JSON: ${(error as Error).message}`), undefined);
    }
  });

  const lifetime = options.idempotencyKeyLifetime ?? 'PT30M';
  const gate = new IdempotencyGate(options.catalog, parseIsoDurationMs(lifetime), (location) => viewResponseJson(options.catalog, location));
  const router = new Router(app, gate);
  configRoutes(router, () => ({ 'idempotency-key-lifetime': lifetime }));
  namespaceRoutes(router, options.catalog);
  tableRoutes(router, options.catalog);
  viewsRoutes(router, options.catalog);
  registerRoutes(router, options.catalog);
  transactionRoutes(router, options.catalog);
  planningRoutes(router, options.catalog);
  probeRoutes(app, options.catalog, options.lifecycle ?? { draining: false });

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const allowed = router.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method as (typeof allowed)[number])) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(envelope(405, 'MethodNotAllowedException', `Method ${request.method} is not allowed for ${path}`));
    }
    return reply.code(404).send(envelope(404, 'NotFoundException', `No route for ${request.method} ${path}`));
  };
  // Unknown routes and methods are answered before the body is parsed: a client probing a route
  // Floe does not serve (say /v1/oauth/tokens with a form body) gets 404, not "invalid JSON".
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return notFound(request, reply);
  });
  app.setNotFoundHandler(notFound);
  return app;
}
