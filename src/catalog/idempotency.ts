// The Idempotency-Key record (docs/design/idempotency.md): the finalised answer of a mutating
// request (2xx, or a deterministic 4xx, never a 5xx) is stored in the same log txn as its
// effects. This module encodes and decodes the record's body; pipeline.ts looks it up and writes it.
// Records written before version 2 (`{fingerprint, bodySha256?, response}`) are still read: a
// restart after an upgrade replays them.
import type { IdempotencyRecord } from '../store/index.js';
import { assert, isoDurationMs } from '../util/index.js';
import type { Reply } from './decision.js';
import { CATALOG_ERRORS, CatalogError, errorFromEnvelope, errors, type CatalogErrorCode } from './errors.js';
import type { IdempotencyRequest, Principal } from './request-context.js';

/** The record's owner: built-in and OIDC names are distinct; anonymous (auth off) is undefined. */
export const askerId = (principal: Principal): string | undefined =>
  principal.kind === 'user' ? `${principal.source}:${principal.name}` : undefined;

/** A recorded answer: tables and views by metadata location (re-read on replay), the rest as is. */
export type StoredReply =
  | { kind: 'table'; location: string; config: boolean }
  | { kind: 'view'; location: string }
  | { kind: 'json'; text: string }
  | { kind: 'empty'; status: 204 | 304 | 404 }
  | { kind: 'error'; code: CatalogErrorCode; message: string; type?: string };

interface RecordBodyV2 {
  v: 2;
  /** method and path */
  fingerprint: string;
  bodySha256: string;
  /** who asked (askerId); absent: authentication was off. Another caller never gets the answer. */
  by?: string;
  reply: StoredReply;
}

/** The format before version 2. */
interface RecordBodyV1 {
  fingerprint: string;
  /** absent in the oldest records (those compare method and path only) */
  bodySha256?: string;
  response: { status: number; body?: unknown; table?: string; view?: string };
}

function fromV1(response: RecordBodyV1['response']): StoredReply {
  if (response.table !== undefined) return { kind: 'table', location: response.table, config: true };
  if (response.view !== undefined) return { kind: 'view', location: response.view };
  if (response.body === undefined) return { kind: 'empty', status: response.status as 204 };
  if (response.status >= 400) {
    const { error } = response.body as { error: { message: string; type: string } };
    const known = errorFromEnvelope(response.status, error.type, error.message);
    return storedError(known);
  }
  // v1 stored the answer object; it was sent as JSON.stringify of it
  return { kind: 'json', text: JSON.stringify(response.body) };
}

function storedError(error: CatalogError): StoredReply {
  return { kind: 'error', code: error.code, message: error.message, ...(error.typeOverride !== undefined && { type: error.typeOverride }) };
}

/** Whether an error is final, so a retry must get it again: deterministic client errors only. */
export const isRecordable = (error: CatalogError): boolean => error.status < 500 && error.status !== 429;

/**
 * The recorded answer for this request, a refusal when the key was used for another request,
 * or undefined when nothing is recorded.
 */
export function lookupRecord(
  record: IdempotencyRecord | undefined,
  request: IdempotencyRequest,
  by: string | undefined,
): { kind: 'none' } | { kind: 'recorded'; reply: StoredReply } | { kind: 'mismatch'; error: CatalogError } {
  if (!record) return { kind: 'none' };
  const body = record.body as RecordBodyV1 | RecordBodyV2;
  // checked first, and said without naming the owner or the request: a key is no way to learn another caller's answers
  if (('by' in body ? body.by : undefined) !== by) return { kind: 'mismatch', error: errors.idempotencyKeyOfAnother(request.key) };
  if (body.fingerprint !== request.fingerprint) {
    return { kind: 'mismatch', error: errors.idempotencyKeyReused(request.key, body.fingerprint, false) };
  }
  if (body.bodySha256 !== undefined && body.bodySha256 !== request.bodySha256) {
    return { kind: 'mismatch', error: errors.idempotencyKeyReused(request.key, body.fingerprint, true) };
  }
  return { kind: 'recorded', reply: 'v' in body ? body.reply : fromV1(body.response) };
}

function storedReply(reply: Reply): StoredReply {
  switch (reply.kind) {
    case 'table': {
      const { location, configJson } = reply.table;
      // a staged create writes nothing, so it never commits and is never recorded
      assert(location !== undefined, 'a table answer is recorded only with its metadata location');
      return { kind: 'table', location, config: configJson !== undefined };
    }
    case 'view':
      return { kind: 'view', location: reply.location };
    case 'json':
      return { kind: 'json', text: reply.text };
    case 'empty':
      return { kind: 'empty', status: reply.status };
  }
}

const statusOf = (stored: StoredReply): number => {
  switch (stored.kind) {
    case 'error':
      return CATALOG_ERRORS[stored.code].status;
    case 'empty':
      return stored.status;
    default:
      return 200;
  }
};

export function newRecord(request: IdempotencyRequest, answer: Reply | CatalogError, expiresAtMs: number, by: string | undefined): IdempotencyRecord {
  const reply = answer instanceof CatalogError ? storedError(answer) : storedReply(answer);
  const body: RecordBodyV2 = { v: 2, fingerprint: request.fingerprint, bodySha256: request.bodySha256, ...(by !== undefined && { by }), reply };
  return { key: request.key, status: statusOf(reply), body, expiresAtMs };
}

/** A recorded error as the error it was. */
export const recordedError = (stored: Extract<StoredReply, { kind: 'error' }>): CatalogError =>
  new CatalogError(stored.code, stored.message, stored.type);

export function parseIsoDurationMs(text: string): number {
  const ms = isoDurationMs(text);
  // settings are validated at load, so an invalid one here is a caller's bug
  if (ms === undefined) throw new Error(`invalid ISO-8601 duration ${text}`);
  return ms;
}
