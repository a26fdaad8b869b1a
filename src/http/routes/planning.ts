// Server-side scan planning, vended credentials and remote signing (SERVER-RULES §1.5):
// plan / fetch / cancel / tasks, credentials, sign. Planning and signing change no catalog
// state, so they do not go through the Idempotency-Key gate: a retried plan is just another plan,
// and a repeated cancel answers 204 from the plan's tombstone.
import { credentials, planning, signing } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject, parseIdentifierParams } from '../params.js';

type TableParams = { namespace: string; table: string };
// the router names the {plan-id} parameter plan_id (see router.ts)
type PlanParams = TableParams & { plan_id: string };

const TABLE = '/v1/{prefix}/namespaces/{namespace}/tables/{table}';
const idOf = (params: unknown) => parseIdentifierParams(params as TableParams);

export function planningRoutes(router: Router): void {
  router.add('POST', `${TABLE}/plan`, (request) => {
    const id = idOf(request.params);
    const body = request.body === undefined ? {} : bodyObject(request.body);
    return planning.planTableScanRequest(id, body);
  }, { idempotent: false });

  router.add('GET', `${TABLE}/plan/{plan-id}`, (request) =>
    planning.fetchPlanningResult(idOf(request.params), (request.params as PlanParams).plan_id));

  router.add('DELETE', `${TABLE}/plan/{plan-id}`, (request) =>
    planning.cancelPlanning(idOf(request.params), (request.params as PlanParams).plan_id), { idempotent: false });

  router.add('POST', `${TABLE}/tasks`, (request) => {
    const id = idOf(request.params);
    return planning.fetchScanTasks(id, bodyObject(request.body)['plan-task']);
  }, { idempotent: false });

  router.add('GET', `${TABLE}/credentials`, (request) => credentials.loadCredentials(idOf(request.params)));

  router.add('POST', `${TABLE}/sign`, (request) => {
    const id = idOf(request.params);
    return signing.signOperationRequest(id, bodyObject(request.body));
  }, { idempotent: false });
}
