// Before `floe serve` opens a root: is it a catalog, an empty place for a new one, or something
// else? A typo'd path, a foreign directory or another catalog's warehouse must not silently
// become a new catalog (a client would then see an empty catalog and start writing there).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/index.js';
import { openObjectStore, parseStorageUrl, type BackendOptions, type ObjectStore } from '../objectstore/index.js';
import { StoreUnavailable } from '../store/index.js';

const CATALOG_KEY = 'catalog.json';

export type RootVerdict = { kind: 'catalog' } | { kind: 'new' };

const isFloeIdentity = (bytes: Buffer): boolean => {
  try {
    return (JSON.parse(bytes.toString('utf8')) as { format?: unknown }).format === 'floe-catalog';
  } catch {
    return false;
  }
};

/** The first thing in a local directory, looking one level into subdirectories (an empty one is nothing). */
function firstLocalEntry(dir: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.floe-tmp')) continue;
    if (!entry.isDirectory()) return entry.name;
    const inner = readdirSync(join(dir, entry.name));
    if (inner.length > 0) return `${entry.name}/${inner[0]}`;
  }
  return undefined;
}

/** A Floe catalog root above `dir` (so `dir` is inside its root or default warehouse), if any. */
function enclosingLocalCatalog(dir: string): string | undefined {
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    try {
      if (isFloeIdentity(readFileSync(join(parent, CATALOG_KEY)))) return parent;
    } catch {
      // no catalog.json there (or unreadable): keep walking up
    }
    if (dirname(parent) === parent) return undefined;
  }
}

/** A Floe catalog under a shorter prefix of the same bucket: one HEAD per level, only before creating. */
async function enclosingCloudCatalog(storageUrl: string, options: BackendOptions): Promise<string | undefined> {
  const url = parseStorageUrl(storageUrl);
  const segments = url.prefix.split('/').filter((s) => s !== '');
  if (segments.length === 0) return undefined;
  const bucketUrl = url.display.slice(0, url.display.length - url.prefix.length).replace(/\/+$/, '');
  const bucket = openObjectStore(bucketUrl, options);
  try {
    for (let depth = segments.length - 1; depth >= 0; depth--) {
      const prefix = segments.slice(0, depth).join('/');
      const key = prefix ? `${prefix}/${CATALOG_KEY}` : CATALOG_KEY;
      const found = await bucket.get(key);
      // a level we may not read is not evidence of a catalog; the root itself was readable
      if (found.kind === 'found' && isFloeIdentity(found.body)) return prefix ? `${bucketUrl}/${prefix}` : bucketUrl;
    }
    return undefined;
  } finally {
    await bucket.close();
  }
}

const refuseInside = (root: string, outer: string) =>
  new ConfigError(
    `${root} is inside the Floe catalog root ${outer} (its storage or warehouse): a new catalog there would mix its files with that catalog's; ` +
      `choose a root outside it, or pass --init if this is really meant`,
  );

/**
 * Decides whether serve may open (or create) a catalog at `objects`. A new catalog is created only
 * in a missing or empty root, or anywhere with `init`; memory:// always starts a new one.
 */
export async function checkServeRoot(objects: ObjectStore, storageUrl: string, options: BackendOptions, init: boolean): Promise<RootVerdict> {
  if (objects.backend === 'memory') return { kind: 'new' };
  const url = parseStorageUrl(storageUrl);
  if (url.backend === 'file') {
    let isDirectory: boolean | undefined;
    try {
      isDirectory = statSync(url.bucket).isDirectory();
    } catch {
      isDirectory = undefined; // missing: a new catalog is created there
    }
    if (isDirectory === false) {
      throw new ConfigError(`storage root ${url.bucket} is a file, not a directory: give a directory (file:///path/to/dir) for the catalog`);
    }
  }
  const identity = await objects.head(CATALOG_KEY);
  if (identity.kind === 'found') return { kind: 'catalog' };
  if (identity.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${CATALOG_KEY}: ${identity.cause.message}`);
  if (init) return { kind: 'new' };

  let first: string | undefined;
  if (url.backend === 'file') {
    try {
      first = firstLocalEntry(url.bucket);
    } catch {
      first = undefined; // missing directory
    }
  } else {
    const listed = await objects.list('', { limit: 1 });
    if (listed.kind === 'unknown') throw new StoreUnavailable(`cannot list ${objects.displayUrl}: ${listed.cause.message}`);
    first = listed.objects[0]?.key;
  }
  if (first !== undefined) {
    throw new ConfigError(
      `${objects.displayUrl} is not empty and is not a Floe catalog (found ${first}); serve creates a new catalog only in an empty or missing root: ` +
        `check --storage, or pass --init to create one beside those objects`,
    );
  }
  const outer = url.backend === 'file' ? enclosingLocalCatalog(url.bucket) : await enclosingCloudCatalog(storageUrl, options);
  if (outer !== undefined) throw refuseInside(objects.displayUrl, url.backend === 'file' ? `file://${outer}` : outer);
  return { kind: 'new' };
}
