// What every catalog operation needs: the store (state + commits), the warehouse (metadata
// files), the injected clock and randomness, and the default warehouse location.
import type { IcebergError } from '../iceberg/index.js';
import type { CatalogStore, Consistency } from '../store/index.js';
import type { Clock, Result, Rng, Telemetry } from '../util/index.js';
import { fromIceberg, toCatalogError } from './dependency-errors.js';
import type { Warehouse } from './warehouse.js';

export interface CatalogContext {
  store: CatalogStore;
  warehouse: Warehouse;
  clock: Clock;
  rng: Rng;
  /** e.g. file:///var/lib/floe/warehouse, no trailing '/' */
  warehouseUrl: string;
  /**
   * Set when this catalog must not delete table files it did not write in the request at hand
   * (a restored catalog, which may share its warehouse with its source): why, for the error.
   * Purges are refused and old metadata files are left in place.
   */
  deleteGuard?: string;
  /** where background work and best-effort steps report failures (default silentTelemetry) */
  telemetry?: Telemetry;
}

/** Whether files that earlier commits (maybe another catalog's) wrote may be deleted. */
export const mayDeleteExistingFiles = (ctx: CatalogContext): boolean => ctx.deleteGuard === undefined;

/** Brings the state up to the consistency a request asked for (absent: the configured one). */
export async function readBarrier(ctx: CatalogContext, consistency: Consistency | undefined): Promise<void> {
  try {
    await ctx.store.sync(consistency);
  } catch (error) {
    throw toCatalogError(error) ?? error;
  }
}

/** The value of a pure-layer result, or the protocol error for its failure. */
export function unwrap<T>(result: Result<T, IcebergError>): T {
  if (!result.ok) throw fromIceberg(result.error);
  return result.value;
}
