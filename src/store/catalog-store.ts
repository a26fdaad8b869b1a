// The catalog store (docs/design/commit-log.md): the whole state in memory at head `h`, an
// append-only log of immutable entries on object storage created with create-if-absent, one
// committer loop per process with group commit and at most one log write in flight, and a
// single-flight read barrier that makes reads linearizable across replicas.
//
// This class wires the parts together and owns the store's lifecycle; each part lives in its
// own module: head.ts (the state at h and its invariants), read-barrier.ts (probes and
// catch-up), committer.ts (the log writer), checkpoints.ts, background.ts (timers), identity.ts.
import type { ObjectStore } from '../objectstore/index.js';
import type { Clock, Rng } from '../util/index.js';
import { Background } from './background.js';
import { Checkpoints } from './checkpoints.js';
import { Committer, type Prepare } from './committer.js';
import type { EncryptionRecord } from './effects.js';
import { EncryptedObjectStore, EncryptionKeyError, makeKeyCheck, verifyKeyCheck } from './encryption/index.js';
import type { EncryptionConfig } from './encryption/index.js';
import { collectGarbage, type GcReport } from './gc/index.js';
import { Head, Health } from './head.js';
import { loadOrCreateIdentity } from './identity.js';
import { sha256, type CatalogIdentity, type Checkpoint } from './layout.js';
import { settle, type Consistency, type Settings, type StoreOptions } from './options.js';
import { ReadBarrier } from './read-barrier.js';
import type { CatalogState } from './state.js';
import { newStats, type StoreStats } from './stats.js';

export { CONSISTENCY_HEADER, parseConsistency, type Consistency, type PlantedBug, type StoreOptions } from './options.js';
export type { Prepare, Prepared } from './committer.js';
export type { StoreStats } from './stats.js';

export class CatalogStore {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly replicaId: string;
  /** counters for `floe status`, the simulation and request-budget tests */
  readonly stats: StoreStats = newStats();
  /** true when this open wrote catalog.json: a new catalog, not an existing one */
  createdIdentity = false;

  private readonly settings: Settings;
  private readonly health = new Health();
  private readonly head: Head;
  private readonly background: Background;
  private readonly checkpoints: Checkpoints;
  private readonly barrier: ReadBarrier;
  private readonly committer: Committer;
  private gcRunning: Promise<GcReport> | undefined;

  private constructor(
    readonly objects: EncryptedObjectStore,
    readonly identity: CatalogIdentity,
    identityBytes: Buffer,
    options: StoreOptions,
  ) {
    const settings = settle(options);
    this.settings = settings;
    this.clock = settings.clock;
    this.rng = settings.rng;
    this.replicaId = settings.replicaId;
    this.head = new Head(objects, sha256(identityBytes), () => this.encryption, this.health);
    this.background = new Background(settings.clock, this.stats, settings.telemetry, { replica: this.replicaId, store: objects.displayUrl });
    this.checkpoints = new Checkpoints(objects, identity, this.head, settings.clock, settings.checkpointInterval, this.stats, this.background);
    this.barrier = new ReadBarrier(objects, this.head, this.checkpoints, settings, this.stats, this.health);
    this.committer = new Committer(objects, this.head, this.barrier, this.checkpoints, this.background, settings, this.stats, this.health);
  }

  get state(): CatalogState {
    return this.head.state;
  }

  get headSeq(): number {
    return this.head.seq;
  }

  get lastCheckpoint(): number {
    return this.checkpoints.lastSeq;
  }

  /** Opens (or, with `create`, initialises) the catalog at `objects` and catches up to the head. */
  static async open(objects: ObjectStore, options: StoreOptions = {}): Promise<CatalogStore> {
    const { bytes, identity, created } = await loadOrCreateIdentity(objects, options);
    const encrypted = new EncryptedObjectStore(objects, options.encryption?.provider, identity.catalogId);
    const store = new CatalogStore(encrypted, identity, bytes, options);
    store.createdIdentity = created;
    encrypted.policy = {
      activeKey: () => store.encryption?.active,
      plaintextRefused: () => identity.encryption !== undefined,
      retired: (keyId) => store.encryption?.keys.some((k) => k.id === keyId && k.retired) ?? false,
    };
    // before reading anything: wrong material for a key of catalog.json (a missing one may
    // have been retired since: that is known only from the log)
    await store.checkKeys(options.encryption, true);
    await store.checkpoints.loadLatest(0);
    await store.barrier.catchUp();
    await store.barrier.checkNothingBeyondHead();
    await store.checkKeys(options.encryption);
    if (options.create && options.encryption && !store.encryption) await store.setEncryptionKey(options.encryption.activeKey, { onlyIfOff: true });
    store.startBackground();
    return store;
  }

