// Builds the RequestContext of one request, once, from its headers: the request id (the
// client's x-request-id when it is a sane token, else a new one), the Idempotency-Key with
// the request's fingerprint, the read consistency asked for, and a logger bound to the id.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { errors, type IdempotencyRequest, type RequestContext } from '../catalog/index.js';
import { principalOf } from './auth/index.js';
import { CONSISTENCY_HEADER, parseConsistency } from '../store/index.js';
import type { Logger } from '../util/index.js';
import { stringifyJson } from '../util/index.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** printable, no spaces or quotes: safe to echo in a header and to log */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:/+=-]{1,128}$/;
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export function requestIdOf(request: FastifyRequest): string {
  const given = first(request.headers[REQUEST_ID_HEADER]);
  return given !== undefined && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

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

export function requestContext(request: FastifyRequest, requestId: string, options: RequestContextOptions): RequestContext {
  const idempotency = options.honoursIdempotencyKey ? idempotencyOf(request) : undefined;
  const consistency = parseConsistency(request.headers[CONSISTENCY_HEADER]);
  // Fastify's logger is pino: the same methods and child()
  const log = (request.log as unknown as Logger).child({ requestId });
  return {
    requestId,
    principal: principalOf(request),
    ...(idempotency && { idempotency }),
    ...(consistency && { consistency }),
    deadlineMs: Date.now() + options.requestTimeoutMs,
    log,
  };
}
