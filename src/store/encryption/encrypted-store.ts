// The store's view of its root with envelope encryption: objects are sealed on the way out
// (under the catalog's active key, when it has one) and opened on the way in, so the store
// above sees plaintext and its hashes, chain and GC stay as they are. What may be plaintext
// is the store's decision (`EncryptionPolicy`); this layer only reports what it saw.
import { randomBytes } from 'node:crypto';
import { ENCRYPTION_DEK_CACHE_ENTRIES_MAX, ENCRYPTION_DEK_CACHE_TTL_MS } from '../../config/index.js';
import type { GetOutcome, ListOptions, ObjectStore } from '../../objectstore/index.js';
import { CATALOG_KEY, CorruptStore } from '../layout.js';
import { buildHeader, isEnvelope, objectContext, open, parseHeader, seal, wrapContext } from './envelope.js';
import type { KeyProvider } from './provider.js';

/** A key is missing, retired or unusable: names the key id and the object, never material. */
export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

export interface EncryptionPolicy {
  /** key id new objects are sealed with; undefined writes plaintext (encryption not on yet) */
  activeKey(): string | undefined;
  /** every object but catalog.json must be encrypted (the catalog was created encrypted) */
  plaintextRefused(): boolean;
  /** objects under a retired key are refused */
  retired(keyId: string): boolean;
}

/** Objects that are never encrypted: what a replica reads to find the keys. */
const CLEAR_KEYS = new Set([CATALOG_KEY]);

/** Unwrapped data keys by wrapped bytes: bounded in count and age. */
class DataKeyCache {
  private readonly entries = new Map<string, { key: Buffer; expiresMs: number }>();

