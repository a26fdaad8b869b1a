// Every loop, queue, cache, batch and payload has a named upper bound (TigerBeetle style),
// each with its reason, and the relations between them are checked when the module loads: a
// build with inconsistent limits does not start. test/config/limits.test.ts walks this file.
/** A request body: the largest real commits (many updates of a wide table) are a few MiB. */
export const REQUEST_BODY_BYTES_MAX = 16 * 1024 * 1024;
/** Commits waiting for the committer; beyond it a commit is answered 503 at once (back-pressure). */
export const COMMIT_QUEUE_MAX = 10_000;
/** Txns group-committed in one log entry: more only grows the entry and the conflict checks. */
export const COMMIT_BATCH_TXNS_MAX = 256;
/** One log entry: every replica reads each entry whole, so it stays far below memory. */
export const LOG_ENTRY_BYTES_MAX = 8 * 1024 * 1024;
/** Log entries fetched at once while catching up: enough to hide latency, few enough not to be throttled. */
export const LOG_TAIL_FETCH_PARALLEL_MAX = 16;
/** A metadata file read or written by the server (a table of many snapshots, uncompressed). */
export const METADATA_FILE_BYTES_MAX = 512 * 1024 * 1024;
/**
 * Parsed metadata files kept in memory, counted in serialised (uncompressed JSON) bytes: a count
 * bound let one table at 6 000 snapshots (2 MB a version) hold 5 GB. Parsed objects take a small
 * multiple of their JSON size, so this is about a quarter of the memory we allow the cache.
 */
export const METADATA_CACHE_BYTES_MAX = 64 * 1024 * 1024;
/** Rendered LoadTableResult answers (JSON text and body bytes both counted). */
export const RENDERED_CACHE_BYTES_MAX = 64 * 1024 * 1024;
/** A namespace level, table or view name (UTF-8 bytes): names travel in URLs, keys and log entries. */
export const IDENTIFIER_BYTES_MAX = 1024;
/** A location (metadata file, manifest, table root) as text. */
export const LOCATION_BYTES_MAX = 4096;
/** A metadata file register or register-view reads (a file no server wrote), on storage and inflated. */
export const REGISTER_FILE_BYTES_MAX = 64 * 1024 * 1024;
/** How long register waits for that file before it gives up. */
export const REGISTER_READ_TIMEOUT_MS = 10_000;
/** Levels of a namespace: every level is a path segment and a key part. */
export const NAMESPACE_LEVELS_MAX = 16;
/**
 * Characters of a name kept in a default table or view location, per path segment and for all
 * namespace levels together: names may be IDENTIFIER_BYTES_MAX, but a path segment may be 255
 * bytes on most file systems and an object key 1 KiB in all. The location's uuid suffix keeps
 * it unique however much of a name is cut.
 */
export const LOCATION_SEGMENT_CHARS_MAX = 64;
/** See LOCATION_SEGMENT_CHARS_MAX: all namespace levels of a default location together. */
export const LOCATION_NAMESPACE_CHARS_MAX = 256;
/** Nesting of arrays and objects in a request body: code that walks JSON recurses over it. */
export const REQUEST_JSON_DEPTH_MAX = 512;

// ---- request contents: every map and list a client sends has a bound, so no request can grow
// the catalog state, a log entry or a metadata file without limit (one namespace had grown to
// 63 MB from six 10 MiB property updates) ----
/** Properties of one namespace, table or view (after the update, not only in it). */
export const PROPERTIES_COUNT_MAX = 4096;
/** A property key: real keys are dotted names, a column name at most. */
export const PROPERTY_KEY_BYTES_MAX = 1024;
/** A property value: room for an embedded JSON document (engines store view text and stats). */
export const PROPERTY_VALUE_BYTES_MAX = 64 * 1024;
/** All keys and values of one property map together. */
export const PROPERTIES_BYTES_MAX = 1024 * 1024;
/** Nesting of struct/list/map types in a schema; deep recursion in every parser beyond this. */
export const SCHEMA_DEPTH_MAX = 64;
/** Fields (struct fields, list elements, map keys and values) of one schema: the widest real tables have a few thousand columns. */
export const SCHEMA_FIELDS_MAX = 32 * 1024;
/** Updates in one table or view commit (a client transaction of many operations included). */
export const COMMIT_UPDATES_MAX = 4096;
/** Requirements in one commit: a handful per branch is what clients send. */
export const COMMIT_REQUIREMENTS_MAX = 1024;
/** Tables changed by one multi-table transaction; all land in one log entry. */
export const TRANSACTION_TABLES_MAX = 1024;
/** Items in one page of a list answer, whatever pageSize the client asks for. */
export const PAGE_SIZE_MAX = 1000;
/** How long a commit may retry lost races and unknown outcomes before it is answered (503 or unknown). */
export const COMMIT_DEADLINE_MS = 30_000;

