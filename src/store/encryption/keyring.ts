// Key-encryption keys. A KeyProvider wraps and unwraps data keys under a key id; the local
// keyring holds 256-bit keys from FLOE_ENCRYPTION_KEYS or a key file. Cloud KMS providers
// implement the same interface. Errors name key ids, never material.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ENCRYPTION_KEY_FILE_BYTES_MAX, ENCRYPTION_KEYRING_KEYS_MAX } from '../../config/index.js';
import type { EncryptionSettings } from '../../config/index.js';
import { KEY_ID_PATTERN } from './envelope.js';
import { AzureKeyVaultProvider, parseKeyVaultKeys } from './azure-keyvault.js';
import { AwsKmsProvider, parseAwsKmsKeys } from './aws-kms.js';
import { GcpKmsProvider, parseGcpKmsKeys } from './gcp-kms.js';

export { KeyConfigError, type KeyProvider } from './provider.js';
import { KeyConfigError, type KeyProvider } from './provider.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class LocalKeyring implements KeyProvider {
  readonly name = 'local keyring';
  readonly #keys: Map<string, Buffer>;

  constructor(keys: Map<string, Buffer>) {
    this.#keys = keys;
  }

  keyIds(): string[] {
    return [...this.#keys.keys()].sort();
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  async wrap(keyId: string, dataKey: Buffer, context: Buffer): Promise<Buffer> {
    const kek = this.#kek(keyId);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', kek, nonce);
    cipher.setAAD(context);
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  async unwrap(keyId: string, wrapped: Buffer, context: Buffer): Promise<Buffer | undefined> {
    const kek = this.#kek(keyId);
    if (wrapped.length !== NONCE_BYTES + 32 + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, NONCE_BYTES));
      decipher.setAAD(context);
      decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
      return Buffer.concat([decipher.update(wrapped.subarray(NONCE_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined; // GCM refused the tag: the KeyProvider contract's "does not open"
    }
  }

  #kek(keyId: string): Buffer {
    const kek = this.#keys.get(keyId);
    if (!kek) throw new KeyConfigError(`encryption key '${keyId}' is not configured in the ${this.name}`);
    return kek;
  }

  /** What util.inspect and JSON show: ids only. */
  toJSON() {
    return { provider: this.name, keyIds: this.keyIds() };
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `LocalKeyring(${this.keyIds().join(', ')})`;
  }
}

/** Parses `id:base64` items (comma- or newline-separated); errors name the item's id or position. */
export function parseKeyring(text: string, source: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const items = text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('#'));
  if (items.length > ENCRYPTION_KEYRING_KEYS_MAX) throw new KeyConfigError(`${source}: more than ${ENCRYPTION_KEYRING_KEYS_MAX} keys`);
  items.forEach((item, index) => {
    const colon = item.indexOf(':');
    const id = colon < 0 ? '' : item.slice(0, colon).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      throw new KeyConfigError(`${source}: key #${index + 1} has no valid id (expected id:base64, id of letters, digits, . _ - )`);
    }
    const encoded = item.slice(colon + 1).trim();
    const material = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || material.length !== 32) {
      throw new KeyConfigError(`${source}: key '${id}' is not 32 bytes of base64 (create one with: openssl rand -base64 32)`);
    }
    if (keys.has(id)) throw new KeyConfigError(`${source}: key '${id}' is given twice`);
    keys.set(id, material);
  });
  return keys;
}

export interface EncryptionConfig {
  provider: KeyProvider;
  /** the key a new catalog, enabling or a rotation uses */
  activeKey: string;
}

/** Builds the provider from [encryption]; undefined when encryption is off. */
export function openKeyProvider(settings: EncryptionSettings | undefined): EncryptionConfig | undefined {
  if (!settings || settings.provider === 'none') {
    if (settings?.keys || settings?.key_file) {
      throw new KeyConfigError('encryption keys are configured but [encryption] provider is none: set FLOE_ENCRYPTION_PROVIDER=local');
    }
    return undefined;
  }
  const keysSource = '[encryption] keys (FLOE_ENCRYPTION_KEYS)';
  if (settings.provider === 'aws-kms') {
    if (!settings.keys) throw new KeyConfigError('[encryption] provider is aws-kms but no keys are configured: set FLOE_ENCRYPTION_KEYS=id:arn:aws:kms:<region>:<account>:key/<key-id>');
    const arns = parseAwsKmsKeys(settings.keys, keysSource);
    return { provider: new AwsKmsProvider({ keys: arns, endpoint: settings.aws_endpoint }), activeKey: chooseActive(settings.active_key, [...arns.keys()]) };
  }
  if (settings.provider === 'gcp-kms') {
    if (!settings.keys) throw new KeyConfigError('[encryption] provider is gcp-kms but no keys are configured: set FLOE_ENCRYPTION_KEYS=id:projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>');
    const names = parseGcpKmsKeys(settings.keys, keysSource);
    return { provider: new GcpKmsProvider({ keys: names, endpoint: settings.gcp_endpoint }), activeKey: chooseActive(settings.active_key, [...names.keys()]) };
  }
  if (settings.provider === 'azure-keyvault') {
    if (!settings.keys) throw new KeyConfigError('[encryption] provider is azure-keyvault but no keys are configured: set FLOE_ENCRYPTION_KEYS=id:https://<vault>.vault.azure.net/keys/<name>');
    const urls = parseKeyVaultKeys(settings.keys, '[encryption] keys (FLOE_ENCRYPTION_KEYS)');
    return { provider: new AzureKeyVaultProvider({ keys: urls }), activeKey: chooseActive(settings.active_key, [...urls.keys()]) };
  }
  const keys = new Map<string, Buffer>();
  const add = (more: Map<string, Buffer>, source: string) => {
    for (const [id, material] of more) {
      if (keys.has(id)) throw new KeyConfigError(`${source}: key '${id}' is also given elsewhere`);
      keys.set(id, material);
    }
  };
  if (settings.keys) add(parseKeyring(settings.keys, '[encryption] keys (FLOE_ENCRYPTION_KEYS)'), '[encryption] keys');
  if (settings.key_file) {
    const source = `key file ${settings.key_file}`;
    let text: string;
    try {
      if (statSync(settings.key_file).size > ENCRYPTION_KEY_FILE_BYTES_MAX) throw new Error(`larger than ${ENCRYPTION_KEY_FILE_BYTES_MAX} bytes`);
      text = readFileSync(settings.key_file, 'utf8');
    } catch (error) {
      throw new KeyConfigError(`cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    add(parseKeyring(text, source), source);
  }
  if (keys.size === 0) {
    throw new KeyConfigError('[encryption] provider is local but no keys are configured: set FLOE_ENCRYPTION_KEYS or FLOE_ENCRYPTION_KEY_FILE');
  }
  return { provider: new LocalKeyring(keys), activeKey: chooseActive(settings.active_key, [...keys.keys()]) };
}

function chooseActive(configured: string | undefined, ids: string[]): string {
  const activeKey = configured ?? (ids.length === 1 ? ids[0]! : undefined);
  if (!activeKey) throw new KeyConfigError('several encryption keys are configured: name the one to use with FLOE_ENCRYPTION_ACTIVE_KEY');
  if (!ids.includes(activeKey)) throw new KeyConfigError(`the active encryption key '${activeKey}' is not among the configured keys (${ids.join(', ')})`);
  return activeKey;
}
