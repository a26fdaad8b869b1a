// The one place where failures of the layers below become protocol errors: a table per family,
// keyed by the failure's `kind`, so a new kind fails to compile until it is mapped here.
import { IcebergError, type IcebergErrorKind } from '../iceberg/index.js';
import { isStoreFailure, type StoreFailure, type StoreFailureKind } from '../store/index.js';
import { CatalogError } from './errors.js';

const ICEBERG: Record<IcebergErrorKind, (error: IcebergError) => CatalogError> = {
  invalid: (e) => new CatalogError('IllegalArgument', e.message, e.javaType),
  conflict: (e) => new CatalogError('CommitFailed', e.message),
  retryable: (e) => new CatalogError('CommitFailed', e.message),
  unsupported: (e) => new CatalogError('Unsupported', e.message),
};

const retryAfter = (e: StoreFailure): number | undefined =>
  'retryAfterSeconds' in e && typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : undefined;

const STORE: Record<StoreFailureKind, (error: StoreFailure) => CatalogError> = {
  'commit-state-unknown': (e) => new CatalogError('CommitStateUnknown', e.message),
  'commit-unavailable': (e) => new CatalogError('ServiceUnavailable', e.message, undefined, retryAfter(e)),
  'queue-full': (e) => new CatalogError('ServiceUnavailable', e.message, undefined, retryAfter(e)),
  // a retry a second later may find the store back
  'store-unavailable': (e) => new CatalogError('ServiceUnavailable', e.message, undefined, 1),
  'entry-too-large': (e) => new CatalogError('PayloadTooLarge', e.message),
};

export const fromIceberg = (error: IcebergError): CatalogError => ICEBERG[error.kind](error);

/**
 * The protocol error for an expected failure of any layer (a CatalogError is its own), or
 * undefined for anything else: a bug, answered 500 by http/ and logged there.
 */
export function toCatalogError(error: unknown): CatalogError | undefined {
  if (error instanceof CatalogError) return error;
  if (isStoreFailure(error)) return STORE[error.kind](error);
  if (error instanceof IcebergError) return fromIceberg(error);
  return undefined;
}