// ---- HTTP: every connection and request has a bound in time and size ----
/** Request line and headers together (Node's default, stated here on purpose): beyond it, 431. */
export const REQUEST_HEADERS_BYTES_MAX = 16 * 1024;
/** The request target (path and query): beyond it, 414. Longest real paths are a few hundred bytes. */
export const REQUEST_URL_BYTES_MAX = 8 * 1024;
/** Headers must arrive within this; a slowloris client is cut off with 408. */
export const REQUEST_HEADERS_TIMEOUT_MS = 20_000;
/** The whole request, body included, must arrive within this (16 MiB at ~300 KB/s). */
export const REQUEST_TIMEOUT_MS = 60_000;
/** A socket with no traffic at all is closed; above the longest a handler may wait (a commit's deadline). */
export const CONNECTION_IDLE_TIMEOUT_MS = 120_000;
/** An idle keep-alive connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** How often Node checks the two request timeouts (they fire up to this much late). */
export const REQUEST_TIMEOUT_CHECK_INTERVAL_MS = 5_000;
/** Open connections at once (server.maxConnections): further ones are closed on accept. */
export const HTTP_CONNECTIONS_MAX = 1024;
/** The longest jittered pause between two tries of a commit (replicas racing for one seq). */
export const COMMIT_RETRY_BACKOFF_MS_MAX = 200;
/**
 * Retries of a log write that failed definitely (never sent, refused before acting) before the
 * commit is answered 503: enough for a blip, far short of the deadline meant for ambiguity.
 */
export const COMMIT_DEFINITE_FAILURE_RETRIES_MAX = 2;
/** Retry-After (seconds) of a 503 for a commit that definitely did not happen. */
export const COMMIT_UNAVAILABLE_RETRY_AFTER_S = 1;

// a schema level is three JSON levels (type object, fields array, field object) below the body's few
if (REQUEST_JSON_DEPTH_MAX < 3 * SCHEMA_DEPTH_MAX + 16) throw new Error('limits: request JSON depth too small for the deepest schema');
if (COMMIT_BATCH_TXNS_MAX > COMMIT_QUEUE_MAX) throw new Error('limits: batch larger than queue');
if (REQUEST_BODY_BYTES_MAX > LOG_ENTRY_BYTES_MAX * 4) throw new Error('limits: request body dwarfs log entries');
if (PROPERTIES_BYTES_MAX * 2 > LOG_ENTRY_BYTES_MAX) throw new Error('limits: a full property map must fit a log entry with room to spare');
if (PROPERTY_KEY_BYTES_MAX + PROPERTY_VALUE_BYTES_MAX > PROPERTIES_BYTES_MAX) throw new Error('limits: one property must fit the map');
if (REQUEST_URL_BYTES_MAX >= REQUEST_HEADERS_BYTES_MAX) throw new Error('limits: a URL over its bound must still parse, to be answered 414');
if (REQUEST_HEADERS_TIMEOUT_MS > REQUEST_TIMEOUT_MS) throw new Error('limits: headers time out before the whole request');
if (CONNECTION_IDLE_TIMEOUT_MS < COMMIT_DEADLINE_MS * 2) throw new Error('limits: an idle socket must outlive a commit waiting for its deadline');
if (METADATA_CACHE_BYTES_MAX < 8 * 1024 * 1024) throw new Error('limits: the metadata cache must hold a large table version');

