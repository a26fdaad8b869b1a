// AWS KMS as a KeyProvider: data keys are wrapped with KMS Encrypt and unwrapped with Decrypt
// (symmetric KMS keys; the key never leaves KMS) through the official SDK, with credentials
// from the SDK's default chain (environment, shared config and SSO, web identity, ECS/EC2
// roles). The context (catalog id, key id) is the EncryptionContext, which KMS authenticates
// and requires again on Decrypt; it is base64 because it holds NUL separators.
import type { KMSClient, KMSClientConfig } from '@aws-sdk/client-kms';
import { ENCRYPTION_KMS_ATTEMPTS_MAX, ENCRYPTION_KMS_CONNECT_TIMEOUT_MS, ENCRYPTION_KMS_REQUEST_TIMEOUT_MS } from '../../config/index.js';
import { KeyConfigError, type KeyProvider } from './provider.js';
import { KEY_ID_PATTERN } from './envelope.js';

const KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):kms:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):(key\/[A-Za-z0-9-]{1,128}|alias\/[A-Za-z0-9/_-]{1,250})$/;
/** the EncryptionContext entry holding Floe's context */
export const AWS_CONTEXT_KEY = 'floe-context';

export interface AwsKmsOptions {
  /** key id (in Floe's headers) → key or alias ARN */
  keys: Map<string, string>;
  /** an endpoint in place of the regional one (FLOE_ENCRYPTION_AWS_ENDPOINT); the SDK also reads AWS_ENDPOINT_URL_KMS */
  endpoint?: string;
  /** default: the SDK's default credential chain */
  credentials?: KMSClientConfig['credentials'];
}

/** Parses `id:arn:aws:kms:<region>:<account>:key/<id>` (or `alias/<name>`) items; errors name the id. */
export function parseAwsKmsKeys(text: string, source: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [index, item] of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean).entries()) {
    const colon = item.indexOf(':');
    const id = colon < 0 ? '' : item.slice(0, colon);
    const arn = item.slice(colon + 1).trim();
    if (item.startsWith('arn:') || !KEY_ID_PATTERN.test(id)) throw new KeyConfigError(`${source}: key #${index + 1} has no valid id (expected id:arn:aws:kms:<region>:<account>:key/<key-id> or alias/<name>)`);
    if (!KEY_ARN.test(arn)) throw new KeyConfigError(`${source}: key '${id}' is not a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<key-id> or alias/<name>)`);
    if (keys.has(id)) throw new KeyConfigError(`${source}: key '${id}' is given twice`);
    keys.set(id, arn);
  }
  return keys;
}

/** The region a key lives in, from its ARN (KMS keys are regional). */
export const regionOfArn = (arn: string): string => KEY_ARN.exec(arn)![2]!;

const encryptionContext = (context: Buffer) => ({ [AWS_CONTEXT_KEY]: context.toString('base64') });

/** KMS answers these when a ciphertext is not this key's, or its EncryptionContext differs. */
const NOT_THIS_KEY = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

export class AwsKmsProvider implements KeyProvider {
  readonly name = 'AWS KMS';
  private readonly clients = new Map<string, Promise<KMSClient>>();

  constructor(private readonly options: AwsKmsOptions) {}

  keyIds(): string[] {
    return [...this.options.keys.keys()].sort();
  }

  has(keyId: string): boolean {
    return this.options.keys.has(keyId);
  }

  async wrap(keyId: string, dataKey: Buffer, context: Buffer): Promise<Buffer> {
    const [client, { EncryptCommand }, arn] = await this.client(keyId);
    try {
      const out = await client.send(new EncryptCommand({ KeyId: arn, Plaintext: dataKey, EncryptionContext: encryptionContext(context) }));
      if (!out.CiphertextBlob || out.CiphertextBlob.length === 0) throw new Error('no CiphertextBlob in the answer');
      return Buffer.from(out.CiphertextBlob);
    } catch (error) {
      throw this.failure('Encrypt', keyId, error);
    }
  }

  async unwrap(keyId: string, wrapped: Buffer, context: Buffer): Promise<Buffer | undefined> {
    const [client, { DecryptCommand }, arn] = await this.client(keyId);
    let plaintext: Uint8Array | undefined;
    try {
      // KeyId is given so KMS refuses a ciphertext of another key instead of using that one
      plaintext = (await client.send(new DecryptCommand({ KeyId: arn, CiphertextBlob: wrapped, EncryptionContext: encryptionContext(context) }))).Plaintext;
    } catch (error) {
      if (NOT_THIS_KEY.has(nameOf(error))) return undefined;
      throw this.failure('Decrypt', keyId, error);
    }
    return plaintext && plaintext.length === 32 ? Buffer.from(plaintext) : undefined;
  }

  private failure(operation: string, keyId: string, error: unknown): Error {
    const name = nameOf(error);
    if (name === 'CredentialsProviderError') {
      return new KeyConfigError(
        `${this.name}: no AWS credentials to use key '${keyId}' (the default chain found none: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and shared config or SSO, web identity, ECS or EC2 instance role)`,
      );
    }
    return new Error(`${this.name}: ${operation} with key '${keyId}' failed (${statusOf(error)})`);
  }

  private client(keyId: string): Promise<[KMSClient, typeof import('@aws-sdk/client-kms'), string]> {
    const arn = this.options.keys.get(keyId);
    if (!arn) throw new KeyConfigError(`encryption key '${keyId}' is not configured in the ${this.name} provider`);
    const region = regionOfArn(arn);
    // one client per region: keys in the same region share connections
    let client = this.clients.get(region);
    if (!client) {
      client = (async () => {
        const sdk = await loadSdk();
        // as for S3 (src/objectstore/s3.ts): the SDK's Node 20 notice is about its future releases
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
        return new sdk.KMSClient({
          region,
          maxAttempts: ENCRYPTION_KMS_ATTEMPTS_MAX,
          requestHandler: { connectionTimeout: ENCRYPTION_KMS_CONNECT_TIMEOUT_MS, requestTimeout: ENCRYPTION_KMS_REQUEST_TIMEOUT_MS },
          ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
          ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        });
      })();
      this.clients.set(region, client);
    }
    return Promise.all([client, loadSdk(), arn]);
  }

  toJSON() {
    return { provider: this.name, keyIds: this.keyIds() };
  }
}

// not swallowed: a missing optional package becomes a configuration error naming it
const loadSdk = () =>
  import('@aws-sdk/client-kms').catch(() => {
    throw new KeyConfigError('the AWS KMS provider needs the @aws-sdk/client-kms package, which is not installed');
  });

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : 'error';
}

function statusOf(error: unknown): string {
  const status = typeof error === 'object' && error !== null && '$metadata' in error ? (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode : undefined;
  return typeof status === 'number' ? `${nameOf(error)}, HTTP ${status}` : nameOf(error);
}
