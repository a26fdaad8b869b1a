// Google Cloud KMS as a KeyProvider: data keys are wrapped with CryptoKeys encrypt and
// unwrapped with decrypt (symmetric keys; the key never leaves Cloud KMS) through the official
// SDK, with Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's
// application-default login, workload identity, the metadata server). The context (catalog id,
// key id) is the additionalAuthenticatedData, which Cloud KMS requires again on decrypt.
// The client uses the library's HTTP/JSON transport (`fallback`), not gRPC: it is the one a
// fake of the REST API can check here, and a few calls per data key need nothing more.
import type { KeyManagementServiceClient } from '@google-cloud/kms';
import { ENCRYPTION_KMS_ATTEMPTS_MAX, ENCRYPTION_KMS_REQUEST_TIMEOUT_MS } from '../../config/index.js';
import { assert } from '../../util/index.js';
import { KeyConfigError, type KeyProvider } from './provider.js';
import { KEY_ID_PATTERN } from './envelope.js';

const KEY_NAME = /^projects\/[a-z0-9.:-]{1,100}\/locations\/[a-z0-9-]{1,63}\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}$/;
/** what decrypt answers for a ciphertext of another key, other AAD or altered bytes */
const INVALID_ARGUMENT = 'INVALID_ARGUMENT';
const CALL_OPTIONS = { timeout: ENCRYPTION_KMS_REQUEST_TIMEOUT_MS, maxRetries: ENCRYPTION_KMS_ATTEMPTS_MAX - 1 };
/** google.rpc.Code numbers of the statuses named in messages */
const RPC_CODES: Record<number, string> = { 3: INVALID_ARGUMENT, 5: 'NOT_FOUND', 7: 'PERMISSION_DENIED', 9: 'FAILED_PRECONDITION', 16: 'UNAUTHENTICATED' };

export interface GcpKmsOptions {
  /** key id (in Floe's headers) → projects/P/locations/L/keyRings/R/cryptoKeys/K */
  keys: Map<string, string>;
  /** an endpoint in place of https://cloudkms.googleapis.com (FLOE_ENCRYPTION_GCP_ENDPOINT) */
  endpoint?: string;
}

/** Parses `id:projects/P/locations/L/keyRings/R/cryptoKeys/K` items; errors name the id. */
export function parseGcpKmsKeys(text: string, source: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [index, item] of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean).entries()) {
    const colon = item.indexOf(':');
    const id = colon < 0 ? '' : item.slice(0, colon);
    const name = item.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) throw new KeyConfigError(`${source}: key #${index + 1} has no valid id (expected id:projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>)`);
    if (!KEY_NAME.test(name)) throw new KeyConfigError(`${source}: key '${id}' is not a Cloud KMS key name (projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>)`);
    if (keys.has(id)) throw new KeyConfigError(`${source}: key '${id}' is given twice`);
    keys.set(id, name);
  }
  return keys;
}

export class GcpKmsProvider implements KeyProvider {
  readonly name = 'Google Cloud KMS';
  private client?: Promise<KeyManagementServiceClient>;

  constructor(private readonly options: GcpKmsOptions) {}

  keyIds(): string[] {
    return [...this.options.keys.keys()].sort();
  }

  has(keyId: string): boolean {
    return this.options.keys.has(keyId);
  }

  async wrap(keyId: string, dataKey: Buffer, context: Buffer): Promise<Buffer> {
    const name = this.keyName(keyId);
    const client = await this.connect(keyId);
    try {
      const [out] = await client.encrypt({ name, plaintext: dataKey, additionalAuthenticatedData: context }, CALL_OPTIONS);
      if (!out.ciphertext || out.ciphertext.length === 0) throw new Error('no ciphertext in the answer');
      return Buffer.from(out.ciphertext);
    } catch (error) {
      throw this.failure('encrypt', keyId, error);
    }
  }