  get(id: string): Buffer | undefined {
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (hit.expiresMs <= Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return hit.key;
  }

  set(id: string, key: Buffer): void {
    this.entries.delete(id);
    this.entries.set(id, { key, expiresMs: Date.now() + ENCRYPTION_DEK_CACHE_TTL_MS });
    // Map keeps insertion order: the first entry is the oldest
    while (this.entries.size > ENCRYPTION_DEK_CACHE_ENTRIES_MAX) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

export class EncryptedObjectStore implements ObjectStore {
  readonly backend;
  readonly displayUrl: string;
  policy: EncryptionPolicy = { activeKey: () => undefined, plaintextRefused: () => false, retired: () => false };
  private readonly cache = new DataKeyCache();
  /** how each body handed out was stored: its key id, or null for plaintext */
  private readonly origins = new WeakMap<Buffer, string | null>();
  readonly stats = { sealed: 0, opened: 0, unwraps: 0, plaintextRead: 0 };

  constructor(
    readonly inner: ObjectStore,
    readonly provider: KeyProvider | undefined,
    readonly catalogId: string,
  ) {
    this.backend = inner.backend;
    this.displayUrl = inner.displayUrl;
  }

  /** Whether `body` (as returned by get) was stored in plaintext. */
  wasPlaintext(body: Buffer): boolean {
    return this.origins.get(body) === null;
  }

  async get(key: string, signal?: AbortSignal): Promise<GetOutcome> {
    const found = await this.inner.get(key, signal);
    if (found.kind !== 'found' || CLEAR_KEYS.has(key)) return found;
    const body = await this.openObject(key, found.body);
    return { kind: 'found', body, etag: found.etag };
  }

  head = (key: string, signal?: AbortSignal) => this.inner.head(key, signal);
  list = (prefix: string, options?: ListOptions, signal?: AbortSignal) => this.inner.list(prefix, options, signal);
  delete = (key: string, signal?: AbortSignal) => this.inner.delete(key, signal);
  close = () => this.inner.close();

  async putIfAbsent(key: string, body: Uint8Array, signal?: AbortSignal) {
    return this.inner.putIfAbsent(key, await this.sealObject(key, body), signal);
  }

  async putIfMatch(key: string, body: Uint8Array, etag: string, signal?: AbortSignal) {
    return this.inner.putIfMatch(key, await this.sealObject(key, body), etag, signal);
  }

  async put(key: string, body: Uint8Array, signal?: AbortSignal) {
    return this.inner.put(key, await this.sealObject(key, body), signal);
  }

  async putUnpublished(key: string, body: Uint8Array, signal?: AbortSignal) {
    const sealed = await this.sealObject(key, body);
    return this.inner.putUnpublished ? this.inner.putUnpublished(key, sealed, signal) : this.inner.putIfAbsent(key, sealed, signal);
  }

  /** Seals under `keyId` (default: the policy's active key); plaintext when none is active. */
  async sealObject(key: string, body: Uint8Array, keyId = this.policy.activeKey()): Promise<Uint8Array> {
    if (keyId === undefined || CLEAR_KEYS.has(key)) return body;
    const provider = this.requireProvider(key, keyId);
    if (!provider.has(keyId)) throw new EncryptionKeyError(`cannot write ${this.displayUrl}/${key}: the catalog's active encryption key '${keyId}' is not configured on this replica`);
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrap(keyId, dataKey, wrapContext(this.catalogId, keyId));
    this.cache.set(cacheId(keyId, wrapped), dataKey);
    this.stats.sealed++;
    return seal(buildHeader(keyId, wrapped), dataKey, objectContext(this.catalogId, key), body);
  }

  /** Opens an object read from `key`; plaintext passes unless the policy refuses it. */
  async openObject(key: string, stored: Buffer): Promise<Buffer> {
    const where = `${this.displayUrl}/${key}`;
    if (!isEnvelope(stored)) {
      if (this.policy.plaintextRefused()) {
        throw new CorruptStore(`${where} is not encrypted, but this catalog was created encrypted: refusing it (replaced or written by something else)`);
      }
      this.stats.plaintextRead++;
      this.origins.set(stored, null);
      return stored;
    }
    const header = parseHeader(stored);
    if (typeof header === 'string') throw new CorruptStore(`${where} is damaged: ${header}`);
    const { keyId } = header;
    if (this.policy.retired(keyId)) throw new CorruptStore(`${where} is encrypted with key '${keyId}', which this catalog retired: refusing it`);
    const provider = this.requireProvider(key, keyId);
    if (!provider.has(keyId)) {
      throw new EncryptionKeyError(`${where} is encrypted with key '${keyId}', which is not configured on this replica (configured: ${provider.keyIds().join(', ') || 'none'})`);
    }
    const id = cacheId(keyId, header.wrappedKey);
    let dataKey = this.cache.get(id);
    if (!dataKey) {
      this.stats.unwraps++;
      dataKey = await provider.unwrap(keyId, header.wrappedKey, wrapContext(this.catalogId, keyId));
      if (!dataKey) {
        throw new CorruptStore(`${where}: its data key does not open under key '${keyId}' (the object was altered, comes from another catalog, or the key material of '${keyId}' is wrong)`);
      }
      this.cache.set(id, dataKey);
    }
    const plain = open(stored, header, dataKey, objectContext(this.catalogId, key));
    if (!plain) {
      throw new CorruptStore(`${where} fails authentication under key '${keyId}': the object was altered, or moved here from another path or catalog`);
    }
    this.stats.opened++;
    this.origins.set(plain, keyId);
    return plain;
  }

  private requireProvider(key: string, keyId: string): KeyProvider {
    if (this.provider) return this.provider;
    throw new EncryptionKeyError(
      `${this.displayUrl}/${key} needs encryption key '${keyId}', but encryption is not configured on this replica: set FLOE_ENCRYPTION_PROVIDER and the key`,
    );
  }

  get cachedDataKeys(): number {
    return this.cache.size;
  }
}

const cacheId = (keyId: string, wrapped: Buffer) => `${keyId}\u0000${wrapped.toString('base64')}`;

/** A value that proves which key material a key id had, revealing nothing about it. */
const CHECK_PLAINTEXT = Buffer.alloc(32, 0x5a);
const checkContext = (catalogId: string, keyId: string) => wrapContext(`key-check\u0000${catalogId}`, keyId);

export async function makeKeyCheck(provider: KeyProvider, catalogId: string, keyId: string): Promise<string> {
  return (await provider.wrap(keyId, CHECK_PLAINTEXT, checkContext(catalogId, keyId))).toString('base64');
}

export async function verifyKeyCheck(provider: KeyProvider, catalogId: string, keyId: string, check: string): Promise<boolean> {
  const opened = await provider.unwrap(keyId, Buffer.from(check, 'base64'), checkContext(catalogId, keyId));
  return opened !== undefined && opened.equals(CHECK_PLAINTEXT);
}
