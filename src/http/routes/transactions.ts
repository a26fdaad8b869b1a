// POST /v1/transactions/commit: an atomic multi-table commit.
import { transactions } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject } from '../params.js';

export function transactionRoutes(router: Router): void {
  router.add('POST', '/v1/{prefix}/transactions/commit', (request) => transactions.transaction(bodyObject(request.body)));
}
