// The only code that turns errors into HTTP answers: the Iceberg envelope
// {"error":{message,type,code}} with the status declared in catalog/errors.ts.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CatalogError } from '../catalog/index.js';

export interface ErrorEnvelope {
  error: { message: string; type: string; code: number };
}

export function envelope(status: number, type: string, message: string): ErrorEnvelope {
  return { error: { message, type, code: status } };
}

/** Fastify's own errors (bad JSON, body too large, wrong media type, bad URL) become 4xx envelopes. */
function fromFastify(error: FastifyError): CatalogError | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new CatalogError('PayloadTooLarge', 'Request body too large');
  if (error.code === 'FST_ERR_BAD_URL') return new CatalogError('BadRequest', 'Malformed request: invalid percent-encoding in the URL');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return new CatalogError('UriTooLong', 'URI too long: a path segment is over its length limit');
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new CatalogError('UnsupportedMediaType', 'Unsupported media type: a request body needs Content-Type application/json');
  }
  if (error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return new CatalogError('BadRequest', 'Malformed request: the body does not match its Content-Length');
  if (error.code?.startsWith('FST_ERR_CTP') || error.code === 'FST_ERR_VALIDATION' || error.statusCode === 400) {
    return new CatalogError('BadRequest', `Malformed request: ${error.message}`);
  }
  return undefined;
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = error instanceof CatalogError ? error : fromFastify(error as FastifyError);
  // logged once, by the request's own line (http/logging.ts): its cause, type and message
  if (!known) return reply.code(500).send(envelope(500, 'InternalServerError', 'Internal server error'));
  if (known.retryAfterSeconds !== undefined) reply.header('retry-after', String(known.retryAfterSeconds));
  return reply.code(known.status).send(envelope(known.status, known.type, known.message));
}
