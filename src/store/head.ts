// The head: the catalog state as of log entry `seq`, with the hash and time of that entry and
// what this replica knows about how fresh it is. Only two things move it: applying the next
// entry (from our own write or from reading the log) and loading a newer checkpoint. Both keep
// the one invariant everything else leans on: the head only grows.
//
// Freshness: `observedMs` is when this replica last knew, in a way GC cannot have faked, that
// `seq` was the head (a GET of seq+1 sent at that time answered 404, or our create of it
// succeeded). The read barrier and the committer compare it with the freshness bound.
import { APPLIED_TXNS_KEPT_MAX } from '../config/index.js';
import { assert } from '../util/index.js';
import type { EncryptionRecord } from './effects.js';
import type { EncryptedObjectStore } from './encryption/index.js';
import { CorruptStore, decodeEntry, sha256, type Checkpoint, type LogEntry } from './layout.js';
import { CatalogState } from './state.js';

/** Remembers why the store stopped serving: once failed, it stays failed (fail closed). */
export class Health {
  private failure: Error | undefined;
  closed = false;

  /** Records the first failure and returns `error`, for `throw health.fail(e)`. */
  fail(error: Error): Error {
    this.failure ??= error;
    return error;
  }

  get failedBecause(): Error | undefined {
    return this.failure;
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

export class Head {
  private _state = new CatalogState();
  private _seq = 0;
  private _hash: string;
  private _ts = 0;
  /** local time at which `seq` was last established as the head (see file comment) */
  private _observedMs = -Infinity;
  /** txn ids of recently applied entries, by seq: how a writer recognises its own entry */
  private readonly appliedTxns = new Map<number, string[]>();

  constructor(
    private readonly objects: EncryptedObjectStore,
    identityHash: string,
    private readonly encryption: () => EncryptionRecord | undefined,
    private readonly health: Health,
  ) {
    this._hash = identityHash;
  }

  get state(): CatalogState {
    return this._state;
  }

  get seq(): number {
    return this._seq;
  }

  get hash(): string {
    return this._hash;
  }

  get ts(): number {
    return this._ts;
  }

  get observedMs(): number {
    return this._observedMs;
  }

  /** `seq` was the head at `atMs` (never moves the observation back). */
  observed(atMs: number): void {
    this._observedMs = Math.max(this._observedMs, atMs);
  }

  txnsAt(seq: number): string[] | undefined {
    return this.appliedTxns.get(seq);
  }

  /** Entries are immutable once created: an undecodable one stays so, and fails the store closed like a broken chain. */
  decodeOrFail(bytes: Buffer, key: string): LogEntry {
    try {
      return decodeEntry(bytes, key);
    } catch (error) {
      throw this.health.fail(error instanceof Error ? error : new CorruptStore(String(error)));
    }
  }

  /** Applies the entry at seq+1; anything that does not extend the chain fails the store closed. */
  apply(bytes: Buffer, key: string): LogEntry {
    if (this.objects.wasPlaintext(bytes) && this.encryption()) {
      // written before encryption was on, or put there by someone without the key
      throw this.health.fail(new CorruptStore(`log entry ${this.objects.displayUrl}/${key} is not encrypted, but encryption was on before it: refusing it`));
    }
    const entry = this.decodeOrFail(bytes, key);
    if (entry.seq !== this._seq + 1) {
      throw this.health.fail(new CorruptStore(`log entry ${key} says seq ${entry.seq}, expected ${this._seq + 1}`));
    }
    if (entry.prev !== this._hash) {
      throw this.health.fail(new CorruptStore(`broken chain at seq ${entry.seq} (${this.objects.displayUrl}/${key}): prev does not match the hash of entry ${entry.seq - 1}`));
    }
    const why = this._state.applyEntry(entry);
    if (why) throw this.health.fail(new CorruptStore(`log entry ${key} does not apply (${why})`));
    this.moveTo(entry.seq);
    this._hash = sha256(bytes);
    this._ts = entry.ts;
    this.appliedTxns.set(entry.seq, entry.txns.map((t) => t.txn));
    this.appliedTxns.delete(entry.seq - APPLIED_TXNS_KEPT_MAX);
    return entry;
  }

  /** Replaces the state by a checkpoint ahead of the head (checked by the caller, asserted here). */
  resetTo(checkpoint: Checkpoint): void {
    this.moveTo(checkpoint.seq);
    this._state = CatalogState.fromSnapshot(checkpoint.state);
    this._hash = checkpoint.entryHash;
    this._ts = checkpoint.ts;
    // we do not know when seq+1 was absent: the next observation must be confirmed by gc/boundary
    this._observedMs = -Infinity;
    this.appliedTxns.clear();
  }

  private moveTo(seq: number): void {
    assert(seq > this._seq, `the head only grows (from ${this._seq} to ${seq})`);
    this._seq = seq;
  }
}
