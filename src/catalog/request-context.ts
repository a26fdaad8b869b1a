// What one request carries from the route down to the store, passed explicitly: nothing about a
// request travels in hidden scopes. http/ builds it once per request; catalog operations read it.
import type { Consistency } from '../store/index.js';
import type { Logger } from '../util/index.js';

/** Who is asking: anonymous until authentication (issue 12) turns a token into a user. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      /** stable id: a built-in principal's name, or the OIDC subject (or configured claim) */
      readonly name: string;
      /**
       * as verified: an OIDC token's roles claim, or a built-in principal's record then (decisions
       * read a built-in principal's roles from the state they are made on: access.rolesIn)
       */
      readonly roles: readonly string[];
      readonly source: 'builtin' | 'oidc';
    };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export interface IdempotencyRequest {
  readonly key: string;
  /** method and path */
  readonly fingerprint: string;
  /** sha256 of the request body: the same key sent with another body is refused, not replayed */
  readonly bodySha256: string;
}

/**
 * What the request's authorization decided, for its audit line: filled by the operation's
 * checks (access.authorize), read by http/ after the reply. The last check decides; a denied
 * check is never overwritten by a later allowed one.
 */
export interface AuditNote {
  action?: string;
  resource?: string;
  decision?: 'allow' | 'deny';
}

export interface RequestContext {
  /** x-request-id when the client sent a valid one, else generated; echoed and logged */
  readonly requestId: string;
  readonly principal: Principal;
  readonly idempotency?: IdempotencyRequest;
  /** the read consistency the request asked for (x-floe-consistency); absent: the configured one */
  readonly consistency?: Consistency;
  /** wall-clock ms after which the request's work is abandoned */
  readonly deadlineMs?: number;
  readonly log: Logger;
  /** mutable: the authorization checks note what they decided here */
  readonly audit: AuditNote;
}
