// Who a request was authenticated as: set once by the auth hook, read by the RequestContext and
// by the request's log line. Its own module so logging and auth need not import each other.
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS, type Principal } from '../catalog/index.js';

const principals = new WeakMap<FastifyRequest, Principal>();

export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal);
}

/** The principal the auth hook verified for `request`; anonymous when auth is off or the path is public. */
export function principalOf(request: FastifyRequest): Principal {
  return principals.get(request) ?? ANONYMOUS;
}
