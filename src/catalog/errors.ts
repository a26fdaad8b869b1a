// Every protocol outcome the catalog can answer, declared once with its Iceberg error `type`
// and HTTP status (in the manner of Fastify's lib/errors.js), and the messages built once each
// by the factories of `errors`. http/ maps CatalogError to the envelope; nothing else chooses a
// status. docs/errors.md documents every code (test/http/error-catalogue.test.ts checks it).
export const CATALOG_ERRORS = {
  BadRequest: { status: 400, type: 'BadRequestException' },
  IllegalArgument: { status: 400, type: 'IllegalArgumentException' },
  NotAuthorized: { status: 401, type: 'NotAuthorizedException' },
  Forbidden: { status: 403, type: 'ForbiddenException' },
  NoSuchNamespace: { status: 404, type: 'NoSuchNamespaceException' },
  NoSuchTable: { status: 404, type: 'NoSuchTableException' },
  NoSuchView: { status: 404, type: 'NoSuchViewException' },
  NotFound: { status: 404, type: 'NotFoundException' },
  NoSuchRoute: { status: 404, type: 'NotFoundException' },
  MethodNotAllowed: { status: 405, type: 'MethodNotAllowedException' },
  Unsupported: { status: 406, type: 'UnsupportedOperationException' },
  AlreadyExists: { status: 409, type: 'AlreadyExistsException' },
  NamespaceNotEmpty: { status: 409, type: 'NamespaceNotEmptyException' },
  CommitFailed: { status: 409, type: 'CommitFailedException' },
  RequestTimeout: { status: 408, type: 'BadRequestException' },
  PayloadTooLarge: { status: 413, type: 'BadRequestException' },
  UriTooLong: { status: 414, type: 'BadRequestException' },
  UnsupportedMediaType: { status: 415, type: 'BadRequestException' },
  MisdirectedRequest: { status: 421, type: 'BadRequestException' },
  UnprocessableEntity: { status: 422, type: 'UnprocessableEntityException' },
  HeadersTooLarge: { status: 431, type: 'BadRequestException' },
  CommitStateUnknown: { status: 500, type: 'CommitStateUnknownException' },
  Internal: { status: 500, type: 'InternalServerError' },
  NotImplemented: { status: 501, type: 'NotImplementedException' },
  ServiceUnavailable: { status: 503, type: 'ServiceUnavailableException' },
} as const;

export type CatalogErrorCode = keyof typeof CATALOG_ERRORS;

export class CatalogError extends Error {
  override name = 'CatalogError';
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    /** overrides the default Java type name (e.g. a 400 that must read as IllegalArgumentException) */
    readonly typeOverride?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get status(): number {
    return CATALOG_ERRORS[this.code].status;
  }

  get type(): string {
    return this.typeOverride ?? CATALOG_ERRORS[this.code].type;
  }
}

/** A 401: carries the WWW-Authenticate challenge (RFC 6750) the answer must send with it. */
export class NotAuthorizedError extends CatalogError {
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super('NotAuthorized', message);
  }
}

const BEARER_REALM = 'Bearer realm="floe"';

export const catalogError = (code: CatalogErrorCode, message: string) => new CatalogError(code, message);

/** The (namespace, name) of a table or view; names.ts has the type, kept structural here to avoid an import cycle. */
interface Named {
  namespace: readonly string[];
  name: string;
}

const dotted = (levels: readonly string[]): string => levels.join('.');
const qualified = (id: Named): string => dotted([...id.namespace, id.name]);

