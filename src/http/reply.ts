// The only place a catalog answer becomes an HTTP response: status, headers and body for each
// kind of Reply, and the error envelope for a refusal.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadTableBody, type Answer, type Reply } from '../catalog/index.js';
import { viewMetadataToJson } from '../iceberg/index.js';
import { sendError } from './error-envelope.js';

export function sendReply(reply: FastifyReply, answer: Reply): FastifyReply {
  switch (answer.kind) {
    case 'table': {
      const { table } = answer;
      if (table.etag !== undefined) reply.header('etag', table.etag);
      return reply.code(200).type('application/json').send(table.body ?? loadTableBody(table));
    }
    case 'view':
      return reply.code(200).type('application/json').send(JSON.stringify(viewBody(answer)));
    case 'json':
      return reply.code(200).type('application/json').send(answer.text);
    case 'empty':
      if (answer.etag !== undefined) reply.header('etag', answer.etag);
      return reply.code(answer.status).send();
  }
}

/** The LoadViewResult body (config is always empty: views have no per-view settings to hand out). */
function viewBody(answer: Extract<Reply, { kind: 'view' }>): Record<string, unknown> {
  return { 'metadata-location': answer.location, metadata: viewMetadataToJson(answer.metadata), config: {} };
}

export function sendAnswer(request: FastifyRequest, reply: FastifyReply, answer: Answer): FastifyReply {
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  if (answer.kind === 'error') return sendError(answer.error, request, reply);
  return sendReply(reply, answer.reply);
}
