// Reads and writes Iceberg metadata files in the warehouse through the objectstore backends.
// Metadata files are immutable, so parsed files are cached by location (bounded LRU); a load
// still checks the file exists, because a vanished metadata file must answer 404.
import { METADATA_CACHE_ENTRIES_MAX, METADATA_FILE_BYTES_MAX } from '../config/limits.js';
import { decodeMetadataFile, encodeMetadataFile, type IcebergError } from '../iceberg/index.js';
import { LocationResolver, type BackendOptions } from '../objectstore/index.js';
import type { Result } from '../util/index.js';
import { CatalogError } from './errors.js';

export interface CachedFile<T> {
  location: string;
  value: T;
}

type Parse<T> = (json: unknown) => Result<T, IcebergError>;

/** A parsed file, tagged with the parser it was made by: the same location read as a table and as
 * a view must not hand one kind's value to the other (a view registered at a table's metadata
 * file used to get the cached TableMetadata and fail with a 500 on every load). */
interface Cached {
  parse: Parse<unknown>;
  value: unknown;
}

export class Warehouse {
  private readonly resolver: LocationResolver;
  private readonly cache = new Map<string, Cached>();

  constructor(
    readonly rootUrl: string,
    options: BackendOptions = {},
  ) {
    this.resolver = new LocationResolver(options);
  }

  /** Reads and parses a metadata file; 404 NotFoundException when it does not exist. */
  async read<T>(location: string, parse: Parse<T>, verifyExists = true): Promise<T> {
    const cached = this.cache.get(location);
    if (cached !== undefined && cached.parse === parse) {
      if (verifyExists) await this.mustExist(location);
      this.cache.delete(location); // refresh LRU position
      this.cache.set(location, cached);
      return cached.value as T;
    }
    const { store, key } = this.resolve(location);
    const found = await store.get(key);
    if (found.kind === 'notFound') throw missing(location);
    if (found.kind === 'unknown') throw new CatalogError('ServiceUnavailable', `Cannot read ${location}: ${found.cause.message}`);
    if (found.body.length > METADATA_FILE_BYTES_MAX) throw new CatalogError('Internal', `Metadata file too large: ${location}`);
    const json = decodeMetadataFile(found.body);
    if (!json.ok) throw new CatalogError('Internal', `Cannot parse metadata file ${location}: ${json.error.message}`);
    const parsed = parse(json.value);
    if (!parsed.ok) throw new CatalogError('Internal', `Invalid metadata file ${location}: ${parsed.error.message}`);
    this.remember(location, parse, parsed.value);
    return parsed.value;
  }

  /**
   * Writes a new metadata file; its name is fresh (uuid), so create-if-absent never collides.
   * `value` is what `parse` gives for the file, and is cached as such.
   */
  async write<T>(location: string, json: unknown, value: T, parse: Parse<T>): Promise<void> {
    const { store, key } = this.resolve(location);
    // nobody reads the file before its pointer is committed, so the cheaper create will do
    const bytes = encodeMetadataFile(json, location);
    const outcome = store.putUnpublished ? await store.putUnpublished(key, bytes) : await store.putIfAbsent(key, bytes);
    if (outcome.kind !== 'created') {
      const why = outcome.kind === 'exists' ? 'it already exists' : outcome.cause.message;
      throw new CatalogError('ServiceUnavailable', `Cannot write metadata file ${location}: ${why}`);
    }
    this.remember(location, parse, value);
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
    this.cache.delete(location);
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
      this.cache.delete(location);
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

  private remember<T>(location: string, parse: Parse<T>, value: T): void {
    this.cache.set(location, { parse: parse as Parse<unknown>, value });
    if (this.cache.size > METADATA_CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value!);
  }

  close(): Promise<void> {
    return this.resolver.close();
  }
}

const missing = (location: string) =>
  new CatalogError('NotFound', `Failed to open input stream for file: ${location}`);
