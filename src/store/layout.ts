// Keys, encodings and hashes of everything the store writes (docs/design/commit-log.md, "What is stored"). Entries are
// hashed over their exact stored bytes; the `prev` chain ties each entry to the one before
// it, and entry 1 to catalog.json, so a missing, reordered or altered object fails closed.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Txn } from './effects.js';
import type { StateSnapshot } from './state.js';

export const STORE_FORMAT = 'floe-catalog';
export const STORE_FORMAT_VERSION = 1;
export const ENTRY_VERSION = 1;
export const CHECKPOINT_VERSION = 1;

export const CATALOG_KEY = 'catalog.json';
export const LAST_CHECKPOINT_KEY = '_last_checkpoint';
export const GC_BOUNDARY_KEY = 'gc/boundary';
export const LOG_PREFIX = 'log/';
export const CHECKPOINT_PREFIX = 'checkpoints/';

const SEQ_DIGITS = 20;

export const pad = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');
export const logKey = (seq: number): string => `${LOG_PREFIX}${pad(seq)}.json`;
export const checkpointKey = (seq: number): string => `${CHECKPOINT_PREFIX}${pad(seq)}.json.gz`;

export function seqOfKey(key: string): number | undefined {
  const match = /(\d{20})\.json(\.gz)?$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface CatalogIdentity {
  format: typeof STORE_FORMAT;
  formatVersion: number;
  catalogId: string;
  createdAt: string;
  restoredFrom?: {
    catalogId: string;
    seq: number;
    entryHash: string;
    restoredAt: string;
    /**
     * whether the restored catalog may delete table files it did not write (purge, old metadata
     * files): false or absent unless `floe restore --allow-purge`, because a restored catalog
     * usually shares its warehouse with the catalog it was restored from
     */
    allowPurge?: boolean;
  };
  /** present when the catalog was created encrypted: every other object must be encrypted */
  encryption?: { algorithm: 'AES-256-GCM'; activeKey: string; keyCheck: string };
}

export interface LogEntry {
  v: number;
  seq: number;
  /** sha256 of the stored bytes of entry seq-1 (of catalog.json for entry 1 or the restore base) */
  prev: string;
  ts: number;
  replica: string;
  txns: Txn[];
}

export interface Checkpoint {
  v: number;
  catalogId: string;
  seq: number;
  /** hash of entry `seq`'s bytes: the next entry's `prev` */
  entryHash: string;
  /** timestamp of entry `seq`, so idempotency expiry continues identically */
  ts: number;
  state: StateSnapshot;
}

export interface CheckpointHint {
  seq: number;
  key: string;
  sha256: string;
}

export class CorruptStore extends Error {
  override name = 'CorruptStore';
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** "seq 5 (log/00000000000000000005.json)": the seq an operator looks for, and the object. */
const entryName = (key: string): string => `seq ${seqOfKey(key) ?? '?'} (${key})`;

export function decodeEntry(bytes: Buffer, key: string): LogEntry {
  let entry: LogEntry;
  try {
    entry = JSON.parse(bytes.toString('utf8')) as LogEntry;
  } catch {
    // not swallowed: reported as corruption naming the entry
    throw new CorruptStore(`log entry ${entryName(key)} is not valid JSON`);
  }
  if (
    typeof entry !== 'object' || entry === null || entry.v !== ENTRY_VERSION || !Number.isSafeInteger(entry.seq) ||
    typeof entry.prev !== 'string' || !Array.isArray(entry.txns)
  ) {
    throw new CorruptStore(`log entry ${entryName(key)} is malformed or of an unknown version`);
  }
  return entry;
}

export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  // mtime 0 and a fixed level keep the bytes deterministic for equal states
  return gzipSync(encodeJson(checkpoint), { level: 6 });
}

export function decodeCheckpoint(bytes: Buffer, key: string): Checkpoint {
  try {
    const checkpoint = JSON.parse(gunzipSync(bytes).toString('utf8')) as Checkpoint;
    if (checkpoint.v !== CHECKPOINT_VERSION || !Number.isSafeInteger(checkpoint.seq)) throw new Error('version');
    return checkpoint;
  } catch (error) {
    throw new CorruptStore(`checkpoint ${key} is unreadable: ${(error as Error).message}`);
  }
}
