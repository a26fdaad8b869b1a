// What every catalog operation needs: the store (state + commits), the warehouse (metadata
// files), the injected clock and randomness, and the default warehouse location.
import { AsyncLocalStorage } from 'node:async_hooks';
import { IcebergError } from '../iceberg/index.js';
import {
  CommitQueueFull, CommitStateUnknown, CommitUnavailable, EntryTooLarge, StoreUnavailable,
  type CatalogState, type CatalogStore, type Consistency, type Prepare, type Prepared,
} from '../store/index.js';
import type { Clock, Result, Rng } from '../util/index.js';
import { CatalogError } from './errors.js';
import { rethrowRecordedFailure, withIdempotency } from './idempotency.js';
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
}

/** Whether files that earlier commits (maybe another catalog's) wrote may be deleted. */
export const mayDeleteExistingFiles = (ctx: CatalogContext): boolean => ctx.deleteGuard === undefined;

export function fromIceberg(error: IcebergError): CatalogError {
  switch (error.kind) {
    case 'invalid':
      return new CatalogError('IllegalArgument', error.message, error.javaType);
    case 'conflict':
    case 'retryable':
      return new CatalogError('CommitFailed', error.message);
    case 'unsupported':
      return new CatalogError('Unsupported', error.message);
  }
}

/** Turns store outcomes into protocol errors; everything else passes through. */
export function fromStore(error: unknown): unknown {
  if (error instanceof IcebergError) return fromIceberg(error);
  if (error instanceof CommitStateUnknown) return new CatalogError('CommitStateUnknown', error.message);
  if (error instanceof CommitQueueFull || error instanceof CommitUnavailable) {
    return new CatalogError('ServiceUnavailable', error.message, undefined, error.retryAfterSeconds);
  }
  if (error instanceof EntryTooLarge) return new CatalogError('PayloadTooLarge', error.message);
  if (error instanceof StoreUnavailable) return new CatalogError('ServiceUnavailable', error.message, undefined, 1);
  return error;
}

/** Runs a store commit (recording its outcome under an Idempotency-Key in scope) and maps failures. */
export async function commit<R>(ctx: CatalogContext, prepare: Prepare<R>): Promise<R> {
  let result: R;
  try {
    result = await ctx.store.commit(withIdempotency(prepare, () => ctx.clock.nowMs()));
  } catch (error) {
    throw fromStore(error);
  }
  return rethrowRecordedFailure(result);
}

/** A request may ask for another read consistency than the configured one (x-floe-consistency). */
const requestConsistency = new AsyncLocalStorage<Consistency>();

export const withConsistency = <T>(mode: Consistency | undefined, fn: () => Promise<T>): Promise<T> =>
  mode === undefined ? fn() : requestConsistency.run(mode, fn);

export async function readBarrier(ctx: CatalogContext): Promise<void> {
  try {
    await ctx.store.sync(requestConsistency.getStore());
  } catch (error) {
    throw fromStore(error);
  }
}

/** The value of a pure-layer result, or the protocol error for its failure. */
export function unwrap<T>(result: Result<T, IcebergError>): T {
  if (!result.ok) throw fromIceberg(result.error);
  return result.value;
}

/** Deletes metadata files written by an attempt that will never be committed (each was checked when written). */
export async function discard(ctx: CatalogContext, written: string[]): Promise<void> {
  for (const location of written.splice(0)) await ctx.warehouse.delete(location, undefined);
}

/**
 * Runs a commit whose attempts may write metadata files; files of attempts that did not land are
 * deleted, except when the outcome is unknown, because then the pointer may reference them.
 */
export async function commitWriting<R>(
  ctx: CatalogContext,
  attempt: (state: CatalogState, written: string[]) => Promise<Prepared<R>>,
): Promise<R> {
  const written: string[] = [];
  try {
    return await commit<R>(ctx, async (state) => {
      await discard(ctx, written);
      return attempt(state, written);
    });
  } catch (error) {
    if (!(error instanceof CatalogError && error.code === 'CommitStateUnknown')) await discard(ctx, written);
    throw error;
  }
}