// ---- the store's freshness guard and garbage collection (STORE.md "Checkpoints, GC") ----
/** GC never deletes an object younger than this, judged by the object store's own clock. */
export const GC_MIN_AGE_MS_DEFAULT = 60 * 60 * 1000;
/** How long a replica trusts its knowledge of the head without re-checking gc/boundary. */
export const HEAD_FRESHNESS_MS_DEFAULT = 10 * 60 * 1000;
/** How often a serving replica runs GC (jittered); concurrent runs on several replicas are safe. */
export const GC_INTERVAL_MS_DEFAULT = 10 * 60 * 1000;
/** Newest checkpoints GC keeps (the log above the oldest kept one is kept too). */
export const GC_CHECKPOINTS_KEPT = 3;
/** Objects one GC run deletes at most; the next run continues. */
export const GC_DELETES_PER_RUN_MAX = 10_000;
/** Entries one catch-up round buffers before it validates and applies them. */
export const CATCH_UP_ROUND_ENTRIES_MAX = 1024;
/** Entries applied in one catch-up after which `_last_checkpoint` is consulted for a jump. */
export const CATCH_UP_ENTRIES_BEFORE_HINT_MAX = 64;
/** Times a catch-up jumps to a checkpoint before it gives up (GC racing far ahead). */
export const CATCH_UP_JUMPS_MAX = 8;
/** Rounds of "list past the head, catch up" at open while other replicas keep committing. */
export const OPEN_TAIL_CHECK_ROUNDS_MAX = 8;
/** Keys one listing past the head looks at to find the next log entry (skipping stray keys). */
export const OPEN_TAIL_CHECK_KEYS_MAX = 16;

/**
 * Seqs of recently applied log entries kept with their txn ids, so a writer whose create came
 * back `exists` or unknown can recognise its own entry after catching up; a writer never falls
 * this many entries behind its own write within one commit deadline.
 */
export const APPLIED_TXNS_KEPT_MAX = 256;
/** Reads and creates of catalog.json at open while another replica initialises the same root. */
export const IDENTITY_CREATE_ATTEMPTS_MAX = 3;
/** Compare-and-swap rounds moving `_last_checkpoint` forward; it is advisory, so giving up is safe. */
export const HINT_CAS_ATTEMPTS_MAX = 5;
/** Compare-and-swap rounds advancing gc/boundary against other collectors; the run then deletes nothing. */
export const BOUNDARY_CAS_ATTEMPTS_MAX = 8;
/** Keys one GC listing page asks for (the common page size of S3, GCS and Azure). */
export const GC_LIST_PAGE_MAX = 1000;
/** Commit retry backoff doubles per attempt up to 2^this ms before COMMIT_RETRY_BACKOFF_MS_MAX caps it. */
export const COMMIT_BACKOFF_EXPONENT_MAX = 10;
/** The bounded-read poll never runs more often than this, whatever max_staleness says. */
export const POLL_INTERVAL_MS_MIN = 10;
/** Log entries between two checkpoints a replica writes (checkpoint_interval's default). */
export const CHECKPOINT_INTERVAL_DEFAULT = 1000;
/** How stale a bounded read may be (max_staleness_ms's default). */
export const MAX_STALENESS_MS_DEFAULT = 1000;

// ---- object stores ----
/**
 * file://: a compare-and-swap lock file older than this was left by a crashed process and is
 * broken. A live holder keeps it for one write and two fsyncs, far below this.
 */
export const FILE_LOCK_STALE_MS = 10_000;
/**
 * file://: how long a compare-and-swap waits for the lock. Above FILE_LOCK_STALE_MS, so a lock
 * left by a crash is always broken within one wait: below it, every CAS in the first seconds
 * after a crash failed.
 */
export const FILE_LOCK_WAIT_MS_MAX = FILE_LOCK_STALE_MS + 2_000;
/** file://: the longest pause between two tries of a busy lock. */
export const FILE_LOCK_RETRY_MS_MAX = 50;
/** file://: directory handles kept open for fsync (every commit syncs log/ and a metadata dir). */
export const FILE_DIR_HANDLES_MAX = 64;
/** file://: directories remembered as existing (skips a mkdir per write); forgotten all at once beyond it. */
export const FILE_KNOWN_DIRS_MAX = 4096;
/**
 * Requests waiting for a permit of a cloud store's concurrency gate. Beyond it a request is
 * refused at once (definite, retryable) instead of queueing without bound behind a slow store.
 */
