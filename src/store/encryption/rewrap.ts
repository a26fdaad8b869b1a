// Re-encryption: every object under the root that is plaintext or under a key other than the
// catalog's active one is opened and sealed again under the active key, replaced by
// compare-and-swap on its etag. The plaintext is unchanged, so the `prev` chain and checkpoint
// hashes stay valid and readers see no difference; afterwards old keys can be retired.
import type { EncryptionRecord } from '../effects.js';
import { StoreUnavailable } from '../errors.js';
import type { EncryptedObjectStore } from './encrypted-store.js';
import { scanEncryption } from './scan.js';

/** What re-encryption needs of a store (a CatalogStore): its keys as of the head, and its objects. */
export interface RewrapTarget {
  readonly encryption: EncryptionRecord | undefined;
  readonly objects: EncryptedObjectStore;
}

export interface RewrapReport {
  rewritten: number;
  /** changed or collected meanwhile: a replica rewrote it (under the active key) or GC took it */
  skipped: number;
}

export async function rewrapObjects(store: RewrapTarget, onProgress?: (done: number, total: number) => void): Promise<RewrapReport> {
  const active = store.encryption?.active;
  if (!active) throw new StoreUnavailable('this catalog is not encrypted: nothing to re-encrypt (configure encryption and start a serving replica to enable it)');
  const objects = store.objects;
  const scan = await scanEncryption(objects.inner);
  const keys = [...scan.keysOf.plaintext, ...Object.entries(scan.keysOf.byKey).filter(([id]) => id !== active).flatMap(([, k]) => k)];
  const report: RewrapReport = { rewritten: 0, skipped: 0 };
  for (const [index, key] of keys.entries()) {
    onProgress?.(index, keys.length);
    const found = await objects.inner.get(key);
    if (found.kind === 'notFound') {
      report.skipped++;
      continue;
    }
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${key}: ${found.cause.message}`);
    const plain = await objects.openObject(key, found.body);
    const sealed = await objects.sealObject(key, plain, active);
    const swapped = await objects.inner.putIfMatch(key, sealed, found.etag);
    if (swapped.kind === 'unknown') throw new StoreUnavailable(`cannot rewrite ${objects.displayUrl}/${key}: ${swapped.cause.message}`);
    if (swapped.kind === 'created') report.rewritten++;
    else report.skipped++;
  }
  return report;
}
