// Idempotency-Key: the finalised outcome of a mutating request (2xx, or a deterministic 4xx,
// never a 5xx) is recorded in the SAME log entry as its change, so a retry on any replica or
// after a restart gets the same answer without applying anything twice. The scope travels
// with the request through AsyncLocalStorage, so every catalog operation that commits gets
// this without knowing about it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CatalogState, IdempotencyRecord, Prepare, Prepared } from '../store/index.js';
import { viewMetadataToJson } from '../iceberg/index.js';
import { CatalogError } from './errors.js';
import type { CatalogContext } from './context.js';
import { isoDurationMs } from '../util/index.js';

/** What is replayed: a plain body, or the table/view whose metadata is re-read on replay. */
export interface StoredResponse {
  status: number;
  body?: unknown;
  table?: string;
  view?: string;
}

interface StoredPayload {
  /** method and path */
  fingerprint: string;
  /** sha256 of the body; absent in records written before it was recorded (those compare method and path) */
  bodySha256?: string;
  response: StoredResponse;
}

export interface IdempotencyScope {
  key: string;
  /** method + path, and the body's digest: the same key sent with another request is refused, not replayed */
  fingerprint: string;
  bodySha256: string;
  lifetimeMs: number;
  render(result: unknown): StoredResponse;
}

const scopes = new AsyncLocalStorage<IdempotencyScope>();

export const runIdempotent = <T>(scope: IdempotencyScope, fn: () => Promise<T>): Promise<T> => scopes.run(scope, fn);

/** Thrown to the HTTP layer: answer with the recorded response instead. */
export class IdempotentReplay extends Error {
  override name = 'IdempotentReplay';
  constructor(readonly response: StoredResponse) {
    super('replaying an idempotent response');
  }
}

interface FailedOutcome {
  readonly replayedError: CatalogError;
}

export function lookup(state: CatalogState, scope: IdempotencyScope): StoredResponse | undefined {
  const record = state.idempotency.get(scope.key);
  if (!record) return undefined;
  const payload = record.body as StoredPayload;
  if (payload.fingerprint !== scope.fingerprint) {
    throw new CatalogError('BadRequest', `Idempotency-Key ${scope.key} was already used for a different request (${payload.fingerprint})`);
  }
  if (payload.bodySha256 !== undefined && payload.bodySha256 !== scope.bodySha256) {
    throw new CatalogError('BadRequest', `Idempotency-Key ${scope.key} was already used for a different request (${payload.fingerprint} with another body)`);
  }
  return payload.response;
}

/**
 * True when the Idempotency-Key in scope already has an outcome recorded in `state`: its commit
 * will replay it, so work done before the commit (reading a file) can be skipped.
 */
export function hasRecordedOutcome(state: CatalogState): boolean {
  const scope = scopes.getStore();
  return scope !== undefined && state.idempotency.has(scope.key);
}

/** Wraps a commit's prepare so its outcome is recorded with it (identity when no key is in scope). */
export function withIdempotency<R>(prepare: Prepare<R>, nowMs: () => number): Prepare<R> {
  const scope = scopes.getStore();
  if (!scope) return prepare;
  return async (state, attempt): Promise<Prepared<R>> => {
    const recorded = lookup(state, scope);
    if (recorded) return { kind: 'reject', error: new IdempotentReplay(recorded) };
    let outcome: Prepared<R>;
    try {
      outcome = await prepare(state, attempt);
    } catch (error) {
      outcome = { kind: 'reject', error };
    }
    const record = (response: StoredResponse): IdempotencyRecord => ({
      key: scope.key,
      status: response.status,
      body: { fingerprint: scope.fingerprint, bodySha256: scope.bodySha256, response } satisfies StoredPayload,
      expiresAtMs: nowMs() + scope.lifetimeMs,
    });
    switch (outcome.kind) {
      case 'txn':
        return { ...outcome, idem: record(scope.render(outcome.result)) };
      case 'noop':
        return { kind: 'txn', effects: [], idem: record(scope.render(outcome.result)), result: outcome.result };
      case 'reject': {
        const error = outcome.error;
        // only deterministic client errors are final; 5xx and replays are never recorded
        if (!(error instanceof CatalogError) || error.status >= 500 || error.status === 429) return outcome;
        const response = { status: error.status, body: { error: { message: error.message, type: error.type, code: error.status } } };
        const failed: FailedOutcome = { replayedError: error };
        return { kind: 'txn', effects: [], idem: record(response), result: failed as R };
      }
    }
  };
}

/** After a commit: a recorded 4xx travels as a result and is thrown here. */
export function rethrowRecordedFailure<R>(result: R): R {
  if (typeof result === 'object' && result !== null && 'replayedError' in result) {
    throw (result as FailedOutcome).replayedError;
  }
  return result;
}

export function parseIsoDurationMs(text: string): number {
  const ms = isoDurationMs(text);
  // settings are validated at load, so an invalid one here is a caller's bug
  if (ms === undefined) throw new Error(`invalid ISO-8601 duration ${text}`);
  return ms;
}

/** The LoadViewResult body for a recorded view answer. */
export async function viewResponseJson(ctx: CatalogContext, location: string): Promise<string> {
  const metadata = await ctx.warehouse.read('view', location);
  return JSON.stringify({ 'metadata-location': location, metadata: viewMetadataToJson(metadata), config: {} });
}
