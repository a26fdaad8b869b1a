// Reads and writes Iceberg metadata files in the warehouse through the objectstore backends.
// Metadata files are immutable, so parsed files are cached by (kind, location) in an LRU bounded
// in bytes; a load still checks the file exists, because a vanished metadata file must answer 404.
// The kind is part of the key: a table's file read as a view (register-view of a table's file)
// must be parsed as a view and fail, not be answered from the table's cache entry.
// Every location is parsed and checked by the LocationPolicy before any I/O, and the resolver
// can only open stores rooted at the policy's roots.
import {
  METADATA_CACHE_BYTES_MAX, METADATA_FILE_BYTES_MAX, REGISTER_FILE_BYTES_MAX, REGISTER_READ_TIMEOUT_MS,
} from '../config/index.js';
import {
  decodeMetadataFile, encodeMetadataFile, parseTableMetadata, parseViewMetadata, type TableMetadata, type ViewMetadata,
} from '../iceberg/index.js';
import { checkKey, getBounded, LocationResolver, type BackendOptions, type Location } from '../objectstore/index.js';
import { ByteLru, silentTelemetry, type Logger } from '../util/index.js';
import { engineConfigFor, type EngineConfig } from './engine-config.js';
import { fromObjectStore } from './dependency-errors.js';
import { CatalogError } from './errors.js';
import { LocationPolicy } from './locations.js';

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

/** NAME_MAX of the file systems Floe runs on. */
const FILE_NAME_BYTES_MAX = 255;

/** What a best-effort delete did: `refused` means the location was not ours to delete. */
export type DeleteResult = 'gone' | 'failed' | 'refused';

export interface WarehouseOptions {
  /** prefixes outside the warehouse the server may also read and write (`allowed_locations`) */
  allowedLocations?: readonly string[];
  /** where refused deletes are reported */
  warn?: (message: string) => void;
  /** where failed deletes are reported with their cause (default: nowhere) */
  log?: Logger;
}

export class Warehouse {
  readonly locations: LocationPolicy;
  /** [storage] aws_endpoint: the only host (besides AWS S3's own) remote signing signs for */
  readonly s3Endpoint: string | undefined;
  /** what engines are told about the storage (LoadTableResult config, /v1/config defaults) */
  readonly engineConfig: EngineConfig;
  /** `engineConfig` as the JSON text rendered answers embed */
  readonly engineConfigJson: string;
  private readonly resolver: LocationResolver;
  private readonly cache = new ByteLru<string, unknown>(METADATA_CACHE_BYTES_MAX);
  private readonly warn: (message: string) => void;
  private readonly log: Logger;

  constructor(
    readonly rootUrl: string,
    options: BackendOptions = {},
    more: WarehouseOptions = {},
  ) {
    this.locations = new LocationPolicy(rootUrl, more.allowedLocations);
    this.s3Endpoint = options.aws_endpoint;
    this.engineConfig = engineConfigFor(this.locations.roots, options);
    this.engineConfigJson = JSON.stringify(this.engineConfig);
    this.resolver = new LocationResolver(this.locations.roots, options);
    this.warn = more.warn ?? ((message) => console.warn(message));
    this.log = more.log ?? silentTelemetry.log;
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
    if (found.kind !== 'found') throw fromObjectStore(location, { op: 'read', outcome: found });
    if (found.body.length > METADATA_FILE_BYTES_MAX) throw new CatalogError('Internal', `Metadata file too large: ${location}`);
    const json = decodeMetadataFile(found.body, METADATA_FILE_BYTES_MAX);
    if (!json.ok) throw new CatalogError('Internal', `Cannot parse metadata file ${location}: ${json.error.message}`);
    const parsed = PARSERS[kind](json.value);
    if (!parsed.ok) throw new CatalogError('Internal', `Invalid ${kind} metadata file ${location}: ${parsed.error.message}`);
    const value = parsed.value as Parsed[K];
    this.cache.set(cacheKey(kind, location), value, plainBytes(found.body));
    return value;
  }

