// Materialises the catalog state at one sequence S by reading only: the newest checkpoint at
// or below S, then the log entries after it, each checked against the `prev` chain. Entries
// and checkpoints are immutable, so the result is exactly the state every replica held at S,
// however many commits land while we read.
import { listAll, type ObjectStore } from '../../objectstore/index.js';
import { StoreUnavailable } from '../errors.js';
import {
  CATALOG_KEY, CHECKPOINT_PREFIX, CHECKPOINT_VERSION, CorruptStore, GC_BOUNDARY_KEY, STORE_FORMAT, checkpointKey, decodeCheckpoint, decodeEntry,
  logKey, seqOfKey, sha256, type CatalogIdentity, type Checkpoint,
} from '../layout.js';
import { CatalogState } from '../state.js';
import { readBoundary } from '../gc/index.js';
import { firstEntryAfter, logHole } from '../log-hole.js';
import { BACKUP_FETCH_PARALLEL_MAX } from '../../config/index.js';
import { emptySnapshot, replayEntry } from './replay.js';

export type SnapshotTarget = { kind: 'head' } | { kind: 'seq'; seq: number } | { kind: 'time'; atMs: number };

export interface CatalogSnapshot {
  storage: string;
  identityBytes: Buffer;
  identity: CatalogIdentity;
  /** the state the log is replayed from: a checkpoint, or the empty catalog at seq 0 */
  base: Checkpoint;
  /** stored bytes of entries base.seq+1 .. seq */
  entries: { seq: number; bytes: Buffer }[];
  state: CatalogState;
  seq: number;
  entryHash: string;
  entryTs: number;
}

export type SnapshotOutcome = { kind: 'snapshot'; snapshot: CatalogSnapshot } | { kind: 'unavailable'; reason: string };

export interface SnapshotProgress {
  (event: { entries: number; bytes: number }): void;
}

/** Reads the state at `target`; `unavailable` when that point is no longer (or not yet) covered. */
export async function readSnapshot(objects: ObjectStore, target: SnapshotTarget, onProgress?: SnapshotProgress): Promise<SnapshotOutcome> {
  const identityBytes = await mustGet(objects, CATALOG_KEY);
  if (!identityBytes) return { kind: 'unavailable', reason: `${objects.displayUrl} is not a Floe catalog root (no ${CATALOG_KEY})` };
  const identity = parseIdentity(identityBytes);

  const checkpointSeqs = await listCheckpointSeqs(objects);
  const chosen = await chooseBase(objects, identity, identityBytes, checkpointSeqs, target);
  if (chosen.kind === 'unavailable') return chosen;
  const base = chosen.base;

  const state = CatalogState.fromSnapshot(base.state);
  const entries: { seq: number; bytes: Buffer }[] = [];
  let headHash = base.entryHash;
  let headTs = base.ts;
  let seq = base.seq;
  let bytesRead = 0;
  const limitSeq = target.kind === 'seq' ? target.seq : Number.MAX_SAFE_INTEGER;
  let gap = false;
  reading: while (seq < limitSeq) {
    const window = Math.min(BACKUP_FETCH_PARALLEL_MAX, limitSeq - seq);
    const fetched = await Promise.all(Array.from({ length: window }, (_, i) => objects.get(logKey(seq + 1 + i))));
    for (const found of fetched) {
      const key = logKey(seq + 1);
      // the first gap is the head: anything found after it landed while we were reading
      if (found.kind === 'notFound') {
        gap = true;
        break reading;
      }
      if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${key}: ${found.cause.message}`);
      const entry = decodeEntry(found.body, key);
      if (entry.seq !== seq + 1) throw new CorruptStore(`log entry ${key} says seq ${entry.seq}, expected ${seq + 1}`);
      if (entry.prev !== headHash) throw new CorruptStore(`broken chain at seq ${entry.seq} (${objects.displayUrl}/${key})`);
      if (target.kind === 'time' && entry.ts > target.atMs) break reading;
      const why = replayEntry(state, entry);
      if (why) throw new CorruptStore(`log entry ${key} does not apply (${why})`);
      entries.push({ seq: entry.seq, bytes: found.body });
      headHash = sha256(found.body);
      headTs = entry.ts;
      seq = entry.seq;
      bytesRead += found.body.length;
      onProgress?.({ entries: entries.length, bytes: bytesRead });
    }
  }
  if (gap) {
    // a hole GC made is not the head: the boundary moves before any delete, so reading it
    // after the miss tells the two apart
    const boundary = await readBoundary(objects);
    if (boundary.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${GC_BOUNDARY_KEY}: ${boundary.cause.message}`);
    if (seq + 1 <= boundary.boundary.logDeletedThrough) {
      return { kind: 'unavailable', reason: `log entry ${seq + 1} was collected by GC while the backup read it (${GC_BOUNDARY_KEY} is at ${boundary.boundary.logDeletedThrough}); retry for a newer point` };
    }
    // nor is a hole nobody collected: entries beyond it would be silently left out
    const next = await firstEntryAfter(objects, seq);
    if (next.kind === 'unknown') throw new StoreUnavailable(`cannot list ${objects.displayUrl}/log/: ${next.cause.message}`);
    if (next.kind === 'entry' && next.seq > seq + 1) throw logHole(objects, seq, next.key);
  }
  if (target.kind === 'seq' && seq < target.seq) {
    return { kind: 'unavailable', reason: `seq ${target.seq} is beyond the head of the catalog (${seq})` };
  }
  return {
    kind: 'snapshot',
    snapshot: { storage: objects.displayUrl, identityBytes, identity, base, entries, state, seq, entryHash: headHash, entryTs: headTs },
  };
}

