// POST /v1/transactions/commit: an atomic multi-table commit.
import { transactions, type Catalog } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject } from '../params.js';

export function transactionRoutes(router: Router, catalog: Catalog): void {
  router.add('POST', '/v1/{prefix}/transactions/commit', async (request, reply) => {
    const changes = transactions.parseTransaction(bodyObject(request.body));
    await transactions.commitTransaction(catalog, changes);
    return reply.code(204).send();
  });
}
