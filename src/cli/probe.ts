// On cloud backends, refuse to start when the backend ignores conditional writes: the commit
// log would silently lose commits on it.
import { explainFailure, probeConditionalWrites, type ObjectStore } from '../objectstore/index.js';
import { CATALOG_KEY, StoreUnavailable } from '../store/index.js';

export async function probeBeforeServe(objects: ObjectStore): Promise<void> {
  if (objects.backend === 'memory' || objects.backend === 'file') return;
  const verdict = await probeConditionalWrites(objects);
  if (!verdict.ok) throw new Error(verdict.message);
}

/**
 * Read-only commands (status, backup) on a cloud root: one HEAD first, so an unreachable
 * endpoint, a missing bucket or missing credentials get the same hint serve gives.
 */
export async function checkReadable(objects: ObjectStore): Promise<void> {
  if (objects.backend === 'memory' || objects.backend === 'file') return;
  const found = await objects.head(CATALOG_KEY);
  if (found.kind === 'unknown') throw new StoreUnavailable(explainFailure(objects.displayUrl, `read ${CATALOG_KEY}`, found));
}
