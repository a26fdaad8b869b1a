// Reads and writes Iceberg metadata files in the warehouse through the objectstore backends.
// Metadata files are immutable, so parsed files are cached by location (bounded LRU); a load
// still checks the file exists, because a vanished metadata file must answer 404.
// Every location is parsed and checked by the LocationPolicy before any I/O, and the resolver
// can only open stores rooted at the policy's roots.
import {
  METADATA_CACHE_ENTRIES_MAX, METADATA_FILE_BYTES_MAX, REGISTER_FILE_BYTES_MAX, REGISTER_READ_TIMEOUT_MS,
} from '../config/limits.js';
import { decodeMetadataFile, encodeMetadataFile, type IcebergError } from '../iceberg/index.js';
import { checkKey, getBounded, LocationResolver, type BackendOptions, type Location } from '../objectstore/index.js';
import type { Result } from '../util/index.js';
import { CatalogError } from './errors.js';
import { LocationPolicy } from './locations.js';

export interface CachedFile<T> {
  location: string;
  value: T;
}

/** NAME_MAX of the file systems Floe runs on. */
const FILE_NAME_BYTES_MAX = 255;

/** What a best-effort delete did: `refused` means the location was not ours to delete. */
export type DeleteResult = 'gone' | 'failed' | 'refused';

export interface WarehouseOptions {
  /** prefixes outside the warehouse the server may also read and write (`allowed_locations`) */
  allowedLocations?: readonly string[];
  /** where refused deletes are reported */
  warn?: (message: string) => void;
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
  readonly locations: LocationPolicy;
  /** [storage] aws_endpoint: the only host (besides AWS S3's own) remote signing signs for */
  readonly s3Endpoint: string | undefined;
  private readonly resolver: LocationResolver;
  private readonly cache = new Map<string, Cached>();
  private readonly warn: (message: string) => void;

  constructor(
    readonly rootUrl: string,
    options: BackendOptions = {},
    more: WarehouseOptions = {},
  ) {
    this.locations = new LocationPolicy(rootUrl, more.allowedLocations);
    this.s3Endpoint = options.aws_endpoint;
    this.resolver = new LocationResolver(this.locations.roots, options);
    this.warn = more.warn ?? ((message) => console.warn(message));
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
    const json = decodeMetadataFile(found.body, METADATA_FILE_BYTES_MAX);
    if (!json.ok) throw new CatalogError('Internal', `Cannot parse metadata file ${location}: ${json.error.message}`);
    const parsed = parse(json.value);
    if (!parsed.ok) throw new CatalogError('Internal', `Invalid metadata file ${location}: ${parsed.error.message}`);
    this.remember(location, parse, parsed.value);
    return parsed.value;
  }

  /**
   * Reads a metadata file that no server wrote (register, register-view): inside the allowed
   * roots, a regular file or plain object, bounded on storage and when inflated, with a
   * timeout, and never cached. Failures are 400s whose messages never quote the file.
   */
  async readUntrusted<T>(location: string, what: 'table' | 'view', parse: (json: unknown) => Result<T, IcebergError>): Promise<T> {
    const { store, key } = this.resolve(location);
    const signal = AbortSignal.timeout(REGISTER_READ_TIMEOUT_MS);
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new CatalogError('BadRequest', `Timed out reading metadata file ${location}`)), { once: true }),
    );
    timedOut.catch(() => undefined);
    const found = await Promise.race([getBounded(store, key, REGISTER_FILE_BYTES_MAX, signal), timedOut]);
    if (found.kind === 'notFound') throw missing(location);
    if (found.kind === 'tooLarge') throw new CatalogError('BadRequest', `Metadata file ${location} is larger than ${REGISTER_FILE_BYTES_MAX} bytes`);
    if (found.kind === 'unknown') {
      if (signal.aborted) throw new CatalogError('BadRequest', `Timed out reading metadata file ${location}`);
      throw new CatalogError('ServiceUnavailable', `Cannot read ${location}: ${found.cause.message}`);
    }
    const json = decodeMetadataFile(found.body, REGISTER_FILE_BYTES_MAX);
    if (!json.ok) throw new CatalogError('BadRequest', `Cannot parse metadata file ${location}: ${json.error.message}`);
    // the parser's own message may quote values from the file, so only its verdict is shown
    const parsed = parse(json.value);
    if (!parsed.ok) throw new CatalogError('BadRequest', `Invalid metadata file ${location}: not a valid ${what} metadata file`);
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

  /**
   * Best effort. Deletes only inside the allowed roots and, when `owner` (the table's or view's
   * location) is given, only under it; anything else is skipped, reported and `refused`.
   */
  async delete(location: string, owner: string | undefined): Promise<DeleteResult> {
    const checked = this.locations.checkDelete(location, owner);
    if (!checked.ok) {
      this.skipped(location, checked.error);
      return 'refused';
    }
    this.cache.delete(location);
    try {
      const { store, key } = this.resolveParsed(location, checked.value);
      const outcome = await store.delete(key);
      return outcome.kind === 'unknown' ? 'failed' : 'gone';
    } catch {
      return 'failed';
    }
  }

  /** Reports a file that is not deleted because it is not ours to delete. */
  skipped(location: string, why: string): void {
    this.warn(`floe: not deleting ${JSON.stringify(location)}: ${why}`);
  }

  private async mustExist(location: string): Promise<void> {
    if (!(await this.exists(location))) {
      this.cache.delete(location);
      throw missing(location);
    }
  }

  /** Parses and checks once, then maps the parsed location to a store: no step parses it again. */
  private resolve(location: string) {
    return this.resolveParsed(location, this.locations.checkAllowed(location, 'location'));
  }

  /** Maps a location parsed and checked by the policy to a store and key; nothing parses it again. */
  private resolveParsed(location: string, parsed: Location) {
    try {
      // a name too long for the backend is the request's fault, not the storage's
      if (parsed.backend === 'file' && parsed.segments.some((s) => Buffer.byteLength(s) > FILE_NAME_BYTES_MAX)) {
        throw new Error(`a file name is longer than ${FILE_NAME_BYTES_MAX} bytes`);
      }
      const resolved = this.resolver.resolve(parsed);
      checkKey(resolved.key);
      return resolved;
    } catch (error) {
      throw new CatalogError('BadRequest', `Invalid location ${JSON.stringify(location)}: ${(error as Error).message}`);
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
