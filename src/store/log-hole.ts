// Probing finds the head as the first missing log entry, so a hole (an entry deleted by hand
// or lost) looks exactly like the head. One LIST past it tells them apart: an entry listed
// beyond the missing one means the entries after the hole cannot be replayed.
import { OPEN_TAIL_CHECK_KEYS_MAX } from '../config/index.js';
import type { ObjectStore, Unknown } from '../objectstore/index.js';
import { CorruptStore, LOG_PREFIX, logKey, seqOfKey } from './layout.js';

/** The first log entry listed after `seq` (stray keys under log/ skipped), if any. */
export async function firstEntryAfter(
  objects: ObjectStore,
  seq: number,
): Promise<{ kind: 'entry'; seq: number; key: string } | { kind: 'none' } | Unknown> {
  const listed = await objects.list(LOG_PREFIX, { startAfter: logKey(seq), limit: OPEN_TAIL_CHECK_KEYS_MAX });
  if (listed.kind === 'unknown') return listed;
  for (const { key } of listed.objects) {
    const found = seqOfKey(key);
    if (found !== undefined && key === logKey(found) && found > seq) return { kind: 'entry', seq: found, key };
  }
  return { kind: 'none' };
}

export function logHole(objects: ObjectStore, head: number, beyondKey: string): CorruptStore {
  const where = objects.displayUrl;
  const missing = head + 1;
  return new CorruptStore(
    `the log has a hole at seq ${missing}: ${where}/${logKey(missing)} is missing but ${where}/${beyondKey} exists beyond it ` +
    `(head ${head}); the entries after the hole cannot be replayed`,
  );
}
