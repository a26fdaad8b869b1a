// Opens everything the catalog service needs from the settings: the object store under the
// storage URL, the commit-log store on it, and the warehouse.
import type { Settings } from '../config/index.js';
import { joinUrl, openObjectStore, parseStorageUrl, type ObjectStore } from '../objectstore/index.js';
import { CatalogStore, openKeyProvider } from '../store/index.js';
import { cryptoRng, systemClock, type Clock, type Rng } from '../util/index.js';
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
}

export interface Catalog extends CatalogContext {
  objects: ObjectStore;
  close(): Promise<void>;
}

export async function openCatalog(options: OpenCatalogOptions): Promise<Catalog> {
  const { settings } = options;
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? cryptoRng;
  // key configuration errors come before anything is opened
  const encryption = openKeyProvider(settings.encryption);
  const objects = options.objects ?? openObjectStore(settings.storage.object_store_url, settings.storage);
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
    create: true,
    checkpointInterval: settings.catalog.checkpoint_interval,
    consistency: settings.catalog.consistency,
    maxStalenessMs: settings.catalog.max_staleness_ms,
    encryption,
  });
  const warehouse = new Warehouse(options.warehouseUrl, settings.storage);
  const catalog: Catalog = {
    store,
    warehouse,
    clock,
    rng,
    objects,
    warehouseUrl: options.warehouseUrl.replace(/\/+$/, ''),
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

/**
 * memory:// → a fresh local temp directory (given by the caller, so engines on this machine can
 * write data); file:///root → file:///root/warehouse; cloud URL → <storage URL>/warehouse.
 */
export function defaultWarehouseUrl(storageUrl: string, makeTempDir: () => string): string {
  const url = parseStorageUrl(storageUrl);
  if (url.backend === 'memory') return `file://${makeTempDir()}`;
  return joinUrl(url.display, 'warehouse');
}
