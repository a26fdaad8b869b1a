// The admin listener ([server] admin_port): /health, /ready and /metrics only, on a port that can
// stay inside the cluster while the public one faces clients. It closes after the public
// listener, so an orchestrator's probes see the replica draining rather than refusing.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Catalog } from '../catalog/index.js';
import { sendError } from './error-envelope.js';
import { checkHost, hostAllowList } from './host-check.js';
import { fastifyLogOptions, installRequestLogging, type PinoLogger } from './logging.js';
import { installHttpMetrics, metricsRoute, type PromMetrics } from './metrics.js';
import { probeRoutes, type Lifecycle } from './routes/index.js';

export interface AdminOptions {
  catalog: Catalog;
  lifecycle: Lifecycle;
  metrics: PromMetrics;
  log?: PinoLogger;
  host: string;
  allowedHosts: readonly string[];
}

export function buildAdminApp(options: AdminOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({ ...fastifyLogOptions(options.log), return503OnClosing: false });
  const hosts = hostAllowList(options.host, options.allowedHosts);
  app.addHook('onRequest', async (request) => checkHost(request.headers.host, hosts));
  installRequestLogging(app);
  installHttpMetrics(app, options.metrics);
  probeRoutes(app, options.catalog, options.lifecycle);
  metricsRoute(app, options.metrics);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  return app;
}
