// gc/boundary: the highest log entry and checkpoint that garbage collection may have deleted.
// It only moves forward, by compare-and-swap, and always BEFORE the deletes it allows, so a
// reader that sees `seq > logDeletedThrough` after an observation knows the observation was not
// of a hole left by GC nor of an entry re-created after collection (the two ABA hazards).
import { BOUNDARY_CAS_ATTEMPTS_MAX } from '../../config/index.js';
import type { ObjectStore, Unknown } from '../../objectstore/index.js';
import { CorruptStore, GC_BOUNDARY_KEY, encodeJson } from '../layout.js';

export interface GcBoundary {
  logDeletedThrough: number;
  checkpointsDeletedThrough: number;
}

export const NO_BOUNDARY: GcBoundary = { logDeletedThrough: 0, checkpointsDeletedThrough: 0 };

export type BoundaryRead = { kind: 'found'; boundary: GcBoundary; etag: string } | { kind: 'absent'; boundary: GcBoundary } | Unknown;

/** Reads the boundary; a malformed one fails closed, since every safety argument leans on it. */
export async function readBoundary(objects: ObjectStore): Promise<BoundaryRead> {
  const found = await objects.get(GC_BOUNDARY_KEY);
  if (found.kind === 'notFound') return { kind: 'absent', boundary: NO_BOUNDARY };
  if (found.kind === 'unknown') return found;
  return { kind: 'found', boundary: decodeBoundary(found.body), etag: found.etag };
}

export function decodeBoundary(bytes: Buffer): GcBoundary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    // not swallowed: a boundary that does not parse fails the store closed
    throw new CorruptStore(`${GC_BOUNDARY_KEY} is not valid JSON`);
  }
  const b = parsed as Partial<GcBoundary> | null;
  if (
    typeof b !== 'object' || b === null || !Number.isSafeInteger(b.logDeletedThrough) || !Number.isSafeInteger(b.checkpointsDeletedThrough) ||
    b.logDeletedThrough! < 0 || b.checkpointsDeletedThrough! < 0
  ) {
    throw new CorruptStore(`${GC_BOUNDARY_KEY} is malformed`);
  }
  return { logDeletedThrough: b.logDeletedThrough!, checkpointsDeletedThrough: b.checkpointsDeletedThrough! };
}

export type AdvanceOutcome = { kind: 'advanced'; boundary: GcBoundary } | Unknown;

/**
 * Moves the boundary to at least `target` (component-wise max, never lower) and returns the
 * boundary now stored. Only after `advanced` may the caller delete at or below it. An unknown
 * outcome means "do not delete": the boundary may or may not have moved, which is harmless.
 */
export async function advanceBoundary(objects: ObjectStore, target: GcBoundary): Promise<AdvanceOutcome> {
  for (let attempt = 0; attempt < BOUNDARY_CAS_ATTEMPTS_MAX; attempt++) {
    const current = await readBoundary(objects);
    if (current.kind === 'unknown') return current;
    const next: GcBoundary = {
      logDeletedThrough: Math.max(current.boundary.logDeletedThrough, target.logDeletedThrough),
      checkpointsDeletedThrough: Math.max(current.boundary.checkpointsDeletedThrough, target.checkpointsDeletedThrough),
    };
    if (
      next.logDeletedThrough === current.boundary.logDeletedThrough &&
      next.checkpointsDeletedThrough === current.boundary.checkpointsDeletedThrough
    ) {
      return { kind: 'advanced', boundary: next };
    }
    const bytes = encodeJson(next);
    const outcome = current.kind === 'found'
      ? await objects.putIfMatch(GC_BOUNDARY_KEY, bytes, current.etag)
      : await objects.putIfAbsent(GC_BOUNDARY_KEY, bytes);
    if (outcome.kind === 'created') return { kind: 'advanced', boundary: next };
    if (outcome.kind === 'unknown') return outcome;
    // mismatch / exists / notFound: another collector moved it; read again and merge
  }
  return { kind: 'unknown', cause: new Error(`${GC_BOUNDARY_KEY}: lost ${BOUNDARY_CAS_ATTEMPTS_MAX} compare-and-swap races`), retryable: true };
}
