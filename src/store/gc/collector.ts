// Garbage collection of the log and of old checkpoints. Any replica may run it, and concurrent
// runs are safe: each run computes what may go, advances gc/boundary by compare-and-swap, and
// only then deletes at or below the boundary it stored. Age is judged by the object store's
// own clock (lastModified of a probe object written now, versus lastModified of the
// candidates), never by the host clock, so replicas need not agree on the time.
import { GC_CHECKPOINTS_KEPT, GC_DELETES_PER_RUN_MAX, GC_LIST_PAGE_MAX, GC_MIN_AGE_MS_DEFAULT } from '../../config/index.js';
import { listAll, type ObjectStore } from '../../objectstore/index.js';
import { CHECKPOINT_PREFIX, LOG_PREFIX, checkpointKey, logKey, seqOfKey } from '../layout.js';
import { readHint } from '../hint.js';
import { advanceBoundary, type GcBoundary } from './boundary.js';

export const GC_CLOCK_PROBE_KEY = 'gc/clock-probe';

export interface GcOptions {
  minAgeMs?: number;
  checkpointsKept?: number;
  deletesMax?: number;
}

/** `skipped`: nothing to collect yet; `failed`: the store did not answer (logged by the caller). */
export type GcReport =
  | { kind: 'collected'; boundary: GcBoundary; deletedLog: number; deletedCheckpoints: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; reason: string };

/** One GC run. Never throws for store trouble: a failed run deletes less, and the next one continues. */
export async function collectGarbage(objects: ObjectStore, options: GcOptions = {}): Promise<GcReport> {
  const minAgeMs = options.minAgeMs ?? GC_MIN_AGE_MS_DEFAULT;
  const kept = Math.max(1, options.checkpointsKept ?? GC_CHECKPOINTS_KEPT);
  const deletesMax = options.deletesMax ?? GC_DELETES_PER_RUN_MAX;

  const storeNowMs = await storeTime(objects);
  if (storeNowMs === undefined) return { kind: 'failed', reason: 'cannot read the store clock' };
  const listed = await listAll(objects, CHECKPOINT_PREFIX);
  if (!Array.isArray(listed)) return { kind: 'failed', reason: `cannot list checkpoints: ${listed.cause.message}` };
  const hint = await readHint(objects);
  const seqs = listed.map((o) => seqOfKey(o.key)).filter((s): s is number => s !== undefined).sort((a, b) => a - b);
  // the newest `kept` checkpoints and whatever the hint names stay; the log above the oldest
  // checkpoint we keep stays too, so every replica can start from a kept checkpoint
  const newestDeletable = seqs.length - kept; // index of the oldest kept checkpoint
  if (newestDeletable < 0) return { kind: 'skipped', reason: 'too few checkpoints' };
  const keepFrom = await newestOldEnough(objects, seqs.slice(0, newestDeletable + 1).filter((s) => !hint || s <= hint.seq), storeNowMs, minAgeMs);
  if (keepFrom === undefined) return { kind: 'skipped', reason: 'nothing older than min_age' };
  const checkpointsThrough = await oldCheckpointsThrough(objects, seqs.filter((s) => s < keepFrom), storeNowMs, minAgeMs);

  const advanced = await advanceBoundary(objects, { logDeletedThrough: keepFrom, checkpointsDeletedThrough: checkpointsThrough });
  if (advanced.kind === 'unknown') return { kind: 'failed', reason: `cannot advance gc/boundary: ${advanced.cause.message}` };
  // from here on, deleting at or below the stored boundary is safe whatever else happens
  const boundary = advanced.boundary;
  const deletedLog = await deleteThrough(objects, LOG_PREFIX, boundary.logDeletedThrough, deletesMax);
  const deletedCheckpoints = await deleteThrough(objects, CHECKPOINT_PREFIX, boundary.checkpointsDeletedThrough, deletesMax);
  return { kind: 'collected', boundary, deletedLog, deletedCheckpoints };
}

/** The store's own "now": the lastModified of an object we write this instant. */
async function storeTime(objects: ObjectStore): Promise<number | undefined> {
  const put = await objects.put(GC_CLOCK_PROBE_KEY, Buffer.from('{}'));
  if (put.kind !== 'created') return undefined;
  const head = await objects.head(GC_CLOCK_PROBE_KEY);
  return head.kind === 'found' ? head.lastModifiedMs : undefined;
}

/**
 * The highest checkpoint seq whose log entry is older than min_age (binary search: log
 * entries are created in seq order, so age falls as seq rises). A log entry already gone was
 * collected before, hence old.
 */
async function newestOldEnough(objects: ObjectStore, seqs: number[], storeNowMs: number, minAgeMs: number): Promise<number | undefined> {
  let lo = 0;
  let hi = seqs.length - 1;
  let best: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const head = await objects.head(logKey(seqs[mid]!));
    if (head.kind === 'unknown') return best;
    const old = head.kind === 'notFound' || storeNowMs - head.lastModifiedMs >= minAgeMs;
    if (old) {
      best = seqs[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** Checkpoints below the kept one may go up to the first that is still young (a late writer's). */
async function oldCheckpointsThrough(objects: ObjectStore, seqs: number[], storeNowMs: number, minAgeMs: number): Promise<number> {
  let through = 0;
  for (const seq of seqs) {
    const head = await objects.head(checkpointKey(seq));
    if (head.kind === 'unknown') break;
    if (head.kind === 'found' && storeNowMs - head.lastModifiedMs < minAgeMs) break;
    through = seq;
  }
  return through;
}

/** Deletes objects under `prefix` with seq <= `through`, oldest first; deletes are idempotent. */
async function deleteThrough(objects: ObjectStore, prefix: string, through: number, deletesMax: number): Promise<number> {
  let deleted = 0;
  let startAfter: string | undefined;
  while (deleted < deletesMax) {
    const page = await objects.list(prefix, { startAfter, limit: Math.min(GC_LIST_PAGE_MAX, deletesMax - deleted) });
    if (page.kind === 'unknown') return deleted;
    for (const object of page.objects) {
      const seq = seqOfKey(object.key);
      if (seq === undefined) continue;
      if (seq > through) return deleted;
      const outcome = await objects.delete(object.key);
      if (outcome.kind === 'unknown') return deleted;
      deleted++;
    }
    if (page.nextStartAfter === undefined) return deleted;
    startAfter = page.nextStartAfter;
  }
  return deleted;
}
