// Outcomes of a commit that the caller cannot turn into a protocol answer by itself. Each class
// carries a `kind`, so a caller maps them with one exhaustive table keyed by it, not by
// `instanceof` chains.

export type StoreFailureKind = 'commit-state-unknown' | 'commit-unavailable' | 'queue-full' | 'store-unavailable' | 'entry-too-large';

export abstract class StoreFailure extends Error {
  abstract readonly kind: StoreFailureKind;
}

export const isStoreFailure = (error: unknown): error is StoreFailure => error instanceof StoreFailure;

/** The log write's outcome is unknown at the deadline: the commit may or may not have landed. */
export class CommitStateUnknown extends StoreFailure {
  override name = 'CommitStateUnknown';
  readonly kind = 'commit-state-unknown';
}

/** Lost races until the deadline with requirements still valid: definitely not committed. */
export class CommitUnavailable extends StoreFailure {
  override name = 'CommitUnavailable';
  readonly kind: 'commit-unavailable' | 'queue-full' = 'commit-unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The commit queue is full: back-pressure, nothing was attempted. */
export class CommitQueueFull extends CommitUnavailable {
  override name = 'CommitQueueFull';
  override readonly kind = 'queue-full';
}

/** The object store failed in a way a retry will not fix (permissions, disk full, ...). */
export class StoreUnavailable extends StoreFailure {
  override name = 'StoreUnavailable';
  readonly kind = 'store-unavailable';
}

/** A transaction whose log entry would exceed LOG_ENTRY_BYTES_MAX: refused before anything is written. */
export class EntryTooLarge extends StoreFailure {
  override name = 'EntryTooLarge';
  readonly kind = 'entry-too-large';
}
