// GET /v1/config: defaults, overrides (namespace separator) and exactly the endpoints served.
import type { Router } from '../router.js';
import { ADVERTISED_SEPARATOR } from '../params.js';

export function configRoutes(router: Router, extra: () => Record<string, unknown>): void {
  router.add('GET', '/v1/config', async (_request, reply) => {
    return reply.send({
      defaults: {},
      overrides: { 'namespace-separator': ADVERTISED_SEPARATOR },
      endpoints: [...router.endpoints],
      ...extra(),
    });
  });
}
