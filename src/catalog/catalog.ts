// Opens everything the catalog service needs from the settings: the object store under the
// storage URL, the commit-log store on it, and the warehouse.
import { splitAllowedLocations, type Settings } from '../config/index.js';
import { InstrumentedObjectStore, joinUrl, openObjectStore, parseStorageUrl, type ObjectStore } from '../objectstore/index.js';
import { CatalogStore, openKeyProvider } from '../store/index.js';
import { cryptoRng, silentTelemetry, systemClock, type Clock, type Rng, type Telemetry } from '../util/index.js';
import type { CatalogContext } from './context.js';
import { Warehouse } from './warehouse.js';
import { startPurgeRunner } from './purge.js';

export interface OpenCatalogOptions {
  settings: Settings;
  /** resolved warehouse URL (see defaultWarehouseUrl) */
  warehouseUrl: string;
  clock?: Clock;
  rng?: Rng;
  replicaId?: string;
  /** an already opened store (tests inject instrumented ones) */
  objects?: ObjectStore;
  /** runs before the catalog opens the store (the cloud capability probe) */
  checkObjects?: (objects: ObjectStore) => Promise<void>;
  /** initialise an empty root as a new catalog (default true; serve decides per root) */
  create?: boolean;
  /** where best-effort and background failures are reported (default: nowhere) */
  telemetry?: Telemetry;
}

export interface Catalog extends CatalogContext {
  objects: ObjectStore;
  close(): Promise<void>;
}

export async function openCatalog(options: OpenCatalogOptions): Promise<Catalog> {
  const { settings } = options;
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? cryptoRng;
  // first: an invalid warehouse or allowed location is a configuration error, before any I/O
  const telemetry = options.telemetry ?? silentTelemetry;
  const warehouse = new Warehouse(options.warehouseUrl, settings.storage, {
    allowedLocations: splitAllowedLocations(settings.server.allowed_locations),
    log: telemetry.log,
  });
  // key configuration errors come before anything is opened
  const encryption = openKeyProvider(settings.encryption);
  const opened = options.objects ?? openObjectStore(settings.storage.object_store_url, settings.storage);
  // the catalog log's requests are counted by backend, operation and outcome when someone listens
  const objects = options.telemetry ? new InstrumentedObjectStore(opened, telemetry.metrics) : opened;
  if (options.checkObjects) {
    try {
      await options.checkObjects(objects);
    } catch (error) {
      await objects.close();
      throw error;
    }
  }
  const store = await CatalogStore.open(objects, {
    clock,
    rng,
    replicaId: options.replicaId,
    create: options.create ?? true,
    checkpointInterval: settings.catalog.checkpoint_interval,
    consistency: settings.catalog.consistency,
    maxStalenessMs: settings.catalog.max_staleness_ms,
    encryption,
    telemetry,
  });

  const catalog: Catalog = {
    store,
    warehouse,
    clock,
    rng,
    objects,
    warehouseUrl: options.warehouseUrl.replace(/\/+$/, ''),
    deleteGuard: deleteGuardOf(store, settings),
    telemetry,
    async close() {
      await purgeRunner.stop();
      await store.close();
      await warehouse.close();
      await objects.close();
    },
  };
  // pending purges (also those left by a crash) are finished by a serving catalog
  const purgeRunner = startPurgeRunner(catalog);
  return catalog;
}

/** Why this catalog may not delete files it did not write, or undefined when it may. */
function deleteGuardOf(store: CatalogStore, settings: Settings): string | undefined {
  const from = store.identity.restoredFrom;
  if (!from || from.allowPurge || settings.catalog.allow_purge_of_restored) return undefined;
  return (
    `this catalog was restored from catalog ${from.catalogId} (seq ${from.seq}) and may share its warehouse, so it deletes no table files; ` +
    'allow it with `floe restore --allow-purge` or [catalog] allow_purge_of_restored = true (FLOE_ALLOW_PURGE_OF_RESTORED)'
  );
}

/**
 * memory:// → a fresh local temp directory (given by the caller, so engines on this machine can
 * write data); file:///root → file:///root/warehouse; cloud URL → <storage URL>/warehouse.
 */
export function defaultWarehouseUrl(storageUrl: string, makeTempDir: () => string): string {
  const url = parseStorageUrl(storageUrl);
  if (url.backend === 'memory') return `file://${makeTempDir()}`;
  return joinUrl(url.display, 'warehouse');
}