  /**
   * The keys the catalog accepts, as of the head: from the log once they changed, else from
   * catalog.json for a catalog created encrypted; undefined while the catalog is plaintext.
   */
  get encryption(): EncryptionRecord | undefined {
    if (this.head.state.encryption) return this.head.state.encryption;
    const initial = this.identity.encryption;
    if (!initial) return undefined;
    return { algorithm: initial.algorithm, active: initial.activeKey, keys: [{ id: initial.activeKey, check: initial.keyCheck, retired: false }] };
  }

  /**
   * Every key the catalog still accepts must be configured here with the right material:
   * a start-up error naming the key id otherwise (before anything is served).
   */
  private async checkKeys(config: EncryptionConfig | undefined, missingOk = false): Promise<void> {
    const record = this.encryption;
    if (!record) return;
    const name = `catalog ${this.identity.catalogId} at ${this.objects.displayUrl}`;
    for (const key of record.keys) {
      if (key.retired) continue;
      if (!config) {
        throw new EncryptionKeyError(`${name} is encrypted (key '${key.id}'), but encryption is not configured: set FLOE_ENCRYPTION_PROVIDER and provide key '${key.id}'`);
      }
      if (!config.provider.has(key.id)) {
        if (missingOk) continue;
        throw new EncryptionKeyError(`${name} needs encryption key '${key.id}', which is not configured (configured: ${config.provider.keyIds().join(', ')})`);
      }
      if (!(await verifyKeyCheck(config.provider, this.identity.catalogId, key.id, key.check))) {
        throw new EncryptionKeyError(`encryption key '${key.id}' does not match the key ${name} was encrypted with (wrong key material for '${key.id}')`);
      }
    }
  }

  /**
   * Makes `keyId` the catalog's active key (enabling encryption on a plaintext catalog) by a
   * log entry, so every replica writes with it from the next seq. The key must be configured here.
   */
  async setEncryptionKey(keyId: string, options: { onlyIfOff?: boolean } = {}): Promise<'changed' | 'unchanged'> {
    const provider = this.objects.provider;
    if (!provider) throw new EncryptionKeyError('encryption is not configured on this replica: set FLOE_ENCRYPTION_PROVIDER and the keys');
    if (!provider.has(keyId)) throw new EncryptionKeyError(`encryption key '${keyId}' is not configured (configured: ${provider.keyIds().join(', ')})`);
    const check = await makeKeyCheck(provider, this.identity.catalogId, keyId);
    return this.commit(async (state) => {
      const current = this.encryption;
      // enabling at start-up: a replica that enabled it first (maybe with another key) wins
      if (current?.active === keyId || (options.onlyIfOff && current)) return { kind: 'noop', result: 'unchanged' as const };
      const known = current?.keys.find((k) => k.id === keyId);
      if (known?.retired) return { kind: 'reject', error: new EncryptionKeyError(`encryption key '${keyId}' was retired from this catalog and cannot be used again`) };
      const keys = [...(current?.keys ?? []).filter((k) => k.id !== keyId), known ?? { id: keyId, check, retired: false }];
      const to: EncryptionRecord = { algorithm: 'AES-256-GCM', active: keyId, keys };
      return { kind: 'txn', effects: [{ op: 'encryption.set', expect: state.encryption ?? null, to }], result: 'changed' as const };
    });
  }

  /** Marks `keyId` retired by a log entry; the caller has checked no object uses it any more. */
  async retireEncryptionKey(keyId: string): Promise<'retired' | 'unchanged'> {
    return this.commit(async (state) => {
      const current = this.encryption;
      const known = current?.keys.find((k) => k.id === keyId);
      if (!current || !known) return { kind: 'reject', error: new EncryptionKeyError(`encryption key '${keyId}' is not a key of this catalog`) };
      if (known.retired) return { kind: 'noop', result: 'unchanged' as const };
      if (current.active === keyId) return { kind: 'reject', error: new EncryptionKeyError(`encryption key '${keyId}' is the active key: rotate to another key first`) };
      const to: EncryptionRecord = { ...current, keys: current.keys.map((k) => (k.id === keyId ? { ...k, retired: true } : k)) };
      return { kind: 'txn', effects: [{ op: 'encryption.set', expect: state.encryption ?? null, to }], result: 'retired' as const };
    });
  }

