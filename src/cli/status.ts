// `floe status`: identity, head, last checkpoint and entity counts of a catalog root, read-only.
import type { Settings } from '../config/index.js';
import { openObjectStore } from '../objectstore/index.js';
import { activeSigningKey } from '../catalog/index.js';
import { CatalogStore, openKeyProvider, scanEncryption, type CatalogIdentity } from '../store/index.js';
import { existsSync, statSync } from 'node:fs';
import { parseStorageUrl } from '../objectstore/index.js';
import { checkReadable } from './probe.js';

export interface StatusReport {
  storage: string;
  catalogId: string;
  createdAt: string;
  restoredFrom?: CatalogIdentity['restoredFrom'];
  headSeq: number;
  lastCheckpointSeq: number;
  counts: ReturnType<CatalogStore['state']['counts']>;
  chain: 'verified';
  encryption: EncryptionStatus;
  /** built-in principals and token signing keys ([auth] mode builtin) */
  principals: { count: number; activeSigningKey?: string; retiredSigningKeys: number };
}

export interface EncryptionStatus {
  on: boolean;
  algorithm?: string;
  activeKey?: string;
  keys?: { id: string; retired: boolean; objects: number }[];
  /** objects the store wrote that are still plaintext (until checkpoint + GC or `floe keys rewrap`) */
  plaintextObjects: number;
}

export async function status(settings: Settings): Promise<StatusReport> {
  const url = parseStorageUrl(settings.storage.object_store_url);
  if (url.backend === 'file') {
    if (!existsSync(url.bucket)) throw new Error(`storage directory ${url.bucket} does not exist: check the path, or start \`floe serve --storage ${url.display}\` to create a catalog there`);
    if (!statSync(url.bucket).isDirectory()) throw new Error(`${url.bucket} is not a directory`);
  }
  const encryption = openKeyProvider(settings.encryption);
  const objects = openObjectStore(settings.storage.object_store_url, settings.storage);
  try {
    await checkReadable(objects);
    const store = await CatalogStore.open(objects, { create: false, encryption });
    await store.close();
    const scan = await scanEncryption(objects);
    const record = store.encryption;
    return {
      storage: objects.displayUrl,
      catalogId: store.identity.catalogId,
      createdAt: store.identity.createdAt,
      ...(store.identity.restoredFrom && { restoredFrom: store.identity.restoredFrom }),
      headSeq: store.headSeq,
      lastCheckpointSeq: store.lastCheckpoint,
      counts: store.state.counts(),
      chain: 'verified',
      principals: {
        count: store.state.principals.size,
        ...(activeSigningKey(store.state) && { activeSigningKey: activeSigningKey(store.state)!.kid }),
        retiredSigningKeys: [...store.state.signingKeys.values()].filter((k) => k.notAfterMs !== undefined).length,
      },
      encryption: record
        ? {
            on: true,
            algorithm: record.algorithm,
            activeKey: record.active,
            keys: record.keys.map((k) => ({ id: k.id, retired: k.retired, objects: scan.byKey[k.id] ?? 0 })),
            plaintextObjects: scan.plaintext,
          }
        : { on: false, plaintextObjects: scan.plaintext },
    };
  } finally {
    await objects.close();
  }
}
