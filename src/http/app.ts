// Builds the Fastify application: JSON parsing with a body limit, the route modules, one
// error handler, and envelopes for unknown routes (404) and wrong methods (405), for the
// router's own errors (bad percent-encoding, 414) and for requests Node's parser rejects (431,
// bad Content-Length, 408). Every connection and request is bounded in time and size.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CatalogError, errors, parseIsoDurationMs, type Catalog } from '../catalog/index.js';
import {
  CONNECTION_IDLE_TIMEOUT_MS, HTTP_CONNECTIONS_MAX, KEEP_ALIVE_TIMEOUT_MS, REQUEST_BODY_BYTES_MAX, REQUEST_HEADERS_BYTES_MAX,
  REQUEST_HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_CHECK_INTERVAL_MS, REQUEST_TIMEOUT_MS, REQUEST_URL_BYTES_MAX,
} from '../config/index.js';
import { answerClientError } from './client-errors.js';
import { FLOE_VERSION } from '../util/index.js';
import { sendError } from './error-envelope.js';
import { checkHost, hostAllowList } from './host-check.js';
import { registerBodyParsers } from './media-type.js';
import { Router } from './router.js';
import { IdempotencyGate } from './idempotency.js';
import {
  configRoutes, namespaceRoutes, planningRoutes, probeRoutes, registerRoutes, tableRoutes, transactionRoutes, viewsRoutes, type Lifecycle,
} from './routes/index.js';
import { registerAuth, type AuthOptions } from './auth/index.js';
import { fastifyLogOptions, installRequestLogging, type PinoLogger } from './logging.js';
import { installHttpMetrics, metricsRoute, type PromMetrics } from './metrics.js';
import { closeConnectionsWhenDraining } from './shutdown.js';

export interface AppOptions {
  catalog: Catalog;
  /** ISO-8601 duration advertised as idempotency-key-lifetime (default PT30M) */
  idempotencyKeyLifetime?: string;
  /** where log lines go (serve's pino logger); absent: nowhere */
  log?: PinoLogger;
  /** request metrics and GET /metrics (serve's registry); absent: none */
  metrics?: PromMetrics;
  /** set by the server's owner when shutdown begins: /ready then answers 503 */
  lifecycle?: Lifecycle;
  /** the address the server listens on: bound to loopback, only loopback Host names are answered */
  host?: string;
  /** further Host names answered ([server] allowed_hosts) */
  allowedHosts?: readonly string[];
  /** who may call: absent, every caller is anonymous ([auth] mode none; http/auth/startup.ts decides) */
  auth?: AuthOptions;
  /** PEM certificate chain and key: serve HTTPS */
  tls?: TlsFiles;
  /** overrides of the HTTP bounds of config/limits.ts (tests use short ones) */
  http?: Partial<HttpBounds>;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export interface HttpBounds {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  connectionIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  timeoutCheckIntervalMs: number;
  connectionsMax: number;
}

const HTTP_BOUNDS: HttpBounds = {
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  headersTimeoutMs: REQUEST_HEADERS_TIMEOUT_MS,
  connectionIdleTimeoutMs: CONNECTION_IDLE_TIMEOUT_MS,
  keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
  timeoutCheckIntervalMs: REQUEST_TIMEOUT_CHECK_INTERVAL_MS,
  connectionsMax: HTTP_CONNECTIONS_MAX,
};

export function buildApp(options: AppOptions): FastifyInstance {
  const bounds = { ...HTTP_BOUNDS, ...options.http };
  const nodeServerOptions = {
    maxHeaderSize: REQUEST_HEADERS_BYTES_MAX,
    headersTimeout: bounds.headersTimeoutMs,
    requestTimeout: bounds.requestTimeoutMs,
    connectionsCheckingInterval: bounds.timeoutCheckIntervalMs,
  };
  const app: FastifyInstance = Fastify({
    ...fastifyLogOptions(options.log),
    bodyLimit: REQUEST_BODY_BYTES_MAX,
    routerOptions: { maxParamLength: 4096, ignoreTrailingSlash: true },
    // Fastify's default of 0 turns Node's own request timeout off: slow bodies never timed out
    requestTimeout: bounds.requestTimeoutMs,
    connectionTimeout: bounds.connectionIdleTimeoutMs,
    keepAliveTimeout: bounds.keepAliveTimeoutMs,
    http: nodeServerOptions,
    // Fastify hands `https` alone to https.createServer: the same bounds go in with the key
    ...(options.tls && { https: { ...nodeServerOptions, ...options.tls } }),
    clientErrorHandler: answerClientError,
    // the router's own errors: bad percent-encoding (400), a path parameter over its length (414)
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  });
  installRequestLogging(app);
  if (options.metrics) installHttpMetrics(app, options.metrics);
  if (options.lifecycle) closeConnectionsWhenDraining(app, options.lifecycle);
  // operators and support tickets can tell which build answered
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('server', `floe/${FLOE_VERSION}`);
  });
  app.server.maxConnections = bounds.connectionsMax;
  registerBodyParsers(app);

  const hosts = hostAllowList(options.host ?? '127.0.0.1', options.allowedHosts ?? []);
  app.addHook('onRequest', async (request) => {
    checkHost(request.headers.host, hosts);
    if (Buffer.byteLength(request.url) > REQUEST_URL_BYTES_MAX) {
      throw new CatalogError('UriTooLong', `URI too long (at most ${REQUEST_URL_BYTES_MAX} bytes)`);
    }
  });

  // before unknown routes are answered: an anonymous caller cannot map the API by its 404s
  if (options.auth) registerAuth(app, options.auth, options.catalog.store);

  const lifetime = options.idempotencyKeyLifetime ?? 'PT30M';
  const router = new Router(app, {
    catalog: options.catalog,
    gate: new IdempotencyGate(),
    idempotencyLifetimeMs: parseIsoDurationMs(lifetime),
    requestTimeoutMs: bounds.requestTimeoutMs,
  });
  configRoutes(router, options.catalog.warehouse.engineConfig, () => ({ 'idempotency-key-lifetime': lifetime }));
  namespaceRoutes(router);
  tableRoutes(router);
  viewsRoutes(router);
  registerRoutes(router);
  transactionRoutes(router);
  planningRoutes(router);
  probeRoutes(app, options.catalog, options.lifecycle ?? { draining: false });
  if (options.metrics) metricsRoute(app, options.metrics);

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const allowed = router.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method as (typeof allowed)[number])) {
      return sendError(errors.methodNotAllowed(request.method, path), request, reply.header('allow', allowed.join(', ')));
    }
    return sendError(errors.noSuchRoute(request.method, path), request, reply);
  };
  // Unknown routes and methods are answered before the body is parsed: a client probing a route
  // Floe does not serve (say /v1/oauth/tokens with a form body) gets 404, not "invalid JSON".
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return notFound(request, reply);
  });
  app.setNotFoundHandler(notFound);
  return app;
}
