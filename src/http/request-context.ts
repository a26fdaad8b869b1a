// Builds the RequestContext of one request, once, from its headers: the request id (Fastify's
// request.id, the client's x-request-id when it is a sane token), the Idempotency-Key with the
// request's fingerprint, the read consistency asked for, and the request's logger.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { errors, type IdempotencyRequest, type RequestContext } from '../catalog/index.js';
import { principalOf } from './auth/index.js';
import { CONSISTENCY_HEADER, parseConsistency } from '../store/index.js';
import type { Logger } from '../util/index.js';
import { stringifyJson } from '../util/index.js';

const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The Idempotency-Key of a request that honours one (throws 400 for a malformed key). */
function idempotencyOf(request: FastifyRequest): IdempotencyRequest | undefined {
  const key = first(request.headers['idempotency-key']);
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw errors.invalidIdempotencyKey();
  // the parsed body, serialised again (losslessly): a retry with the same JSON matches
  const bodySha256 = createHash('sha256').update(request.body === undefined ? '' : stringifyJson(request.body)).digest('hex');
  return { key, fingerprint: `${request.method} ${request.url.split('?')[0]}`, bodySha256 };
}

export interface RequestContextOptions {
  honoursIdempotencyKey: boolean;
  /** the server's request timeout: work past it answers nobody */
  requestTimeoutMs: number;
}

/** `request.id` is the request id: Fastify's genReqId (http/logging.ts) took the client's or made one. */
export function requestContext(request: FastifyRequest, options: RequestContextOptions): RequestContext {
  const idempotency = options.honoursIdempotencyKey ? idempotencyOf(request) : undefined;
  const consistency = parseConsistency(request.headers[CONSISTENCY_HEADER]);
  // Fastify's logger is pino, already bound to the request id: the same methods and child()
  const log = request.log as unknown as Logger;
  return {
    requestId: request.id,
    principal: principalOf(request),
    ...(idempotency && { idempotency }),
    ...(consistency && { consistency }),
    deadlineMs: Date.now() + options.requestTimeoutMs,
    log,
    audit: {},
  };
}
