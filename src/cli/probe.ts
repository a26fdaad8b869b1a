// On cloud backends, refuse to start when the backend ignores conditional writes: the commit
// log would silently lose commits on it.
import { probeConditionalWrites, type ObjectStore } from '../objectstore/index.js';

export async function probeBeforeServe(objects: ObjectStore): Promise<void> {
  if (objects.backend === 'memory' || objects.backend === 'file') return;
  const verdict = await probeConditionalWrites(objects);
  if (!verdict.ok) throw new Error(verdict.message);
}
