// GET /v1/config: defaults (the storage config engines need, catalog-wide), overrides (namespace
// separator) and exactly the endpoints served. The storage config is a default, not an override,
// so an engine's own setting (an endpoint only reachable under another name from the engine's
// network) still wins for the catalog's FileIO.
import { jsonReply, noop, read } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { ADVERTISED_SEPARATOR } from '../params.js';

export function configRoutes(router: Router, defaults: Readonly<Record<string, string>>, extra: () => Record<string, unknown>): void {
  router.add('GET', '/v1/config', () =>
    read(async () =>
      noop(jsonReply(JSON.stringify({
        defaults: { ...defaults },
        overrides: { 'namespace-separator': ADVERTISED_SEPARATOR },
        endpoints: [...router.endpoints],
        ...extra(),
      })))));
}
