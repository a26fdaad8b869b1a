// Liveness and readiness for container orchestrators. They are not Iceberg REST endpoints, so
// they are registered on the app directly (not advertised in /v1/config) and answer plain
// JSON: {"status": ...}. Liveness restarts a replica that cannot recover by itself (its store
// failed closed on corruption or a broken invariant); readiness takes a replica out of the
// load balancer while it cannot reach the store, is draining for shutdown, or has closed.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Catalog } from '../../catalog/index.js';
import { READY_PROBE_TIMEOUT_MS } from '../../config/index.js';
import { PROBE_PATHS } from '../probes.js';

/** Shared with `floe serve`: set when shutdown begins, so readiness fails before the port closes. */
export interface Lifecycle {
  draining: boolean;
}

function answer(reply: FastifyReply, code: number, body: Record<string, unknown>): FastifyReply {
  reply.code(code).header('cache-control', 'no-store');
  return reply.send(reply.request.method === 'HEAD' ? undefined : body);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the store within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function probeRoutes(app: FastifyInstance, catalog: Catalog, lifecycle: Lifecycle): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: PROBE_PATHS.health,
    handler: async (_request, reply) => {
      const failed = catalog.store.failedBecause;
      if (failed !== undefined) return answer(reply, 503, { status: 'failed', reason: failed });
      return answer(reply, 200, { status: 'ok' });
    },
  });
  app.route({
    method: ['GET', 'HEAD'],
    url: PROBE_PATHS.ready,
    handler: async (_request, reply) => {
      const { store } = catalog;
      if (lifecycle.draining || store.isClosed) return answer(reply, 503, { status: 'draining' });
      const failed = store.failedBecause;
      if (failed !== undefined) return answer(reply, 503, { status: 'failed', reason: failed });
      try {
        // one probe of the head (shared with concurrent reads): the store answers and we are current
        await withTimeout(store.sync('linearizable'), READY_PROBE_TIMEOUT_MS);
      } catch (error) {
        return answer(reply, 503, { status: 'unavailable', reason: (error as Error).message });
      }
      return answer(reply, 200, { status: 'ready', head: store.headSeq });
    },
  });
}
