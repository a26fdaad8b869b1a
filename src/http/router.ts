// Registers routes by their spec path, so /v1/config can advertise exactly the endpoints that
// exist, and an existing path with the wrong method answers 405 instead of 404. A route only
// decodes its request into a catalog Operation; the router builds the RequestContext, runs the
// operation through the pipeline and renders its answer (http/reply.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runOperation, type Catalog, type Operation } from '../catalog/index.js';
import type { IdempotencyGate } from './idempotency.js';
import { assertJsonBody } from './media-type.js';
import { sendAnswer } from './reply.js';
import { requestContext } from './request-context.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE';

/** Decodes a request into the operation it asks for (throws a CatalogError for a malformed one). */
export type Route = (request: FastifyRequest) => Operation;

interface Registered {
  method: Method;
  pattern: RegExp;
}

export interface RouterOptions {
  catalog: Catalog;
  gate: IdempotencyGate;
  idempotencyLifetimeMs: number;
  requestTimeoutMs: number;
}

export class Router {
  readonly endpoints: string[] = [];
  private readonly registered: Registered[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly options: RouterOptions,
  ) {}

  /**
   * `specPath` as in the OpenAPI spec, e.g. /v1/{prefix}/namespaces/{namespace}; we serve it
   * without a prefix. POST and DELETE honour Idempotency-Key unless `idempotent` is false.
   */
  add(method: Method, specPath: string, route: Route, options: { idempotent?: boolean } = {}): void {
    // find-my-way ends a parameter name at '-' ({plan-id} would read as :plan + "-id"): use '_'
    const path = specPath.replace('/{prefix}', '').replace(/\{([^}]+)\}/g, (_m, name: string) => `:${name.replace(/\W/g, '_')}`);
    const honoursKey = (method === 'POST' || method === 'DELETE') && options.idempotent !== false;
    const { catalog, gate, idempotencyLifetimeMs, requestTimeoutMs } = this.options;
    this.app.route({
      method,
      url: path,
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        assertJsonBody(request);
        const req = requestContext(request, { honoursIdempotencyKey: honoursKey, requestTimeoutMs });
        const run = () => runOperation(catalog, req, route(request), { idempotencyLifetimeMs });
        const answer = req.idempotency ? await gate.run(req.idempotency.key, run) : await run();
        return sendAnswer(request, reply, answer);
      },
    });
    this.endpoints.push(`${method} ${specPath}`);
    const pattern = new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}/?$`);
    this.registered.push({ method, pattern });
  }

  /** Methods served at `path`, for a 405's Allow header (empty: no such route). */
  allowedMethods(path: string): Method[] {
    return this.registered.filter((r) => r.pattern.test(path)).map((r) => r.method);
  }
}
