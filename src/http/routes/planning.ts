// Server-side scan planning, vended credentials and remote signing (SERVER-RULES §1.5):
// plan / fetch / cancel / tasks, credentials, sign. Planning and signing change no catalog
// state, so they do not go through the Idempotency-Key gate: a retried plan is just another plan,
// and a repeated cancel answers 204 from the plan's tombstone.
import type { FastifyReply } from 'fastify';
import { credentials, planning, signing, type Catalog } from '../../catalog/index.js';
import type { Router } from '../router.js';
import { bodyObject, parseIdentifierParams } from '../params.js';

type TableParams = { namespace: string; table: string };
// the router names the {plan-id} parameter plan_id (see router.ts)
type PlanParams = TableParams & { plan_id: string };

const TABLE = '/v1/{prefix}/namespaces/{namespace}/tables/{table}';

const sendJson = (reply: FastifyReply, json: string) => reply.type('application/json').send(json);

export function planningRoutes(router: Router, catalog: Catalog): void {
  router.add('POST', `${TABLE}/plan`, async (request, reply) => {
    const id = parseIdentifierParams(request.params as TableParams);
    const body = request.body === undefined ? {} : bodyObject(request.body);
    return sendJson(reply, await planning.planTableScan(catalog, id, planning.parsePlanRequest(body)));
  }, { idempotent: false });

  router.add('GET', `${TABLE}/plan/{plan-id}`, async (request, reply) => {
    const params = request.params as PlanParams;
    return sendJson(reply, await planning.fetchPlanningResult(catalog, parseIdentifierParams(params), params.plan_id));
  });

  router.add('DELETE', `${TABLE}/plan/{plan-id}`, async (request, reply) => {
    const params = request.params as PlanParams;
    await planning.cancelPlanning(catalog, parseIdentifierParams(params), params.plan_id);
    return reply.code(204).send();
  }, { idempotent: false });

  router.add('POST', `${TABLE}/tasks`, async (request, reply) => {
    const id = parseIdentifierParams(request.params as TableParams);
    const body = bodyObject(request.body);
    return sendJson(reply, await planning.fetchScanTasks(catalog, id, body['plan-task']));
  }, { idempotent: false });

  router.add('GET', `${TABLE}/credentials`, async (request, reply) => {
    const id = parseIdentifierParams(request.params as TableParams);
    return reply.send(await credentials.loadCredentials(catalog, id));
  });

  router.add('POST', `${TABLE}/sign`, async (request, reply) => {
    const id = parseIdentifierParams(request.params as TableParams);
    return reply.send(await signing.signRequest(catalog, id, signing.parseSignRequest(bodyObject(request.body))));
  }, { idempotent: false });
}