export const OBJECTSTORE_REQUESTS_WAITING_MAX = 16 * 1024;
/** Keys one page of a listing asks for (the common maximum of S3, GCS and Azure). */
export const LIST_PAGE_MAX = 1000;
/** Keys listAll collects before it refuses: a runaway prefix must not exhaust memory. */
export const LIST_ALL_OBJECTS_MAX = 10_000_000;
/** S3: retries of one conditional write after 409 ConditionalRequestConflict, before `unknown`. */
export const S3_CONFLICT_RETRIES_MAX = 4;
/** S3: pause before the first such retry, growing linearly with each. */
export const S3_CONFLICT_BACKOFF_MS = 25;
/** S3: attempts the SDK makes of a request whose repeat is harmless (reads, plain puts, deletes). */
export const S3_PLAIN_ATTEMPTS_MAX = 3;
/** S3: connecting to the endpoint; an unreachable one fails fast, definitely (nothing was sent). */
export const S3_CONNECT_TIMEOUT_MS = 5_000;
/** S3: one request; a hung one ends as an unknown outcome instead of holding a commit forever. */
export const S3_REQUEST_TIMEOUT_MS = 30_000;
/** S3: keys one ListObjectsV2 page returns (the service's own maximum). */
export const S3_LIST_PAGE_MAX = 1000;
/** S3: parts of one multipart upload in flight, also capped by the store's concurrency. */
export const S3_MULTIPART_QUEUE_MAX = 4;
/** GCS: retries the SDK makes of a request whose repeat is harmless (reads, lists, plain puts). */
export const GCS_PLAIN_RETRIES_MAX = 2;
/** GCS: one request, as S3_REQUEST_TIMEOUT_MS. */
export const GCS_REQUEST_TIMEOUT_MS = 30_000;
/** GCS: objects one list page returns (the service's own maximum). */
export const GCS_LIST_PAGE_MAX = 1000;
/** GCS: requests in flight per store by default (gcs_max_concurrent_requests). */
export const GCS_CONCURRENT_REQUESTS_MAX = 64;
/** Azure: tries the SDK makes of a request whose repeat is harmless. */
export const AZURE_PLAIN_TRIES_MAX = 3;
/** Azure: one try of a request, as S3_REQUEST_TIMEOUT_MS. */
export const AZURE_TRY_TIMEOUT_MS = 30_000;
/** Azure: blobs one list page returns (the service's own maximum). */
export const AZURE_LIST_PAGE_MAX = 5000;
/** Azure: pages one listing scans to skip to `startAfter` before it gives up (50 M blobs). */
export const AZURE_LIST_SCAN_PAGES_MAX = 10_000;
/** Azure: continuation markers remembered to resume listings without a scan (oldest forgotten first). */
export const AZURE_MARKERS_MAX = 256;
/** Azure: requests in flight per store by default (azure_max_concurrent_requests). */
export const AZURE_CONCURRENT_REQUESTS_MAX = 64;
/** Nesting of `cause` / AggregateError walked to tell whether a failed request was ever sent. */
export const ERROR_CAUSE_DEPTH_MAX = 4;

// The freshness bound must stay well below the minimum age: an entry created after our last
// observation of the head cannot be collected within min_age, and the 2x margin absorbs rate
// differences between the host's clock and the store's.
if (HEAD_FRESHNESS_MS_DEFAULT * 2 > GC_MIN_AGE_MS_DEFAULT) throw new Error('limits: head freshness must be <= min_age / 2');
if (GC_CHECKPOINTS_KEPT < 1) throw new Error('limits: GC must keep at least one checkpoint');
if (CATCH_UP_ENTRIES_BEFORE_HINT_MAX > CATCH_UP_ROUND_ENTRIES_MAX) throw new Error('limits: hint check after the first round');
if (APPLIED_TXNS_KEPT_MAX < 2) throw new Error('limits: keep the txns of at least the last two entries');
if (FILE_LOCK_WAIT_MS_MAX <= FILE_LOCK_STALE_MS) throw new Error('limits: a CAS must wait long enough for a crashed holder\'s lock to turn stale');
if (FILE_LOCK_RETRY_MS_MAX * 10 > FILE_LOCK_WAIT_MS_MAX) throw new Error('limits: a lock wait must allow several tries');
if (OBJECTSTORE_REQUESTS_WAITING_MAX < HTTP_CONNECTIONS_MAX * 4) throw new Error('limits: every open connection must be able to queue a few object store requests');
if (POLL_INTERVAL_MS_MIN * 2 > MAX_STALENESS_MS_DEFAULT) throw new Error('limits: the poll must run at least twice per staleness bound');
if (COMMIT_RETRY_BACKOFF_MS_MAX * 4 > COMMIT_DEADLINE_MS) throw new Error('limits: a commit must have time for several retries before its deadline');

// ---- server-side scan planning filters ----
/** Nesting of a scan filter expression; deeper is refused (Jackson's default JSON nesting bound). */
export const SCAN_FILTER_DEPTH_MAX = 1000;
/** Nodes of a scan filter evaluated per file; a larger filter is still answered, unpruned. */
export const SCAN_FILTER_NODES_MAX = 10_000;

