// Restore: writes a validated backup into an empty root as a new catalog that continues the
// old chain — a new catalog.json (new catalogId, restoredFrom), the state as the checkpoint at
// seq S carrying the old entry hash, and the hint — so the next commit is S+1 and chains on S.
// Only create-if-absent writes: restore never overwrites or deletes anything.
import type { ObjectStore } from '../../objectstore/index.js';
import { cryptoRng, systemClock, type Clock, type Rng } from '../../util/index.js';
import { advanceHint } from '../hint.js';
import { StoreUnavailable } from '../errors.js';
import {
  CATALOG_KEY, CHECKPOINT_PREFIX, GC_BOUNDARY_KEY, LAST_CHECKPOINT_KEY, LOG_PREFIX, STORE_FORMAT, STORE_FORMAT_VERSION, checkpointKey,
  encodeCheckpoint, encodeJson, sha256, type CatalogIdentity, type Checkpoint,
} from '../layout.js';
import type { ValidBackup } from './validate.js';
import { EncryptedObjectStore, makeKeyCheck } from '../encryption/index.js';
import type { EncryptionConfig } from '../encryption/index.js';

export interface RestoreOptions {
  /** restore beside foreign objects in a non-empty root (never over a Floe catalog) */
  force?: boolean;
  /** let the restored catalog delete table files it did not write (recorded in restoredFrom) */
  allowPurge?: boolean;
  clock?: Clock;
  rng?: Rng;
  /** the target's keys: the restored catalog is created encrypted under its active key */
  encryption?: EncryptionConfig;
}

export type RestoreOutcome =
  | { kind: 'restored'; identity: CatalogIdentity; seq: number; objectsWritten: string[] }
  | { kind: 'refused'; reason: string };

const FLOE_KEYS = [CATALOG_KEY, LAST_CHECKPOINT_KEY, GC_BOUNDARY_KEY];
const FLOE_PREFIXES = [LOG_PREFIX, CHECKPOINT_PREFIX];

export async function restoreBackup(backup: ValidBackup, target: ObjectStore, options: RestoreOptions = {}): Promise<RestoreOutcome> {
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? cryptoRng;
  const occupied = await describeTarget(target);
  if (occupied.floe) {
    return {
      kind: 'refused',
      reason: `${target.displayUrl} already holds a Floe catalog (${occupied.floe}); restore never overwrites one, even with --force: restore into an empty root and point the servers at it`,
    };
  }
  if (occupied.foreign && !options.force) {
    return { kind: 'refused', reason: `${target.displayUrl} is not empty (found ${occupied.foreign}); pass --force to restore beside objects that are not a catalog` };
  }

  const { manifest, checkpoint: source } = backup;
  const identity: CatalogIdentity = {
    format: STORE_FORMAT,
    formatVersion: STORE_FORMAT_VERSION,
    catalogId: rng.uuid(),
    createdAt: new Date(clock.nowMs()).toISOString(),
    restoredFrom: {
      catalogId: manifest.catalogId,
      seq: manifest.seq,
      entryHash: manifest.entryHash,
      restoredAt: new Date(clock.nowMs()).toISOString(),
      allowPurge: Boolean(options.allowPurge),
    },
  };
  const { encryption } = options;
  if (encryption) {
    identity.encryption = {
      algorithm: 'AES-256-GCM',
      activeKey: encryption.activeKey,
      keyCheck: await makeKeyCheck(encryption.provider, identity.catalogId, encryption.activeKey),
    };
  }
  // everything but catalog.json goes through the target's encryption (plaintext without keys)
  const objects = new EncryptedObjectStore(target, encryption?.provider, identity.catalogId);
  objects.policy = { activeKey: () => encryption?.activeKey, plaintextRefused: () => encryption !== undefined, retired: () => false };
  const identityBytes = encodeJson(identity);
  const written: string[] = [];
  // catalog.json goes last: it is what makes the root a catalog, so a crash before it leaves
  // no catalog at all, never a catalog without its state
  if (manifest.seq > 0) {
    // the source's keys (and their check values, bound to its catalog id) are not the target's
    const { encryption: _sourceKeys, ...state } = source.state;
    const checkpoint: Checkpoint = { ...source, catalogId: identity.catalogId, state };
    const key = checkpointKey(checkpoint.seq);
    const bytes = encodeCheckpoint(checkpoint);
    const created = await objects.putIfAbsent(key, bytes);
    if (created.kind === 'exists') return { kind: 'refused', reason: `${target.displayUrl}/${key} appeared while restoring: another writer is using the root` };
    if (created.kind === 'unknown') throw new StoreUnavailable(`cannot write ${target.displayUrl}/${key}: ${created.cause.message}`);
    written.push(key);
    await advanceHint(objects, { seq: checkpoint.seq, key, sha256: sha256(bytes) });
    written.push(LAST_CHECKPOINT_KEY);
  }
  const created = await target.putIfAbsent(CATALOG_KEY, identityBytes);
  if (created.kind === 'exists') return { kind: 'refused', reason: `${target.displayUrl}/${CATALOG_KEY} appeared while restoring: another writer is using the root` };
  if (created.kind === 'unknown') throw new StoreUnavailable(`cannot write ${target.displayUrl}/${CATALOG_KEY}: ${created.cause.message}`);
  written.push(CATALOG_KEY);
  return { kind: 'restored', identity, seq: manifest.seq, objectsWritten: written };
}

/** What the root holds: a Floe catalog (and which key shows it), foreign objects, or nothing. */
async function describeTarget(target: ObjectStore): Promise<{ floe?: string; foreign?: string }> {
  for (const key of FLOE_KEYS) {
    const found = await target.head(key);
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${target.displayUrl}/${key}: ${found.cause.message}`);
    if (found.kind === 'found') return { floe: key };
  }
  for (const prefix of FLOE_PREFIXES) {
    const listed = await target.list(prefix, { limit: 1 });
    if (listed.kind === 'unknown') throw new StoreUnavailable(`cannot list ${target.displayUrl}/${prefix}: ${listed.cause.message}`);
    if (listed.objects.length > 0) return { floe: listed.objects[0]!.key };
  }
  const any = await target.list('', { limit: 1 });
  if (any.kind === 'unknown') throw new StoreUnavailable(`cannot list ${target.displayUrl}: ${any.cause.message}`);
  return any.objects.length > 0 ? { foreign: any.objects[0]!.key } : {};
}
