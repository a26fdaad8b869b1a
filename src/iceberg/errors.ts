// One error type for the pure Iceberg logic, with a short list of kinds; catalog/ turns the
// kind into the protocol error (400 / 409 / 406).
//   invalid     → 400 (IllegalArgumentException / BadRequestException / ValidationException)
//   conflict    → 409 CommitFailedException ("Requirement failed: ...")
//   retryable   → 409 CommitFailedException ("Validation failed, please retry: ...")
//   unsupported → 406 UnsupportedOperationException
export type IcebergErrorKind = 'invalid' | 'conflict' | 'retryable' | 'unsupported';

export class IcebergError extends Error {
  override name = 'IcebergError';
  constructor(
    readonly kind: IcebergErrorKind,
    message: string,
    /** the Java exception simple name the client expects, when it differs from the default */
    readonly javaType?: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string, javaType?: string) => new IcebergError('invalid', message, javaType);
export const conflict = (message: string) => new IcebergError('conflict', message);
