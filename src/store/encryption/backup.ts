// Encrypted backup archives and the decrypting view a backup reads a catalog through. An
// archive is sealed as a whole in the object envelope format (docs/design/encryption.md) with
// a fixed context, so it opens under its key wherever it is copied, and nowhere else.
import { randomBytes } from 'node:crypto';
import { ENCRYPTION_BACKUP_BYTES_MAX } from '../../config/index.js';
import type { ObjectStore } from '../../objectstore/index.js';
import { StoreUnavailable } from '../errors.js';
import { CATALOG_KEY, CorruptStore, type CatalogIdentity } from '../layout.js';
import { EncryptedObjectStore, EncryptionKeyError } from './encrypted-store.js';
import { buildHeader, isEnvelope, objectContext, open, parseHeader, seal, wrapContext } from './envelope.js';
import type { EncryptionConfig, KeyProvider } from './keyring.js';

const BACKUP_SCOPE = 'floe-backup-v1';
const BACKUP_CONTEXT = objectContext(BACKUP_SCOPE, 'archive');

export async function sealArchive(provider: KeyProvider, keyId: string, archive: Buffer): Promise<Buffer> {
  if (!provider.has(keyId)) throw new EncryptionKeyError(`backup key '${keyId}' is not configured (configured: ${provider.keyIds().join(', ')})`);
  const dataKey = randomBytes(32);
  const wrapped = await provider.wrap(keyId, dataKey, wrapContext(BACKUP_SCOPE, keyId));
  return seal(buildHeader(keyId, wrapped), dataKey, BACKUP_CONTEXT, archive);
}

/** The key id an encrypted archive needs, or undefined for a plaintext one. */
export function archiveKeyId(firstBytes: Buffer): string | undefined {
  if (!isEnvelope(firstBytes)) return undefined;
  const header = parseHeader(firstBytes);
  return typeof header === 'string' ? '(damaged header)' : header.keyId;
}

/**
 * Passes a plaintext archive through; opens an encrypted one (read whole, bounded) with
 * `encryption`, refusing with the key id when it is not configured or does not open.
 */
export async function* decryptArchive(
  source: AsyncIterable<Buffer>,
  encryption: EncryptionConfig | undefined,
  name: string,
  seen: { keyId?: string } = {},
): AsyncIterable<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let sealed: boolean | undefined;
  for await (const chunk of source) {
    if (sealed === undefined) {
      chunks.push(chunk);
      size += chunk.length;
      const head = Buffer.concat(chunks);
      if (head.length < 8) continue;
      sealed = isEnvelope(head);
      if (!sealed) {
        chunks.length = 0;
        yield head;
      }
      continue;
    }
    if (!sealed) {
      yield chunk;
      continue;
    }
    size += chunk.length;
    if (size > ENCRYPTION_BACKUP_BYTES_MAX) throw new CorruptStore(`${name} is larger than ${ENCRYPTION_BACKUP_BYTES_MAX} bytes`);
    chunks.push(chunk);
  }
  if (sealed === false) return;
  const bytes = Buffer.concat(chunks);
  if (!isEnvelope(bytes)) {
    if (bytes.length > 0) yield bytes;
    return;
  }
  const header = parseHeader(bytes);
  if (typeof header === 'string') throw new CorruptStore(`${name} is damaged: ${header}`);
  seen.keyId = header.keyId;
  if (!encryption) throw new EncryptionKeyError(`${name} is encrypted with key '${header.keyId}': configure encryption with that key (FLOE_ENCRYPTION_*)`);
  if (!encryption.provider.has(header.keyId)) {
    throw new EncryptionKeyError(`${name} is encrypted with key '${header.keyId}', which is not configured (configured: ${encryption.provider.keyIds().join(', ')})`);
  }
  const dataKey = await encryption.provider.unwrap(header.keyId, header.wrappedKey, wrapContext(BACKUP_SCOPE, header.keyId));
  const plain = dataKey && open(bytes, header, dataKey, BACKUP_CONTEXT);
  if (!plain) throw new CorruptStore(`${name} fails authentication under key '${header.keyId}': the archive was altered or the key material is wrong`);
  yield plain;
}

/**
 * A read-only decrypting view of a catalog root, for tools that read without opening a
 * CatalogStore (backup): plaintext refused when catalog.json says the catalog was created encrypted.
 */
export async function openCatalogView(objects: ObjectStore, encryption: EncryptionConfig | undefined): Promise<{ view: ObjectStore; identity: CatalogIdentity | undefined }> {
  const found = await objects.get(CATALOG_KEY);
  if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${CATALOG_KEY}: ${found.cause.message}`);
  if (found.kind === 'notFound') return { view: objects, identity: undefined };
  let identity: CatalogIdentity;
  try {
    identity = JSON.parse(found.body.toString('utf8')) as CatalogIdentity;
  } catch {
    return { view: objects, identity: undefined }; // the reader reports it
  }
  const view = new EncryptedObjectStore(objects, encryption?.provider, String(identity.catalogId));
  view.policy = { activeKey: () => undefined, plaintextRefused: () => identity.encryption !== undefined, retired: () => false };
  return { view, identity };
}
