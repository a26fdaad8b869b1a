// Registers routes by their spec path, so /v1/config can advertise exactly the endpoints that
// exist, and an existing path with the wrong method answers 405 instead of 404.
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';

export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE';

interface Registered {
  method: Method;
  pattern: RegExp;
}

export class Router {
  readonly endpoints: string[] = [];
  private readonly registered: Registered[] = [];

  constructor(private readonly app: FastifyInstance) {}

  /** `specPath` as in the OpenAPI spec, e.g. /v1/{prefix}/namespaces/{namespace}; we serve it without a prefix. */
  add(method: Method, specPath: string, handler: RouteHandlerMethod): void {
    const path = specPath.replace('/{prefix}', '').replace(/\{([^}]+)\}/g, ':$1');
    this.app.route({ method, url: path, handler, exposeHeadRoute: false });
    this.endpoints.push(`${method} ${specPath}`);
    const pattern = new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}/?$`);
    this.registered.push({ method, pattern });
  }

  /** Methods served at `path`, for a 405's Allow header (empty: no such route). */
  allowedMethods(path: string): Method[] {
    return this.registered.filter((r) => r.pattern.test(path)).map((r) => r.method);
  }
}