/** Messages used in more than one place, each built here once. */
export const errors = {
  noSuchNamespace: (levels: readonly string[]) => new CatalogError('NoSuchNamespace', `Namespace does not exist: ${dotted(levels)}`),
  /** the spec declares no 404 for createNamespace: a missing parent is a bad request */
  noParentNamespace: (parent: readonly string[]) =>
    new CatalogError('BadRequest', `Namespace does not exist: ${dotted(parent)} (create the parent namespace first)`),
  noSuchTable: (id: Named) => new CatalogError('NoSuchTable', `Table does not exist: ${qualified(id)}`),
  noSuchView: (id: Named) => new CatalogError('NoSuchView', `View does not exist: ${qualified(id)}`),
  namespaceExists: (levels: readonly string[]) => new CatalogError('AlreadyExists', `Namespace already exists: ${dotted(levels)}`),
  /** `creating` decides the wording when the other kind holds the name (Java's messages) */
  nameTaken: (id: Named, holder: 'table' | 'view', creating: 'table' | 'view') => {
    const what = holder === 'table' ? 'Table' : 'View';
    const message = holder === creating ? `${what} already exists: ${qualified(id)}` : `${what} with same name already exists: ${qualified(id)}`;
    return new CatalogError('AlreadyExists', message);
  },
  renameTargetTaken: (from: Named, to: Named, holder: 'table' | 'view') =>
    new CatalogError('AlreadyExists', `Cannot rename ${qualified(from)} to ${qualified(to)}. ${holder === 'table' ? 'Table' : 'View'} already exists`),
  noSuchRoute: (method: string, path: string) => new CatalogError('NoSuchRoute', `No route for ${method} ${path}`),
  methodNotAllowed: (method: string, path: string) => new CatalogError('MethodNotAllowed', `Method ${method} is not allowed for ${path}`),
  invalidIdempotencyKey: () => new CatalogError('BadRequest', 'Invalid Idempotency-Key: expected 1-128 characters of [A-Za-z0-9._:-]'),
  idempotencyKeyReused: (key: string, fingerprint: string, otherBody: boolean) =>
    new CatalogError(
      'BadRequest',
      `Idempotency-Key ${key} was already used for a different request (${fingerprint}${otherBody ? ' with another body' : ''})`,
    ),
  /** the key's answer belongs to another principal: neither that principal nor the request is named */
  idempotencyKeyOfAnother: (key: string) =>
    new CatalogError('BadRequest', `Idempotency-Key ${key} was already used by another principal; use a new key`),
  idempotencyBusy: () => new CatalogError('ServiceUnavailable', 'too many requests in flight'),
  internal: () => new CatalogError('Internal', 'Internal server error'),
  /** no credentials sent: the challenge names the scheme only (RFC 6750 §3.1) */
  noCredentials: () => new NotAuthorizedError('Not authorized: this catalog requires a Bearer token (Authorization: Bearer <token>)', BEARER_REALM),
  /** credentials sent but refused; `reason` names what is wrong with them, never their content */
  invalidCredentials: (reason: string) =>
    new NotAuthorizedError(`Not authorized: ${reason}`, `${BEARER_REALM}, error="invalid_token", error_description="${reason.replace(/["\\]/g, "'")}"`),
  /** names the privilege and the securable the caller named, so it says nothing of what exists */
  forbidden: (principal: string, privilege: string, resource: string) =>
    new CatalogError('Forbidden', `Forbidden: principal ${principal} lacks ${privilege} on ${resource}`),
  identityProviderUnavailable: () =>
    new CatalogError('ServiceUnavailable', 'The identity provider cannot be reached to verify the token; try again later', undefined, 5),
} as const;

/** The code of a recorded envelope (status, type): the one declared with both, else one with the status (type then overridden). */
export function errorFromEnvelope(status: number, type: string, message: string): CatalogError {
  const codes = Object.keys(CATALOG_ERRORS) as CatalogErrorCode[];
  const exact = codes.find((c) => CATALOG_ERRORS[c].status === status && CATALOG_ERRORS[c].type === type);
  if (exact) return new CatalogError(exact, message);
  const byStatus = codes.find((c) => CATALOG_ERRORS[c].status === status) ?? 'BadRequest';
  return new CatalogError(byStatus, message, type);
}