/**
 * How long `/ready` waits for its probe of the log head. Kubernetes' default probe timeout is
 * 1 s; a replica whose store takes longer than this to answer one GET should not get traffic.
 */
export const READY_PROBE_TIMEOUT_MS = 900;

// ---- encryption at rest (docs/design/encryption.md) ----
/** Unwrapped data keys kept in memory (each 32 bytes plus its wrapped form as the map key). */
export const ENCRYPTION_DEK_CACHE_ENTRIES_MAX = 4096;
/** How long an unwrapped data key stays cached. */
export const ENCRYPTION_DEK_CACHE_TTL_MS = 10 * 60_000;
/** A wrapped data key in an envelope header: a KMS ciphertext of a 32-byte key is a few hundred bytes. */
export const ENCRYPTION_WRAPPED_KEY_BYTES_MAX = 1024;
/** Keys in one keyring (file or variable). */
export const ENCRYPTION_KEYRING_KEYS_MAX = 64;
/** Size of a key file. */
export const ENCRYPTION_KEY_FILE_BYTES_MAX = 64 * 1024;
/** Archive size an encrypted backup is sealed or opened in memory. */
export const ENCRYPTION_BACKUP_BYTES_MAX = 2 * 1024 * 1024 * 1024 - 1;
/** One KMS call (AWS KMS, Cloud KMS): a hung key service fails the read or write, not hangs it. */
export const ENCRYPTION_KMS_REQUEST_TIMEOUT_MS = 10_000;
/** Connecting to a KMS endpoint. */
export const ENCRYPTION_KMS_CONNECT_TIMEOUT_MS = 3_000;
/** Attempts of one KMS call (the SDKs retry throttling and unavailability, with backoff). */
export const ENCRYPTION_KMS_ATTEMPTS_MAX = 3;

// ---- request pipeline (catalog/pipeline.ts, http/idempotency.ts) ----
/**
 * Requests with an Idempotency-Key in flight at once in one process; more are answered 503.
 * Each holds a promise and its key, so the bound keeps a flood of distinct keys from growing
 * the map without end.
 */
export const IDEMPOTENCY_INFLIGHT_MAX = 10_000;
/**
 * A duplicate (same key) waits for the request in flight before running, at most this many
 * times (each time another duplicate may have taken the slot) ...
 */
export const IDEMPOTENCY_DUPLICATE_WAITS_MAX = 100;
/**
 * ... and at most this long in all. Then it runs anyway: safe, because the answer is recorded
 * in the same log txn as the effects, so whichever commits second finds the record and replays.
 */
export const IDEMPOTENCY_DUPLICATE_WAIT_MS = 30_000;
/**
 * Rounds of an operation's work outside the commit batch (a register reads the client's file
 * there): a second round runs only when the name was taken at the first look and freed before
 * the commit; the state cannot invalidate a read file, so two rounds always suffice.
 */
export const PIPELINE_BEFORE_ROUNDS_MAX = 2;
// ---- backup archives: a validator reads archives from anywhere, so every member size, the
// member count and the trailing padding are capped before any byte is buffered (a hostile
// header claiming a 100 GiB member is refused at the header) ----
/** state.json and base.json: 1M tables at ~250 bytes each, with headroom */
export const STATE_MEMBER_BYTES_MAX = 1024 * 1024 * 1024;
/** MANIFEST.json and SHA256SUMS list every member: ~150 bytes per log entry */
export const LISTING_MEMBER_BYTES_MAX = 256 * 1024 * 1024;
/** catalog.json: a handful of fields */
export const IDENTITY_MEMBER_BYTES_MAX = 64 * 1024;
/** one log entry of the archive's log, as on storage */
export const LOG_MEMBER_BYTES_MAX = LOG_ENTRY_BYTES_MAX;
/** checkpoint_interval is at most 1M, so the log since a checkpoint is too, plus fixed members */
export const ARCHIVE_LOG_ENTRIES_MAX = 1_000_000;
/** the log entries and the few fixed members */
export const ARCHIVE_MEMBERS_MAX = ARCHIVE_LOG_ENTRIES_MAX + 8;
/** the sum of all member contents */
export const ARCHIVE_CONTENT_BYTES_MAX = 16 * 1024 * 1024 * 1024;
/** zero blocks after the end-of-archive marker (tar pads to records of up to 10 KiB; be generous) */
export const ARCHIVE_TRAILER_BYTES_MAX = 1024 * 1024;
/** parallel HEADs for --check-locations and parallel GETs of the log tail */
export const BACKUP_FETCH_PARALLEL_MAX = 16;

