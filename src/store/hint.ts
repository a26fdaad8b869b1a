// `_last_checkpoint`: an advisory pointer to the newest checkpoint. It only moves forward (by
// compare-and-swap); readers verify the checkpoint's sha256 and probe forward from it, so a
// stale or missing hint costs time, never correctness.
import { HINT_CAS_ATTEMPTS_MAX } from '../config/index.js';
import type { ObjectStore } from '../objectstore/index.js';
import { LAST_CHECKPOINT_KEY, encodeJson, seqOfKey, type CheckpointHint } from './layout.js';

export async function readHint(objects: ObjectStore): Promise<(CheckpointHint & { etag: string }) | undefined> {
  const found = await objects.get(LAST_CHECKPOINT_KEY);
  if (found.kind !== 'found') return undefined;
  try {
    const hint = JSON.parse(found.body.toString('utf8')) as CheckpointHint;
    if (!Number.isSafeInteger(hint.seq) || typeof hint.key !== 'string' || seqOfKey(hint.key) !== hint.seq) return undefined;
    return { ...hint, etag: found.etag };
  } catch {
    return undefined; // advisory only: a malformed hint is no hint, and readers fall back to listing
  }
}

/** Moves `_last_checkpoint` forward (never back) with compare-and-swap. */
export async function advanceHint(objects: ObjectStore, hint: CheckpointHint): Promise<void> {
  for (let attempt = 0; attempt < HINT_CAS_ATTEMPTS_MAX; attempt++) {
    const current = await readHint(objects);
    if (current && current.seq >= hint.seq) return;
    const bytes = encodeJson(hint);
    const outcome = current
      ? await objects.putIfMatch(LAST_CHECKPOINT_KEY, bytes, current.etag)
      : await objects.putIfAbsent(LAST_CHECKPOINT_KEY, bytes);
    if (outcome.kind === 'created') return;
  }
}
