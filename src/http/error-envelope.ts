// The only code that turns errors into HTTP answers: the Iceberg envelope
// {"error":{message,type,code}} with the status declared in catalog/errors.ts.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CatalogError, errors, NotAuthorizedError } from '../catalog/index.js';
import { noteCause } from './logging.js';

export interface ErrorEnvelope {
  error: { message: string; type: string; code: number };
}

export function envelope(status: number, type: string, message: string): ErrorEnvelope {
  return { error: { message, type, code: status } };
}

/** Fastify's own errors (bad JSON, body too large, wrong media type, bad URL), by their code. */
const FASTIFY_ERRORS: Readonly<Record<string, () => CatalogError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new CatalogError('PayloadTooLarge', 'Request body too large'),
  FST_ERR_BAD_URL: () => new CatalogError('BadRequest', 'Malformed request: invalid percent-encoding in the URL'),
  FST_ERR_MAX_PARAM_LENGTH: () => new CatalogError('UriTooLong', 'URI too long: a path segment is over its length limit'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new CatalogError('UnsupportedMediaType', 'Unsupported media type: a request body needs Content-Type application/json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new CatalogError('BadRequest', 'Malformed request: the body does not match its Content-Length'),
};

function fromFastify(error: FastifyError): CatalogError | undefined {
  const known = error.code === undefined ? undefined : FASTIFY_ERRORS[error.code];
  if (known) return known();
  // any other body parsing or validation failure is the client's
  if (error.code?.startsWith('FST_ERR_CTP') || error.code === 'FST_ERR_VALIDATION' || error.statusCode === 400) {
    return new CatalogError('BadRequest', `Malformed request: ${error.message}`);
  }
  return undefined;
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = error instanceof CatalogError ? error : fromFastify(error as FastifyError);
  // logged once, by the request's own line (http/logging.ts): its cause, type and message
  noteCause(request, error);
  if (!known) {
    const internal = errors.internal();
    return reply.code(internal.status).send(envelope(internal.status, internal.type, internal.message));
  }
  if (known instanceof NotAuthorizedError) reply.header('www-authenticate', known.challenge);
  if (known.retryAfterSeconds !== undefined) reply.header('retry-after', String(known.retryAfterSeconds));
  return reply.code(known.status).send(envelope(known.status, known.type, known.message));
}