if (LISTING_MEMBER_BYTES_MAX < ARCHIVE_MEMBERS_MAX * 120) throw new Error('limits: member listing too small for the member count');
if (STATE_MEMBER_BYTES_MAX * 2 > ARCHIVE_CONTENT_BYTES_MAX) throw new Error('limits: archive smaller than its state members');

// ---- authentication (http/auth/) ----
/** A Bearer token longer than this is refused unread (an access token is well under 8 KiB). */
export const AUTH_TOKEN_BYTES_MAX = 16 * 1024;
/** Tolerated difference between the provider's clock and ours when checking `exp`, `nbf` and `iat`. */
export const OIDC_CLOCK_SKEW_S = 60;
/** One fetch of the provider's discovery document or JWKS: a hung provider fails the request, not hangs it. */
export const OIDC_FETCH_TIMEOUT_MS = 5_000;
/** Size of a discovery document or JWKS read (a real one is a few KiB): a hostile endpoint cannot fill memory. */
export const OIDC_DOCUMENT_BYTES_MAX = 256 * 1024;
/** The JWKS is fetched again after this long even when every kid is known (keys removed by rotation stop verifying). */
export const OIDC_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/**
 * An unknown kid fetches the JWKS again, at most once per this interval: tokens with made-up
 * kids cannot turn every request into a fetch from the provider.
 */
export const OIDC_JWKS_COOLDOWN_MS = 30_000;
/** A failed discovery is retried by the next request that needs it, at most once per this interval. */
export const OIDC_DISCOVERY_RETRY_MS = 5_000;

// ---- built-in principals and their tokens (docs/design/principals.md) ----
/**
 * scrypt cost of a client secret's hash: N = 2^15, r = 8 (32 MiB, ~50-100 ms a check). Slow on
 * purpose, so a stolen log or backup does not give secrets away cheaply; stored in each hash,
 * so raising it later keeps old secrets valid.
 */
export const SECRET_SCRYPT_N = 2 ** 15;
/** scrypt's block size: 8 is the standard choice, and with N sets the memory per check */
export const SECRET_SCRYPT_R = 8;
/** scrypt's parallelism: 1, so a check holds one pool thread */
export const SECRET_SCRYPT_P = 1;
/** the derived key: 256 bits, more than a guessable secret holds */
export const SECRET_SCRYPT_KEY_BYTES = 32;
/** the salt: 128 bits, so equal secrets never hash alike */
export const SECRET_SCRYPT_SALT_BYTES = 16;
/** A stored hash asking for more than this N is refused (a check must not take the server's memory). */
export const SECRET_SCRYPT_N_MAX = 2 ** 20;
/** Memory one check may use: 128 * N * r for the largest N accepted, with headroom. */
export const SECRET_SCRYPT_MAXMEM_BYTES = 256 * 1024 * 1024 + 128 * SECRET_SCRYPT_N_MAX * SECRET_SCRYPT_R;
/** Lifetime of a token from POST /v1/oauth/tokens: short, since it cannot be revoked before it expires. */
export const BUILTIN_TOKEN_LIFETIME_S = 3600;
/** Tolerated clock difference between the replica that issued a token and the one verifying it. */
export const BUILTIN_TOKEN_CLOCK_SKEW_S = 60;
/**
 * A token naming a kid or principal this replica does not know makes it read the log once (the
 * key or principal may have been added through another replica), at most once per this interval.
 */
export const BUILTIN_STATE_SYNC_COOLDOWN_MS = 1_000;
/** Failed token requests per client id and address within the window before 429 (brute force)... */
export const TOKEN_FAILURES_PER_CLIENT_MAX = 10;
/** ... and per address whatever the client id (guessing client ids) ... */
export const TOKEN_FAILURES_PER_ADDRESS_MAX = 50;
/** ... within this window. */
export const TOKEN_FAILURE_WINDOW_MS = 60_000;
/** Entries of the failure counters: the oldest is forgotten beyond this, so the map stays bounded. */
export const TOKEN_FAILURE_ENTRIES_MAX = 10_000;
/** scrypt checks at once (each holds 32 MiB and a thread of the pool); more answer 429. */
export const TOKEN_SECRET_CHECKS_IN_FLIGHT_MAX = 8;
/** A principal's name, a role and a client id are at most this long. */
export const PRINCIPAL_NAME_BYTES_MAX = 128;
/** Roles of one principal. */
export const PRINCIPAL_ROLES_MAX = 64;
