// Outcomes of a commit that the caller cannot turn into a protocol answer by itself.

/** The log write's outcome is unknown at the deadline: the commit may or may not have landed. */
export class CommitStateUnknown extends Error {
  override name = 'CommitStateUnknown';
}

/** Lost races until the deadline with requirements still valid: definitely not committed. */
export class CommitUnavailable extends Error {
  override name = 'CommitUnavailable';
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
}

/** The object store failed in a way a retry will not fix (permissions, disk full, ...). */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
}

/** A transaction whose log entry would exceed LOG_ENTRY_BYTES_MAX: refused before anything is written. */
export class EntryTooLarge extends Error {
  override name = 'EntryTooLarge';
}