  // ---- reads and commits -----------------------------------------------------------------

  /**
   * The read barrier. Linearizable: wait for a probe of log/<h+1> that was sent after this
   * call; concurrent callers share one probe. Bounded: return at once while the last probe is
   * younger than max_staleness_ms. `mode` overrides the configured consistency per request.
   */
  sync(mode?: Consistency): Promise<void> {
    return this.barrier.sync(mode);
  }

  /** Reads and applies log entries after the head until one is missing. Serialised. */
  catchUp(): Promise<void> {
    return this.barrier.catchUp();
  }

  /** Queues a request; it is prepared against the newest state and written with group commit. */
  commit<R>(prepare: Prepare<R>): Promise<R> {
    return this.committer.commit(prepare);
  }

  // ---- background work -------------------------------------------------------------------

  /** Periodic jobs on the injected clock: the poll for bounded reads, and GC (serving replicas). */
  private startBackground(): void {
    const { pollIntervalMs, gcIntervalMs } = this.settings;
    if (pollIntervalMs > 0) {
      this.background.every('poll', pollIntervalMs, pollIntervalMs, async () => {
        this.stats.polls++;
        await this.barrier.sync('linearizable');
      });
    }
    if (gcIntervalMs > 0) {
      // jitter the phase so replicas started together do not collect in lockstep
      const jitterMs = Math.floor(this.rng.next() * gcIntervalMs);
      this.background.every('gc', gcIntervalMs, jitterMs, async () => {
        const report = await this.runGc();
        return report.kind === 'failed' ? { ok: false, why: report.reason } : { ok: true };
      });
    }
  }

  /** Writes a checkpoint and moves the hint forward; false when the store did not answer. */
  writeCheckpoint(checkpoint: Checkpoint): Promise<boolean> {
    return this.checkpoints.write(checkpoint);
  }

  /** One garbage-collection run from this replica; concurrent runs (here or elsewhere) are safe. */
  runGc(): Promise<GcReport> {
    this.gcRunning ??= collectGarbage(this.objects, this.settings.gc).then((report) => {
      if (report.kind === 'collected') {
        this.settings.telemetry.metrics.inc('floe_gc_deleted_objects_total', {}, report.deletedLog + report.deletedCheckpoints);
      }
      return report;
    }).finally(() => {
      this.gcRunning = undefined;
    });
    this.stats.gcRuns++;
    return this.gcRunning;
  }

  /** Resolves when no background work (checkpoint, GC, poll, probe) is running. */
  idle(): Promise<void> {
    return this.background.idle();
  }

  /** Sets the store's gauges (head, probe age, checkpoint); called when /metrics is scraped. */
  reportGauges(): void {
    const { metrics } = this.settings.telemetry;
    const nowMs = this.clock.nowMs();
    metrics.set('floe_log_head_seq', this.head.seq);
    const probedAtMs = Math.max(this.barrier.probedAtMs, this.head.observedMs);
    if (Number.isFinite(probedAtMs)) metrics.set('floe_log_probe_age_seconds', Math.max(0, nowMs - probedAtMs) / 1000);
    metrics.set('floe_checkpoint_seq', this.checkpoints.lastSeq);
    if (Number.isFinite(this.checkpoints.lastAtMs)) {
      metrics.set('floe_checkpoint_age_seconds', Math.max(0, nowMs - this.checkpoints.lastAtMs) / 1000);
    }
    // purges recorded in the log and not yet done: by any replica, so every replica reports the same
    metrics.set('floe_purge_queue_length', this.state.purges.size);
  }

  // ---- lifecycle -----------------------------------------------------------------------

  /** Why this store stopped serving (it failed closed), or undefined while it serves. */
  get failedBecause(): string | undefined {
    return this.health.failedBecause?.message;
  }

  get isClosed(): boolean {
    return this.health.closed;
  }

  /** Refuses new commits, stops the timers, and waits for the commits already queued. */
  async close(): Promise<void> {
    this.health.closed = true;
    this.background.stop();
    await this.committer.drained();
  }
}

// kept here too: backup/ imports them from this module
export { readHint, advanceHint } from './hint.js';
