// Secrets never reach a log line: every field and message pino writes passes through here.
// Three shapes leak in practice: a field named like a secret (authorization, secret_access_key,
// [encryption] keys), credentials inside a URL (s3://KEY:SECRET@bucket, https://u:p@host), and
// signed query strings (X-Amz-Signature, sig=, token=). Redacting by shape rather than by a list
// of call sites keeps a new log line from leaking what an old one was careful with.

export const REDACTED = '[redacted]';

/** Field names whose values are secrets whatever they hold. */
const SECRET_KEY = /authorization|cookie|secret|password|passwd|passphrase|token|credential|api[-_]?key|private[-_]?key|signature|^keys$|^x-amz-security-token$|^sig$/i;

/** scheme://user:password@ or scheme://token@ (userinfo of any URL; AWS secrets may hold "/") */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s@"'<>]+@/gi;
/** a query parameter that carries a signature or a token */
const SIGNED_QUERY = /([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|sig|signature|token|access_token|code)=)[^&\s"'#]*/gi;
/** `Bearer <token>` / `Basic <b64>` written inside a message */
const AUTH_SCHEME = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;

const DEPTH_MAX = 8;

export function redactString(text: string): string {
  return text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(SIGNED_QUERY, `$1${REDACTED}`).replace(AUTH_SCHEME, `$1 ${REDACTED}`);
}

function redactError(error: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: redactString(error.message) };
  if (error.stack) out.stack = redactString(error.stack);
  for (const [name, value] of Object.entries(error)) {
    if (name === 'message' || name === 'stack') continue;
    out[name] = SECRET_KEY.test(name) ? REDACTED : redactValue(value, depth + 1);
  }
  if (error.cause !== undefined) out.cause = redactValue(error.cause, depth + 1);
  return out;
}

/** A copy of `value` with secrets replaced; objects deeper than DEPTH_MAX are summarised. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= DEPTH_MAX) return '[too deep]';
  if (value instanceof Error) return redactError(value, depth);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Date) return value;
  if (value instanceof URL) return redactString(value.href);
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    out[name] = SECRET_KEY.test(name) && field !== undefined && field !== null && field !== '' ? REDACTED : redactValue(field, depth + 1);
  }
  return out;
}
