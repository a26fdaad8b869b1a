// What went wrong talking to a cloud backend, translated once from each SDK's error shape so
// callers (the probe, start-up, logs) can say something useful without knowing any SDK.
// Messages carry the backend's status and code but never request headers or credentials.
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
): Unknown {
  const detail = [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(' ');
  const causeMessage = cause instanceof Error ? cause.message : String(cause);
  const message = `${what}: ${detail || causeMessage}${detail && causeMessage && !causeMessage.includes(detail) ? ` (${firstLine(causeMessage)})` : ''}`;
  return unknown(new BackendError(failure, message, status, code, { cause }), RETRYABLE[failure]);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}

/** A small counting semaphore: caps in-flight requests per store (s3_max_concurrent_requests). */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly permitsMax: number) {
    if (!Number.isInteger(permitsMax) || permitsMax < 1) throw new Error(`bug: gate size ${permitsMax}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.permitsMax) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
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
