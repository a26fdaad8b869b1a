// Registers routes by their spec path, so /v1/config can advertise exactly the endpoints that
// exist, and an existing path with the wrong method answers 405 instead of 404.
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { renderDefault, type IdempotencyGate, type Render } from './idempotency.js';
import { assertJsonBody } from './media-type.js';
import { withConsistency } from '../catalog/index.js';
import { CONSISTENCY_HEADER, parseConsistency } from '../store/index.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE';

interface Registered {
  method: Method;
  pattern: RegExp;
}

export class Router {
  readonly endpoints: string[] = [];
  private readonly registered: Registered[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly gate?: IdempotencyGate,
  ) {}

  /**
   * `specPath` as in the OpenAPI spec, e.g. /v1/{prefix}/namespaces/{namespace}; we serve it
   * without a prefix. POST and DELETE honour Idempotency-Key unless `idempotent` is false.
   */
  add(method: Method, specPath: string, handler: RouteHandlerMethod, options: { render?: Render; idempotent?: boolean } = {}): void {
    // find-my-way ends a parameter name at '-' ({plan-id} would read as :plan + "-id"): use '_'
    const path = specPath.replace('/{prefix}', '').replace(/\{([^}]+)\}/g, (_m, name: string) => `:${name.replace(/\W/g, '_')}`);
    const mutating = (method === 'POST' || method === 'DELETE') && options.idempotent !== false;
    const gated = mutating && this.gate ? this.gate.wrap(handler, options.render ?? renderDefault) : handler;
    const wrapped: RouteHandlerMethod = function (request, reply) {
      assertJsonBody(request);
      return withConsistency(parseConsistency(request.headers[CONSISTENCY_HEADER]), async () => gated.call(this, request, reply));
    };
    this.app.route({ method, url: path, handler: wrapped, exposeHeadRoute: false });
    this.endpoints.push(`${method} ${specPath}`);
    const pattern = new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}/?$`);
    this.registered.push({ method, pattern });
  }

  /** Methods served at `path`, for a 405's Allow header (empty: no such route). */
  allowedMethods(path: string): Method[] {
    return this.registered.filter((r) => r.pattern.test(path)).map((r) => r.method);
  }
}
