// Every queue, batch and payload has a named upper bound (TigerBeetle style), asserted
// against each other when the module loads.
export const REQUEST_BODY_BYTES_MAX = 16 * 1024 * 1024;
export const COMMIT_QUEUE_MAX = 10_000;
export const COMMIT_BATCH_TXNS_MAX = 256;
export const LOG_ENTRY_BYTES_MAX = 8 * 1024 * 1024;
export const LOG_TAIL_FETCH_PARALLEL_MAX = 16;
export const METADATA_FILE_BYTES_MAX = 512 * 1024 * 1024;
export const METADATA_CACHE_ENTRIES_MAX = 4096;
export const IDENTIFIER_BYTES_MAX = 1024;
export const NAMESPACE_LEVELS_MAX = 16;
export const PAGE_SIZE_MAX = 1000;
export const COMMIT_DEADLINE_MS = 30_000;
export const COMMIT_RETRY_BACKOFF_MS_MAX = 200;

if (COMMIT_BATCH_TXNS_MAX > COMMIT_QUEUE_MAX) throw new Error('limits: batch larger than queue');
if (REQUEST_BODY_BYTES_MAX > LOG_ENTRY_BYTES_MAX * 4) throw new Error('limits: request body dwarfs log entries');
