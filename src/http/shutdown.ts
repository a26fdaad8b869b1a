// Graceful shutdown: readiness fails first, the listener stops accepting, requests in flight
// (commits among them) finish and are answered, and connections that still hold the process
// after `timeoutMs` (an idle keep-alive, a client stalled mid-body) are closed, so the process
// exits inside the orchestrator's grace period instead of being killed mid-commit.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../util/index.js';
import type { Lifecycle } from './routes/index.js';

/** While draining, every answer closes its connection: a keep-alive client must not pin us open. */
export function closeConnectionsWhenDraining(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (lifecycle.draining) reply.header('connection', 'close');
    return payload;
  });
}

export interface ShutdownPlan {
  lifecycle: Lifecycle;
  /** the public listener */
  app: FastifyInstance;
  /** the admin listener (/health, /ready, /metrics), closed last so probes see us draining */
  admin?: FastifyInstance;
  /** releases what the servers used (the catalog), after the listeners closed */
  release(): Promise<void>;
  timeoutMs: number;
  log: Logger;
}

function openConnections(app: FastifyInstance): Promise<number> {
  return new Promise((resolve) => app.server.getConnections((error, count) => resolve(error ? -1 : count)));
}

/** Runs the shutdown; resolves once everything is closed (the caller exits 0). */
export async function shutDown(plan: ShutdownPlan): Promise<void> {
  const started = Date.now();
  plan.lifecycle.draining = true;
  plan.log.info(
    { timeoutMs: plan.timeoutMs, connections: await openConnections(plan.app) },
    'shutting down: not ready, accepting no new connections, finishing requests in flight',
  );
  const closed = plan.app.close();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), plan.timeoutMs);
  });
  const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    plan.log.warn(
      { timeoutMs: plan.timeoutMs, connections: await openConnections(plan.app) },
      'shutdown timeout: closing the connections still open (requests on them are abandoned)',
    );
    plan.app.server.closeAllConnections();
    await closed;
  }
  await plan.admin?.close();
  await plan.release();
  plan.log.info({ ms: Date.now() - started, timedOut: outcome === 'timeout' }, 'shut down');
}
