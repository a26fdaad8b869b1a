// Checkpoints: the whole state at some seq, written by create-if-absent under checkpoint/ and
// pointed to by the advisory `_last_checkpoint` hint. A replica writes one in the background
// every `checkpointInterval` entries; opening, and catching up from far behind, load the newest
// one instead of replaying the log from the start. A failed write only delays the next one.
import { listAll } from '../objectstore/index.js';
import type { Clock } from '../util/index.js';
import type { Background, RunOutcome } from './background.js';
import type { EncryptedObjectStore } from './encryption/index.js';
import { StoreUnavailable } from './errors.js';
import type { Head } from './head.js';
import { advanceHint, readHint } from './hint.js';
import {
  CHECKPOINT_PREFIX, CHECKPOINT_VERSION, CorruptStore, LAST_CHECKPOINT_KEY, checkpointKey, decodeCheckpoint, encodeCheckpoint,
  seqOfKey, sha256, type CatalogIdentity, type Checkpoint,
} from './layout.js';
import type { StoreStats } from './stats.js';

export class Checkpoints {
  private _lastSeq = 0;
  /** local time the newest checkpoint we know of was written or loaded here */
  private _lastAtMs = -Infinity;
  private writing = false;

  constructor(
    private readonly objects: EncryptedObjectStore,
    private readonly identity: CatalogIdentity,
    private readonly head: Head,
    private readonly clock: Clock,
    private readonly interval: number,
    private readonly stats: StoreStats,
    private readonly background: Background,
  ) {}

  get lastSeq(): number {
    return this._lastSeq;
  }

  get lastAtMs(): number {
    return this._lastAtMs;
  }

  /** After a commit: starts a background checkpoint of the head once `interval` entries passed. */
  maybeWrite(): void {
    if (this.writing || this.head.seq - this._lastSeq < this.interval) return;
    this.writing = true;
    const checkpoint: Checkpoint = {
      v: CHECKPOINT_VERSION,
      catalogId: this.identity.catalogId,
      seq: this.head.seq,
      entryHash: this.head.hash,
      ts: this.head.ts,
      state: this.head.state.toSnapshot(),
    };
    void this.background.run('checkpoint', async (): Promise<RunOutcome> => {
      try {
        return (await this.write(checkpoint)) ? { ok: true } : { ok: false, why: `checkpoint at seq ${checkpoint.seq} not written (the store did not answer)` };
      } finally {
        this.writing = false;
      }
    });
  }

  /** Writes a checkpoint and moves the hint forward; false when the store did not answer. */
  async write(checkpoint: Checkpoint): Promise<boolean> {
    const key = checkpointKey(checkpoint.seq);
    const bytes = encodeCheckpoint(checkpoint);
    const created = await this.objects.putIfAbsent(key, bytes);
    if (created.kind === 'unknown') return false;
    if (created.kind === 'created') this.stats.checkpointsWritten++;
    this.noteCheckpoint(checkpoint.seq);
    const digest = created.kind === 'created' ? sha256(bytes) : await this.digestOf(key);
    if (!digest) return false;
    await advanceHint(this.objects, { seq: checkpoint.seq, key, sha256: digest });
    return true;
  }

  /** Replaces the head by the newest checkpoint at or above `minSeq` (GC passed our head). */
  async jumpTo(minSeq: number): Promise<void> {
    this.stats.checkpointJumps++;
    await this.loadLatest(minSeq);
    if (this.head.seq < minSeq) {
      throw new StoreUnavailable(`no checkpoint at or above seq ${minSeq} although GC collected the log through it`);
    }
  }

  /** Loads the newest checkpoint (hint first, else listing) when it is ahead of the head. */
  async loadLatest(minSeq: number): Promise<void> {
    const hint = await readHint(this.objects);
    let checkpoint: Checkpoint | undefined;
    if (hint && hint.seq >= minSeq) checkpoint = await this.read(hint.key, hint.sha256);
    if (!checkpoint) {
      // no hint, or its checkpoint was collected: the newest listed one is as good
      const listed = await listAll(this.objects, CHECKPOINT_PREFIX);
      if (!Array.isArray(listed)) throw new StoreUnavailable(`cannot list checkpoints: ${listed.cause.message}`);
      const newest = listed.map((o) => o.key).filter((k) => seqOfKey(k) !== undefined).sort().pop();
      if (newest) checkpoint = await this.read(newest, undefined);
    }
    if (!checkpoint || checkpoint.seq <= this.head.seq) return;
    if (checkpoint.catalogId !== this.identity.catalogId) {
      throw new CorruptStore(`checkpoint at seq ${checkpoint.seq} belongs to catalog ${checkpoint.catalogId}, not ${this.identity.catalogId}`);
    }
    this.head.resetTo(checkpoint);
    this.noteCheckpoint(checkpoint.seq);
  }

  private noteCheckpoint(seq: number): void {
    if (seq < this._lastSeq) return;
    this._lastSeq = seq;
    this._lastAtMs = this.clock.nowMs();
  }

  private async read(key: string, expectedSha: string | undefined): Promise<Checkpoint | undefined> {
    const found = await this.objects.get(key);
    if (found.kind === 'notFound') return undefined;
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${key}: ${found.cause.message}`);
    if (expectedSha && sha256(found.body) !== expectedSha) {
      throw new CorruptStore(`checkpoint ${this.objects.displayUrl}/${key} does not match the sha256 in ${LAST_CHECKPOINT_KEY}`);
    }
    const checkpoint = decodeCheckpoint(found.body, key);
    if (this.objects.wasPlaintext(found.body) && checkpoint.state.encryption) {
      throw new CorruptStore(`checkpoint ${this.objects.displayUrl}/${key} is not encrypted, but its state has encryption on: refusing it`);
    }
    return checkpoint;
  }

  private async digestOf(key: string): Promise<string | undefined> {
    const found = await this.objects.get(key);
    return found.kind === 'found' ? sha256(found.body) : undefined;
  }
}
