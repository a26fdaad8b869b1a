// The one place where failures of the layers below become protocol errors: a table per family,
// keyed by the failure's `kind`, so a new kind fails to compile until it is mapped here.
import { IcebergError, type IcebergErrorKind } from '../iceberg/index.js';
import { blockedByObject, type CreateOutcome, type GetOutcome, type HeadOutcome } from '../objectstore/index.js';
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

type ReadFailure = Exclude<GetOutcome | HeadOutcome, { kind: 'found' }>;
type WriteFailure = Exclude<CreateOutcome, { kind: 'created' }>;
type ObjectFailure = { op: 'read'; outcome: ReadFailure } | { op: 'write'; outcome: WriteFailure };

const causeOf = (outcome: ReadFailure | WriteFailure): string => (outcome.kind === 'unknown' ? outcome.cause.message : outcome.kind);

/** A metadata file's object-store outcome that is not the one wanted, by operation and outcome. */
const OBJECT_STORE: {
  read: Record<ReadFailure['kind'], (location: string, outcome: ReadFailure) => CatalogError>;
  write: Record<WriteFailure['kind'], (location: string, outcome: WriteFailure) => CatalogError>;
} = {
  read: {
    notFound: (location) => new CatalogError('NotFound', `Failed to open input stream for file: ${location}`),
    unknown: (location, outcome) => new CatalogError('ServiceUnavailable', `Cannot read ${location}: ${causeOf(outcome)}`),
  },
  write: {
    // file names are fresh uuids: only a broken store gets here
    exists: (location) => new CatalogError('ServiceUnavailable', `Cannot write metadata file ${location}: it already exists`),
    unknown: (location, outcome) =>
      // a location chosen by the client that runs through an existing file (a dropped table's)
      outcome.kind === 'unknown' && blockedByObject(outcome)
        ? new CatalogError('BadRequest', `Cannot write metadata file ${location}: a file already exists where the location needs a directory`)
        : new CatalogError('ServiceUnavailable', `Cannot write metadata file ${location}: ${causeOf(outcome)}`),
  },
};

/** The protocol error for a metadata file's failed read or write. */
export function fromObjectStore(location: string, failure: ObjectFailure): CatalogError {
  return failure.op === 'read'
    ? OBJECT_STORE.read[failure.outcome.kind](location, failure.outcome)
    : OBJECT_STORE.write[failure.outcome.kind](location, failure.outcome);
}

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