  /**
   * Reads a metadata file that no server wrote (register, register-view): inside the allowed
   * roots, a regular file or plain object, bounded on storage and when inflated, with a
   * timeout, and never cached. Failures are 400s whose messages never quote the file.
   */
  async readUntrusted<K extends MetadataKind>(location: string, what: K): Promise<Parsed[K]> {
    const { store, key } = this.resolve(location);
    const signal = AbortSignal.timeout(REGISTER_READ_TIMEOUT_MS);
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new CatalogError('BadRequest', `Timed out reading metadata file ${location}`)), { once: true }),
    );
    // the race below consumes the rejection; this only keeps a late abort from being unhandled
    timedOut.catch(() => undefined);
    const found = await Promise.race([getBounded(store, key, REGISTER_FILE_BYTES_MAX, signal), timedOut]);
    if (found.kind === 'notFound') throw fromObjectStore(location, { op: 'read', outcome: found });
    if (found.kind === 'tooLarge') throw new CatalogError('BadRequest', `Metadata file ${location} is larger than ${REGISTER_FILE_BYTES_MAX} bytes`);
    if (found.kind === 'unknown') {
      if (signal.aborted) throw new CatalogError('BadRequest', `Timed out reading metadata file ${location}`);
      throw fromObjectStore(location, { op: 'read', outcome: found });
    }
    const json = decodeMetadataFile(found.body, REGISTER_FILE_BYTES_MAX);
    if (!json.ok) throw new CatalogError('BadRequest', `Cannot parse metadata file ${location}: ${json.error.message}`);
    // the parser's own message may quote values from the file, so only its verdict is shown
    const parsed = PARSERS[what](json.value);
    if (!parsed.ok) throw new CatalogError('BadRequest', `Invalid metadata file ${location}: not a valid ${what} metadata file`);
    return parsed.value as Parsed[K];
  }

  /** Writes a new metadata file; its name is fresh (uuid), so create-if-absent never collides. */
  async write<K extends MetadataKind>(kind: K, location: string, json: unknown, value: Parsed[K]): Promise<void> {
    const { store, key } = this.resolve(location);
    // nobody reads the file before its pointer is committed, so the cheaper create will do
    const bytes = encodeMetadataFile(json, location);
    const outcome = store.putUnpublished ? await store.putUnpublished(key, bytes) : await store.putIfAbsent(key, bytes);
    // a location chosen by the client may run through an existing file (a dropped table's): 400
    if (outcome.kind !== 'created') throw fromObjectStore(location, { op: 'write', outcome });
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
    if (head.kind === 'unknown') throw fromObjectStore(location, { op: 'read', outcome: head });
    return head.kind === 'found';
  }

  async readBytes(location: string): Promise<Buffer | undefined> {
    const { store, key } = this.resolve(location);
    const found = await store.get(key);
    if (found.kind === 'unknown') throw fromObjectStore(location, { op: 'read', outcome: found });
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
    this.forget(location);
    try {
      const { store, key } = this.resolveParsed(location, checked.value);
      const outcome = await store.delete(key);
      if (outcome.kind !== 'unknown') return 'gone';
      this.log.warn({ location, err: outcome.cause }, 'metadata file delete failed');
      return 'failed';
    } catch (error) {
      // best effort: the caller decides what a failed delete means (a purge stays pending)
      this.log.warn({ location, err: error }, 'metadata file delete failed');
      return 'failed';
    }
  }

  /** Reports a file that is not deleted because it is not ours to delete. */
  skipped(location: string, why: string): void {
    this.warn(`floe: not deleting ${JSON.stringify(location)}: ${why}`);
  }

  private async mustExist(location: string): Promise<void> {
    if (!(await this.exists(location))) {
      this.forget(location);
      throw fromObjectStore(location, { op: 'read', outcome: { kind: 'notFound' } });
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

  close(): Promise<void> {
    return this.resolver.close();
  }
}

