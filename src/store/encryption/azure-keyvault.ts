// Azure Key Vault as a KeyProvider: data keys are wrapped and unwrapped by the vault
// (RSA-OAEP-256, the key never leaves it) through the official SDK, with credentials from
// DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI).
// RSA-OAEP has no associated data, so the context (catalog id, key id) is bound by wrapping
// its sha256 together with the data key and checking it on unwrap.
import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { CryptographyClient } from '@azure/keyvault-keys';
import { KeyConfigError, type KeyProvider } from './provider.js';
import { KEY_ID_PATTERN } from './envelope.js';

const ALGORITHM = 'RSA-OAEP-256';
const DIGEST_BYTES = 32;
const KEY_URL = /^https:\/\/[a-z0-9-]+\.(vault|managedhsm)\.(azure\.net|azure\.cn|usgovcloudapi\.net)\/keys\/[A-Za-z0-9-]{1,127}(\/[0-9a-f]{32})?$/;

export interface AzureKeyVaultOptions {
  /** key id (in Floe's headers) → key URL in the vault */
  keys: Map<string, string>;
  /** default: DefaultAzureCredential */
  credential?: TokenCredential;
  /** tests only: a fake of the Key Vault REST API in place of the network */
  httpClient?: HttpClient;
}

/** Parses `id:https://vault/keys/name[/version]` items; errors name the id, never secrets (there are none here). */
export function parseKeyVaultKeys(text: string, source: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [index, item] of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean).entries()) {
    const colon = item.indexOf(':');
    const id = colon < 0 ? '' : item.slice(0, colon);
    const url = item.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) throw new KeyConfigError(`${source}: key #${index + 1} has no valid id (expected id:https://<vault>.vault.azure.net/keys/<name>[/<version>])`);
    if (!KEY_URL.test(url)) throw new KeyConfigError(`${source}: key '${id}' is not a Key Vault key URL (https://<vault>.vault.azure.net/keys/<name>[/<version>])`);
    if (keys.has(id)) throw new KeyConfigError(`${source}: key '${id}' is given twice`);
    keys.set(id, url);
  }
  return keys;
}

const bindContext = (context: Buffer) => createHash('sha256').update(context).digest();

export class AzureKeyVaultProvider implements KeyProvider {
  readonly name = 'Azure Key Vault';
  private readonly clients = new Map<string, Promise<CryptographyClient>>();

  constructor(private readonly options: AzureKeyVaultOptions) {}

  keyIds(): string[] {
    return [...this.options.keys.keys()].sort();
  }

  has(keyId: string): boolean {
    return this.options.keys.has(keyId);
  }

  async wrap(keyId: string, dataKey: Buffer, context: Buffer): Promise<Buffer> {
    const client = await this.client(keyId);
    try {
      const wrapped = await client.wrapKey(ALGORITHM, Buffer.concat([dataKey, bindContext(context)]));
      return Buffer.from(wrapped.result);
    } catch (error) {
      throw new Error(`${this.name}: wrapKey with key '${keyId}' failed (${statusOf(error)})`);
    }
  }

  async unwrap(keyId: string, wrapped: Buffer, context: Buffer): Promise<Buffer | undefined> {
    const client = await this.client(keyId);
    let opened: Buffer;
    try {
      opened = Buffer.from((await client.unwrapKey(ALGORITHM, wrapped)).result);
    } catch (error) {
      // the vault refuses a ciphertext that is not its key's: the wrong key or an altered object
      if (statusOf(error) === 'HTTP 400') return undefined;
      throw new Error(`${this.name}: unwrapKey with key '${keyId}' failed (${statusOf(error)})`);
    }
    if (opened.length !== 32 + DIGEST_BYTES || !opened.subarray(32).equals(bindContext(context))) return undefined;
    return opened.subarray(0, 32);
  }

  private client(keyId: string): Promise<CryptographyClient> {
    const url = this.options.keys.get(keyId);
    if (!url) throw new KeyConfigError(`encryption key '${keyId}' is not configured in the ${this.name} provider`);
    let client = this.clients.get(keyId);
    if (!client) {
      client = (async () => {
        // not swallowed: a missing optional package becomes a configuration error naming it
        const { CryptographyClient } = await import('@azure/keyvault-keys').catch(() => {
          throw new KeyConfigError('the Azure Key Vault provider needs the @azure/keyvault-keys package, which is not installed');
        });
        const credential = this.options.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
        return new CryptographyClient(url, credential, this.options.httpClient ? { httpClient: this.options.httpClient } : {});
      })();
      this.clients.set(keyId, client);
    }
    return client;
  }

  toJSON() {
    return { provider: this.name, keyIds: this.keyIds() };
  }
}

function statusOf(error: unknown): string {
  const status = typeof error === 'object' && error !== null && 'statusCode' in error ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' ? `HTTP ${status}` : error instanceof Error ? error.name : 'error';
}