  async unwrap(keyId: string, wrapped: Buffer, context: Buffer): Promise<Buffer | undefined> {
    const name = this.keyName(keyId);
    const client = await this.connect(keyId);
    let plaintext: Uint8Array | string | null | undefined;
    try {
      [{ plaintext }] = await client.decrypt({ name, ciphertext: wrapped, additionalAuthenticatedData: context }, CALL_OPTIONS);
    } catch (error) {
      if (rpcStatusOf(error) === INVALID_ARGUMENT) return undefined;
      throw this.failure('decrypt', keyId, error);
    }
    const opened = typeof plaintext === 'string' ? Buffer.from(plaintext, 'base64') : plaintext ? Buffer.from(plaintext) : undefined;
    return opened && opened.length === 32 ? opened : undefined;
  }

  private keyName(keyId: string): string {
    const name = this.options.keys.get(keyId);
    if (!name) throw new KeyConfigError(`encryption key '${keyId}' is not configured in the ${this.name} provider`);
    return name;
  }

  private failure(operation: string, keyId: string, error: unknown): Error {
    // google-auth-library's message when Application Default Credentials find nothing
    if (error instanceof Error && /Could not load the default credentials/.test(error.message)) {
      return new KeyConfigError(
        `${this.name}: no Google Cloud credentials to use key '${keyId}' (Application Default Credentials found none: GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, or the metadata server's service account)`,
      );
    }
    return new Error(`${this.name}: ${operation} with key '${keyId}' failed (${statusOf(error)})`);
  }

  private async connect(keyId: string): Promise<KeyManagementServiceClient> {
    this.client ??= (async () => {
      // not swallowed: a missing optional package becomes a configuration error naming it
      const { KeyManagementServiceClient } = await import('@google-cloud/kms').catch(() => {
        throw new KeyConfigError('the Google Cloud KMS provider needs the @google-cloud/kms package, which is not installed');
      });
      const endpoint = this.options.endpoint ? new URL(this.options.endpoint) : undefined;
      const client = new KeyManagementServiceClient({
        fallback: true,
        ...(endpoint
          ? { apiEndpoint: endpoint.hostname, port: Number(endpoint.port || (endpoint.protocol === 'http:' ? 80 : 443)), protocol: endpoint.protocol.slice(0, -1) }
          : {}),
      });
      silence(client);
      return client;
    })();
    const client = await this.client;
    // Credentials first: were the client's first call to find none, every call kind it
    // prepared would reject, and all but one of those rejections would go unhandled.
    try {
      await client.auth.getClient();
    } catch (error) {
      this.client = undefined; // a later call looks again (the metadata server may be back)
      throw this.failure('authenticate', keyId, error);
    }
    return client;
  }

  toJSON() {
    return { provider: this.name, keyIds: this.keyIds() };
  }
}

/**
 * The client logs every request and answer, plaintext data keys included, when
 * GOOGLE_SDK_NODE_LOGGING names it: that logger is replaced by one that prints nothing.
 */
function silence(client: KeyManagementServiceClient): void {
  const holder = client as unknown as { _log?: unknown };
  assert(typeof holder._log === 'function', '@google-cloud/kms has no _log to silence (a library change: check it does not log key material)');
  const quiet = Object.assign(() => {}, { info() {}, warn() {}, error() {}, debug() {}, sublog: () => quiet, on: () => quiet });
  holder._log = quiet;
}

/**
 * The google.rpc status of a failed call: the client throws a GoogleError (numeric `code`) or,
 * when its auth client's fetch refuses the HTTP status first, a GaxiosError whose message is
 * the answer's `{"error": {"status": ...}}`. Only the status is taken: these errors also hold
 * the request (data key and token included), so they are never passed on.
 */
function rpcStatusOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === 'number' && RPC_CODES[code]) return RPC_CODES[code];
  if (!error.message.startsWith('{')) return undefined;
  try {
    const status = (JSON.parse(error.message) as { error?: { status?: unknown } }).error?.status;
    return typeof status === 'string' && /^[A-Z_]{1,40}$/.test(status) ? status : undefined;
  } catch {
    return undefined; // a message that only looked like JSON carries no status: the caller falls back
  }
}

function statusOf(error: unknown): string {
  const http = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  const status = rpcStatusOf(error);
  const parts = [status, typeof http === 'number' ? `HTTP ${http}` : undefined].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : error instanceof Error ? error.name : 'error';
}
