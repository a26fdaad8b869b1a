// The start-up check that a backend really honours conditional writes. Some S3-compatible
// servers (s3rver, old MinIO, Swift's s3api, some gateways) accept If-None-Match / If-Match
// and silently ignore them; Floe on such a store would lose commits without any error, so we
// refuse to start instead, with a message that says which check failed and where.
import { randomBytes } from 'node:crypto';
import { BackendError } from './errors.js';
import type { ObjectStore, Unknown } from './types.js';

export type ProbeResult = { ok: true } | { ok: false; message: string };

const PROBE_PREFIX = '_probe/';
const HELP = 'Floe needs conditional writes (see docs/storage-backends.md)';

export async function probeConditionalWrites(store: ObjectStore): Promise<ProbeResult> {
  const where = store.displayUrl;
  const key = `${PROBE_PREFIX}${randomBytes(12).toString('hex')}`;
  const refuse = (message: string): ProbeResult => ({ ok: false, message });
  try {
    const first = await store.putIfAbsent(key, Buffer.from('probe 1'));
    if (first.kind === 'unknown') return refuse(unreachable(where, 'create a probe object', first));
    if (first.kind === 'exists') return refuse(`${where}: a freshly named probe object ${key} already exists; ${HELP}`);

    const second = await store.putIfAbsent(key, Buffer.from('probe 2'));
    if (second.kind === 'unknown') return refuse(unreachable(where, 'create the probe object again', second));
    if (second.kind === 'created') {
      return refuse(`${where} ignores If-None-Match: a second create of the same key succeeded; ${HELP}`);
    }

    const swapped = await store.putIfMatch(key, Buffer.from('probe 3'), first.etag);
    if (swapped.kind === 'unknown') return refuse(unreachable(where, 'replace the probe object with its current etag', swapped));
    if (swapped.kind !== 'created') {
      return refuse(`${where} refused If-Match with the object's current etag (${swapped.kind}); ${HELP}`);
    }

    const stale = await store.putIfMatch(key, Buffer.from('probe 4'), first.etag);
    if (stale.kind === 'unknown') return refuse(unreachable(where, 'replace the probe object with a stale etag', stale));
    if (stale.kind === 'created') {
      return refuse(`${where} ignores If-Match: a replace with a stale etag succeeded; ${HELP}`);
    }
    if (stale.kind === 'notFound') {
      return refuse(`${where} answered "not found" to If-Match on an object that exists; ${HELP}`);
    }
    return { ok: true };
  } finally {
    // best effort: a leftover probe object is harmless, it lives outside every Floe key
    await store.delete(key).catch(() => undefined);
  }
}

/** Where each backend's SDK looks for credentials (docs/storage-backends.md has the details). */
export const CREDENTIALS_HELP =
  'set them the standard way for the backend: s3:// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or an instance role); ' +
  'gs:// GOOGLE_APPLICATION_CREDENTIALS (or workload identity); az:// AZURE_STORAGE_KEY with azure_storage_account (or a managed identity); see docs/storage-backends.md';

/** One actionable line for a failed request: what to check for its kind of failure. */
export function explainFailure(where: string, step: string, outcome: Unknown): string {
  return unreachable(where, step, outcome);
}

function unreachable(where: string, step: string, outcome: Unknown): string {
  const cause = outcome.cause;
  const detail = cause.message;
  if (cause instanceof BackendError) {
    switch (cause.failure) {
      case 'bucketNotFound':
        return `${where}: the bucket or container does not exist (${detail}); create it first, Floe does not create buckets`;
      case 'accessDenied':
        return `${where}: access denied while trying to ${step} (${detail}); check the credentials and that they allow put (with conditions), get, list and delete under this prefix`;
      case 'noCredentials':
        return `${where}: no credentials found (${detail}); ${CREDENTIALS_HELP}`;
      case 'network':
        return `${where}: cannot reach the object store while trying to ${step} (${detail}); check the endpoint and the network`;
      case 'throttled':
      case 'server':
      case 'conflict':
        return `${where}: the object store failed while trying to ${step} (${detail}); try again`;
      case 'other':
        break;
    }
  }
  return `${where}: could not ${step}: ${detail}`;
}
