// The HTTP side of Idempotency-Key: validates the header, makes concurrent duplicates wait for
// the first, runs the handler inside the idempotency scope, and replays recorded answers.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import {
  CatalogError, IdempotentReplay, runIdempotent, tables, type Catalog, type StoredResponse,
} from '../catalog/index.js';
import { stringifyJson } from '../util/json.js';
import { stringifyBody } from './params.js';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const INFLIGHT_MAX = 10_000;

/** How a route's catalog result is recorded; by default inferred from its shape (views pass their own). */
export type Render = (result: unknown) => StoredResponse;

export const renderDefault: Render = (result) => {
  if (result === undefined || typeof result === 'string') return { status: 204 };
  if (typeof result === 'object' && result !== null && 'metadataJson' in result) {
    return { status: 200, table: (result as { metadataLocation?: string }).metadataLocation };
  }
  return { status: 200, body: result };
};

export class IdempotencyGate {
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly catalog: Catalog,
    private readonly lifetimeMs: number,
    private readonly replayView: (location: string) => Promise<string>,
  ) {}

  wrap(handler: RouteHandlerMethod, render: Render): RouteHandlerMethod {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gate = this;
    return async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
      const header = request.headers['idempotency-key'];
      if (header === undefined) return handler.call(this as never, request, reply);
      const key = Array.isArray(header) ? header[0]! : header;
      if (!KEY_PATTERN.test(key)) throw new CatalogError('BadRequest', 'Invalid Idempotency-Key: expected 1-128 characters of [A-Za-z0-9._:-]');
      const fingerprint = `${request.method} ${request.url.split('?')[0]}`;
      // the parsed body, serialised again (losslessly): a retry with the same JSON matches
      const bodySha256 = createHash('sha256').update(request.body === undefined ? '' : stringifyJson(request.body)).digest('hex');
      // concurrent duplicates wait for the first; it will have recorded the outcome
      for (let waited = 0; gate.inflight.has(key) && waited < 100; waited++) await gate.inflight.get(key)!.catch(() => undefined);
      if (gate.inflight.size >= INFLIGHT_MAX) throw new CatalogError('ServiceUnavailable', 'too many requests in flight');
      const run = runIdempotent({ key, fingerprint, bodySha256, lifetimeMs: gate.lifetimeMs, render }, async () => handler.call(this as never, request, reply));
      gate.inflight.set(key, run);
      try {
        return await run;
      } catch (error) {
        if (error instanceof IdempotentReplay) return gate.replay(error.response, reply);
        throw error;
      } finally {
        if (gate.inflight.get(key) === run) gate.inflight.delete(key);
      }
    };
  }

  private async replay(response: StoredResponse, reply: FastifyReply): Promise<FastifyReply> {
    reply.header('idempotent-replayed', 'true');
    if (response.table !== undefined) {
      const metadata = await tables.readTable(this.catalog, response.table);
      const result = tables.renderLoadResult(this.catalog, response.table, metadata);
      reply.header('etag', result.etag);
      return reply.code(200).type('application/json').send(`{"metadata-location":${JSON.stringify(response.table)},"metadata":${result.metadataJson},"config":${result.configJson}}`);
    }
    if (response.view !== undefined) {
      return reply.code(200).type('application/json').send(await this.replayView(response.view));
    }
    if (response.body === undefined) return reply.code(response.status).send();
    return reply.code(response.status).type('application/json').send(stringifyBody(response.body));
  }
}
