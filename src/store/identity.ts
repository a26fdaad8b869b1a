// catalog.json: the catalog's identity, written once by create-if-absent when a root is
// initialised and only read afterwards. Two replicas initialising one empty root race on the
// create; the loser reads the winner's identity back.
import { IDENTITY_CREATE_ATTEMPTS_MAX } from '../config/index.js';
import type { ObjectStore } from '../objectstore/index.js';
import { cryptoRng, systemClock } from '../util/index.js';
import { makeKeyCheck } from './encryption/index.js';
import { StoreUnavailable } from './errors.js';
import { CATALOG_KEY, CorruptStore, LOG_PREFIX, STORE_FORMAT, STORE_FORMAT_VERSION, encodeJson, type CatalogIdentity } from './layout.js';
import type { StoreOptions } from './options.js';

/** Reads catalog.json, creating it first on an empty root when `options.create`. */
export async function loadOrCreateIdentity(
  objects: ObjectStore,
  options: StoreOptions,
): Promise<{ bytes: Buffer; identity: CatalogIdentity; created: boolean }> {
  const { bytes, created } = await readOrCreate(objects, options);
  const identity = parseIdentity(bytes, objects);
  if (identity.format !== STORE_FORMAT) throw new CorruptStore(`${objects.displayUrl}/${CATALOG_KEY} is not a Floe catalog identity`);
  if (identity.formatVersion > STORE_FORMAT_VERSION) {
    throw new CorruptStore(`${CATALOG_KEY} has format version ${identity.formatVersion}; this Floe reads up to ${STORE_FORMAT_VERSION}`);
  }
  return { bytes, identity, created };
}

function parseIdentity(bytes: Buffer, objects: ObjectStore): CatalogIdentity {
  try {
    const identity = JSON.parse(bytes.toString('utf8')) as CatalogIdentity;
    if (typeof identity === 'object' && identity !== null) return identity;
  } catch {
    // not swallowed: reported just below, naming the object
  }
  throw new CorruptStore(`${objects.displayUrl}/${CATALOG_KEY} is not valid JSON (${bytes.length} bytes)`);
}

async function readOrCreate(objects: ObjectStore, options: StoreOptions): Promise<{ bytes: Buffer; created: boolean }> {
  for (let attempt = 0; attempt < IDENTITY_CREATE_ATTEMPTS_MAX; attempt++) {
    const found = await objects.get(CATALOG_KEY);
    if (found.kind === 'found') return { bytes: found.body, created: false };
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${CATALOG_KEY}: ${found.cause.message}`);
    if (!options.create) throw new StoreUnavailable(`${objects.displayUrl} is not a Floe catalog root (no ${CATALOG_KEY})`);
    const log = await objects.list(LOG_PREFIX, { limit: 1 });
    if (log.kind === 'listed' && log.objects.length > 0) {
      throw new CorruptStore(`${objects.displayUrl} has log entries but no ${CATALOG_KEY}: refusing to start a new catalog over it`);
    }
    const rng = options.rng ?? cryptoRng;
    const identity: CatalogIdentity = {
      format: STORE_FORMAT,
      formatVersion: STORE_FORMAT_VERSION,
      catalogId: rng.uuid(),
      createdAt: new Date((options.clock ?? systemClock).nowMs()).toISOString(),
    };
    if (options.encryption) {
      const { provider, activeKey } = options.encryption;
      identity.encryption = { algorithm: 'AES-256-GCM', activeKey, keyCheck: await makeKeyCheck(provider, identity.catalogId, activeKey) };
    }
    const bytes = encodeJson(identity);
    const created = await objects.putIfAbsent(CATALOG_KEY, bytes);
    if (created.kind === 'created') return { bytes, created: true };
    if (created.kind === 'unknown' && !created.retryable) {
      throw new StoreUnavailable(`cannot create ${objects.displayUrl}/${CATALOG_KEY}: ${created.cause.message}`);
    }
    // another replica initialised it first, or the outcome is unknown: read it back
  }
  throw new StoreUnavailable(`cannot initialise ${objects.displayUrl}/${CATALOG_KEY}`);
}
