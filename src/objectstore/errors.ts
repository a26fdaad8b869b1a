// What went wrong talking to a cloud backend, translated once from each SDK's error shape so
// callers (the probe, start-up, logs) can say something useful without knowing any SDK.
// Messages carry the backend's status and code but never request headers or credentials.
import { ERROR_CAUSE_DEPTH_MAX, OBJECTSTORE_REQUESTS_WAITING_MAX } from '../config/index.js';
import { assert } from '../util/index.js';
import { unknown, type Unknown } from './types.js';

export type BackendFailure =
  | 'bucketNotFound' // the bucket / container does not exist
  | 'accessDenied' // 401 / 403: credentials missing, wrong, or lacking a permission
  | 'noCredentials' // the SDK found no credentials at all: nothing was sent
  | 'throttled' // 429, 503 SlowDown / ServerBusy: try again later
  | 'server' // other 5xx: the write may or may not have happened
  | 'network' // connection refused, reset, DNS, timeout, abort
  | 'conflict' // 409 ConditionalRequestConflict after our bounded retries
  | 'other'; // anything else (400s the backend should not send us)

export class BackendError extends Error {
  override name = 'BackendError';
  constructor(
    readonly failure: BackendFailure,
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const RETRYABLE: Record<BackendFailure, boolean> = {
  bucketNotFound: false,
  accessDenied: false,
  noCredentials: false,
  throttled: true,
  server: true,
  network: true,
  conflict: true,
  other: false,
};

/** Classifies an HTTP status (+ backend code) the same way for every backend. */
export function classify(status: number | undefined, code: string | undefined): BackendFailure {
  if (code === 'NoSuchBucket' || code === 'ContainerNotFound') return 'bucketNotFound';
  if (status === 401 || status === 403) return 'accessDenied';
  if (status === 429 || code === 'SlowDown' || code === 'ServerBusy' || code === 'Throttling') return 'throttled';
  if (status === 503) return 'throttled';
  if (status !== undefined && status >= 500) return 'server';
  if (status === 408) return 'network';
  if (status === undefined) return 'network';
  return 'other';
}

/** The SDKs' "no credentials anywhere in the chain" errors (AWS, Azure identity, Google auth). */
function isMissingCredentials(cause: unknown): boolean {
  if (!(cause instanceof Error)) return false;
  return (
    cause.name === 'CredentialsProviderError' || cause.name === 'CredentialUnavailableError' ||
    /Could not load the default credentials|Could not load credentials from any providers/.test(cause.message)
  );
}

export function backendUnknown(
  what: string,
  status: number | undefined,
  code: string | undefined,
  cause: unknown,
  failure: BackendFailure = isMissingCredentials(cause) ? 'noCredentials' : classify(status, code),
  /** 'single' when the SDK sent the request at most once: only then can its error prove anything */
  attempts: 'single' | 'retried' = 'retried',
): Unknown {
  const detail = [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(' ');
  const causeMessage = cause instanceof Error ? cause.message : String(cause);
  const message = `${what}: ${detail || causeMessage}${detail && causeMessage && !causeMessage.includes(detail) ? ` (${firstLine(causeMessage)})` : ''}`;
  // an SDK retry's last error says nothing about the attempts before it (one may have landed);
  // a 4xx is the backend refusing before it acts (408 is a timeout: ambiguous; a 409 conflict
  // exhausted our retries of a write that may be in flight elsewhere, so it stays ambiguous too)
  const refused = status !== undefined && status >= 400 && status < 500 && status !== 408 && failure !== 'conflict';
  const definite = attempts === 'single' && (refused || neverSent(cause));
  return unknown(new BackendError(failure, message, status, code, { cause }), RETRYABLE[failure], definite);
}

// Errors that happen before a request's first byte leaves this process. Connecting (refused,
// unreachable, no DNS answer) and the TLS handshake come before the request is written, and a
// certificate is verified only during the handshake. ECONNRESET, ETIMEDOUT, EPIPE and the like
// may come after the request was sent: never listed here.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'ERR_SSL_WRONG_VERSION_NUMBER',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'HOSTNAME_MISMATCH',
]);

// Credential providers fail before anything is signed, hence before anything is sent.
const NO_CREDENTIALS_NAMES = new Set([
  'CredentialsProviderError', // AWS SDK: no provider in the chain had credentials
  'CredentialUnavailableError', 'AuthenticationRequiredError', 'AuthenticationError', 'AggregateAuthenticationError', // @azure/identity
]);
const NO_CREDENTIALS_MESSAGE = /^Could not load the default credentials/;
const HANDSHAKE_MESSAGE = /wrong version number|handshake failure|unknown protocol/i;

/** Whether an SDK or socket error proves the request was never sent (see NOT_SENT_CODES). */
export function neverSent(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > ERROR_CAUSE_DEPTH_MAX) return false;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && NOT_SENT_CODES.has(e.code)) return true;
  // EPROTO is any TLS protocol error; only the handshake's come before the request
  if (e.code === 'EPROTO' && typeof e.message === 'string' && HANDSHAKE_MESSAGE.test(e.message)) return true;
  if (typeof e.name === 'string' && NO_CREDENTIALS_NAMES.has(e.name)) return true;
  if (typeof e.message === 'string' && NO_CREDENTIALS_MESSAGE.test(e.message)) return true;
  // Node's happy-eyeballs connect reports every address it tried in an AggregateError
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((inner) => neverSent(inner, depth + 1))) return true;
  return neverSent(e.cause, depth + 1);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}

const GATE_FULL = Symbol('gate full');

/** Whether a Gate.run answer is the gate's own refusal (for tasks whose result is not an outcome). */
export function isRefused(value: unknown): value is Unknown {
  return typeof value === 'object' && value !== null && GATE_FULL in value;
}

/** A small counting semaphore: caps in-flight requests per store (s3_max_concurrent_requests). */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly permitsMax: number,
    private readonly waitingMax = OBJECTSTORE_REQUESTS_WAITING_MAX,
  ) {
    assert(Number.isInteger(permitsMax) && permitsMax >= 1, `gate size must be a positive integer, got ${permitsMax}`);
  }

  /**
   * Runs `task` once a permit is free. With OBJECTSTORE_REQUESTS_WAITING_MAX requests already
   * waiting, answers at once with a definite, retryable failure: nothing was sent.
   */
  async run<T>(task: () => Promise<T>): Promise<T | Unknown> {
    if (this.active >= this.permitsMax) {
      if (this.waiting.length >= this.waitingMax) {
        const refused = unknown(new Error(`too many object store requests waiting (${this.waitingMax}); not sent`), true, true);
        return Object.assign(refused, { [GATE_FULL]: true });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    assert(this.active <= this.permitsMax, 'gate permits in use never exceed its size');
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // hand the permit straight to the next waiter so a newcomer cannot overtake it
      if (next) next();
      else this.active--;
    }
  }
}
