// Reads and writes Iceberg metadata files in the warehouse through the objectstore backends.
// Metadata files are immutable, so parsed files are cached by (kind, location) in an LRU bounded
// in bytes; a load still checks the file exists, because a vanished metadata file must answer 404.
// The kind is part of the key: a table's file read as a view (register-view of a table's file)
// must be parsed as a view and fail, not be answered from the table's cache entry.
import { METADATA_CACHE_BYTES_MAX, METADATA_FILE_BYTES_MAX } from '../config/limits.js';
import {
  decodeMetadataFile, encodeMetadataFile, parseTableMetadata, parseViewMetadata, type TableMetadata, type ViewMetadata,
} from '../iceberg/index.js';
import { LocationResolver, type BackendOptions } from '../objectstore/index.js';
import { ByteLru } from '../util/index.js';
import { CatalogError } from './errors.js';

export type MetadataKind = 'table' | 'view';

interface Parsed {
  table: TableMetadata;
  view: ViewMetadata;
}

const PARSERS = { table: parseTableMetadata, view: parseViewMetadata } as const;
const KINDS: readonly MetadataKind[] = ['table', 'view'];

const cacheKey = (kind: MetadataKind, location: string) => `${kind}\u0000${location}`;

/** Uncompressed size of a metadata file: gzip's trailer holds it (mod 2^32, exact below 4 GiB). */
function plainBytes(body: Buffer): number {
  const gzipped = body.length >= 18 && body[0] === 0x1f && body[1] === 0x8b;
  return gzipped ? Math.max(body.length, body.readUInt32LE(body.length - 4)) : body.length;
}

export interface CachedFile<T> {
  location: string;
  value: T;
}

export class Warehouse {
  private readonly resolver: LocationResolver;
  private readonly cache = new ByteLru<string, unknown>(METADATA_CACHE_BYTES_MAX);

  constructor(
    readonly rootUrl: string,
    options: BackendOptions = {},
  ) {
    this.resolver = new LocationResolver(options);
  }

  /**
   * Reads and parses a metadata file of the given kind; 404 NotFoundException when it does not
   * exist, 500 Internal when it is not a valid file of that kind.
   */
  async read<K extends MetadataKind>(kind: K, location: string, verifyExists = true): Promise<Parsed[K]> {
    const cached = this.cache.get(cacheKey(kind, location)) as Parsed[K] | undefined;
    if (cached !== undefined) {
      if (verifyExists) await this.mustExist(location);
      return cached;
    }
    const { store, key } = this.resolve(location);
    const found = await store.get(key);
    if (found.kind === 'notFound') throw missing(location);
    if (found.kind === 'unknown') throw new CatalogError('ServiceUnavailable', `Cannot read ${location}: ${found.cause.message}`);
    if (found.body.length > METADATA_FILE_BYTES_MAX) throw new CatalogError('Internal', `Metadata file too large: ${location}`);
    const json = decodeMetadataFile(found.body);
    if (!json.ok) throw new CatalogError('Internal', `Cannot parse metadata file ${location}: ${json.error.message}`);
    const parsed = PARSERS[kind](json.value);
    if (!parsed.ok) throw new CatalogError('Internal', `Invalid ${kind} metadata file ${location}: ${parsed.error.message}`);
    const value = parsed.value as Parsed[K];
    this.cache.set(cacheKey(kind, location), value, plainBytes(found.body));
    return value;
  }

  /** Writes a new metadata file; its name is fresh (uuid), so create-if-absent never collides. */
  async write<K extends MetadataKind>(kind: K, location: string, json: unknown, value: Parsed[K]): Promise<void> {
    const { store, key } = this.resolve(location);
    // nobody reads the file before its pointer is committed, so the cheaper create will do
    const bytes = encodeMetadataFile(json, location);
    const outcome = store.putUnpublished ? await store.putUnpublished(key, bytes) : await store.putIfAbsent(key, bytes);
    if (outcome.kind !== 'created') {
      const why = outcome.kind === 'exists' ? 'it already exists' : outcome.cause.message;
      throw new CatalogError('ServiceUnavailable', `Cannot write metadata file ${location}: ${why}`);
    }
    this.cache.set(cacheKey(kind, location), value, plainBytes(bytes));
  }

  /** Drops a superseded version from the cache: once a pointer moved on, it is rarely read again. */
  forget(location: string): void {
    for (const kind of KINDS) this.cache.delete(cacheKey(kind, location));
  }

  /** Bytes the metadata cache accounts for (never above METADATA_CACHE_BYTES_MAX). */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  async exists(location: string): Promise<boolean> {
    const { store, key } = this.resolve(location);
    const head = await store.head(key);
    if (head.kind === 'unknown') throw new CatalogError('ServiceUnavailable', `Cannot read ${location}: ${head.cause.message}`);
    return head.kind === 'found';
  }

  async readBytes(location: string): Promise<Buffer | undefined> {
    const { store, key } = this.resolve(location);
    const found = await store.get(key);
    if (found.kind === 'unknown') throw new CatalogError('ServiceUnavailable', `Cannot read ${location}: ${found.cause.message}`);
    return found.kind === 'found' ? found.body : undefined;
  }

  /** Best effort: true when the file is gone afterwards. */
  async delete(location: string): Promise<boolean> {
    this.forget(location);
    try {
      const { store, key } = this.resolve(location);
      const outcome = await store.delete(key);
      return outcome.kind !== 'unknown';
    } catch {
      return false;
    }
  }

  private async mustExist(location: string): Promise<void> {
    if (!(await this.exists(location))) {
      this.forget(location);
      throw missing(location);
    }
  }

  private resolve(location: string) {
    try {
      return this.resolver.resolve(location);
    } catch (error) {
      throw new CatalogError('BadRequest', `Invalid location ${location}: ${(error as Error).message}`);
    }
  }

  close(): Promise<void> {
    return this.resolver.close();
  }
}

const missing = (location: string) =>
  new CatalogError('NotFound', `Failed to open input stream for file: ${location}`);