type BaseChoice = { kind: 'base'; base: Checkpoint } | { kind: 'unavailable'; reason: string };

async function chooseBase(
  objects: ObjectStore,
  identity: CatalogIdentity,
  identityBytes: Buffer,
  checkpointSeqs: number[],
  target: SnapshotTarget,
): Promise<BaseChoice> {
  const oldest = checkpointSeqs[0];
  // Newest first: the first checkpoint that is not after the target is the base.
  for (const seq of [...checkpointSeqs].reverse()) {
    if (target.kind === 'seq' && seq > target.seq) continue;
    const checkpoint = await readCheckpoint(objects, seq, identity);
    if (!checkpoint) continue; // collected since we listed: an older one will do
    if (target.kind === 'time' && checkpoint.ts > target.atMs) continue;
    return { kind: 'base', base: checkpoint };
  }
  // No checkpoint at or before the target: only the empty catalog at seq 0 can be the base,
  // and only while entry 1 is still kept (a restored catalog's log starts after its checkpoint).
  const emptyBase: Checkpoint = {
    v: CHECKPOINT_VERSION, catalogId: identity.catalogId, seq: 0, entryHash: sha256(identityBytes), ts: 0, state: emptySnapshot(),
  };
  const first = await objects.head(logKey(1));
  if (first.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${logKey(1)}: ${first.cause.message}`);
  const logFromOne = first.kind === 'found';
  const retained = oldest === undefined ? 'no checkpoint is retained' : `the oldest retained checkpoint is seq ${oldest}`;
  if (target.kind === 'time') {
    if (target.atMs < Date.parse(identity.createdAt)) {
      return { kind: 'unavailable', reason: `${new Date(target.atMs).toISOString()} is before the catalog was created (${identity.createdAt})` };
    }
    if (logFromOne || oldest === undefined) return { kind: 'base', base: emptyBase };
    return { kind: 'unavailable', reason: `${new Date(target.atMs).toISOString()} is before the oldest retained point: ${retained} and the log before it was collected` };
  }
  if (logFromOne || (oldest === undefined && !identity.restoredFrom)) return { kind: 'base', base: emptyBase };
  const wanted = target.kind === 'seq' ? target.seq : 0;
  return {
    kind: 'unavailable',
    reason: `seq ${wanted} is before the oldest retained point: ${retained} and the log before it was collected; choose --at-seq ${oldest ?? 'N'} or later`,
  };
}

async function listCheckpointSeqs(objects: ObjectStore): Promise<number[]> {
  const listed = await listAll(objects, CHECKPOINT_PREFIX);
  if (!Array.isArray(listed)) throw new StoreUnavailable(`cannot list ${objects.displayUrl}/${CHECKPOINT_PREFIX}: ${listed.cause.message}`);
  return listed
    .map((o) => (o.key === checkpointKey(seqOfKey(o.key) ?? -1) ? seqOfKey(o.key) : undefined))
    .filter((s): s is number => s !== undefined)
    .sort((a, b) => a - b);
}

async function readCheckpoint(objects: ObjectStore, seq: number, identity: CatalogIdentity): Promise<Checkpoint | undefined> {
  const key = checkpointKey(seq);
  const bytes = await mustGet(objects, key);
  if (!bytes) return undefined;
  const checkpoint = decodeCheckpoint(bytes, key);
  if (checkpoint.seq !== seq) throw new CorruptStore(`checkpoint ${key} says seq ${checkpoint.seq}`);
  if (checkpoint.catalogId !== identity.catalogId) {
    throw new CorruptStore(`checkpoint ${key} belongs to catalog ${checkpoint.catalogId}, not ${identity.catalogId}`);
  }
  return checkpoint;
}

async function mustGet(objects: ObjectStore, key: string): Promise<Buffer | undefined> {
  const found = await objects.get(key);
  if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${key}: ${found.cause.message}`);
  return found.kind === 'found' ? found.body : undefined;
}

function parseIdentity(bytes: Buffer): CatalogIdentity {
  let identity: CatalogIdentity;
  try {
    identity = JSON.parse(bytes.toString('utf8')) as CatalogIdentity;
  } catch {
    // not swallowed: reported as corruption naming the object
    throw new CorruptStore(`${CATALOG_KEY} is not valid JSON`);
  }
  if (identity?.format !== STORE_FORMAT || typeof identity.catalogId !== 'string') {
    throw new CorruptStore(`${CATALOG_KEY} is not a Floe catalog identity`);
  }
  return identity;
}
