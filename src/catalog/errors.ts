// Every protocol outcome the catalog can answer, declared once with its Iceberg error `type`
// and HTTP status. http/ maps these to the envelope; nothing else chooses a status.
export const CATALOG_ERRORS = {
  BadRequest: { status: 400, type: 'BadRequestException' },
  IllegalArgument: { status: 400, type: 'IllegalArgumentException' },
  Validation: { status: 400, type: 'ValidationException' },
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

export const catalogError = (code: CatalogErrorCode, message: string) => new CatalogError(code, message);
