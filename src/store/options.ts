// What a store is opened with, and the defaults filled in once, so every part of the store
// reads one settled value instead of repeating `?? default`.
import {
  CHECKPOINT_INTERVAL_DEFAULT, COMMIT_DEADLINE_MS, GC_INTERVAL_MS_DEFAULT, HEAD_FRESHNESS_MS_DEFAULT, MAX_STALENESS_MS_DEFAULT, POLL_INTERVAL_MS_MIN,
} from '../config/index.js';
import { assert, cryptoRng, silentTelemetry, systemClock, type Clock, type Rng, type Telemetry } from '../util/index.js';
import type { EncryptionConfig } from './encryption/index.js';
import type { GcOptions } from './gc/index.js';

export type Consistency = 'linearizable' | 'bounded';

/** Per-request override of the configured consistency (values: `linearizable` | `bounded`). */
export const CONSISTENCY_HEADER = 'x-floe-consistency';

/** Parses a CONSISTENCY_HEADER value; undefined for absent or unknown values (use the default). */
export function parseConsistency(value: string | string[] | undefined): Consistency | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase();
  return v === 'linearizable' || v === 'bounded' ? v : undefined;
}

/**
 * Deliberate protocol bugs, for tests only: the simulation must catch each of them. Never set
 * outside test/.
 */
export type PlantedBug = 'ack-before-write' | 'trust-stale-head';

export interface StoreOptions {
  clock?: Clock;
  rng?: Rng;
  replicaId?: string;
  /** create catalog.json when the root is empty (serve); false for read-only tools (status) */
  create?: boolean;
  checkpointInterval?: number;
  consistency?: Consistency;
  maxStalenessMs?: number;
  commitDeadlineMs?: number;
  /** trust head knowledge this long without re-reading gc/boundary; keep <= gc.minAgeMs / 2 */
  headFreshnessMs?: number;
  /** background poll period for bounded reads; default max_staleness/2, 0 = off */
  pollIntervalMs?: number;
  /** background GC period (serving replicas only); default 10 min, 0 = off */
  gcIntervalMs?: number;
  gc?: GcOptions;
  plantedBug?: PlantedBug;
  /** this replica's keys ([encryption]); a catalog created or served with it is encrypted */
  encryption?: EncryptionConfig;
  /** where background failures are logged and the store's metrics go; default: nowhere */
  telemetry?: Telemetry;
}

/** StoreOptions with every default applied. */
export interface Settings {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly replicaId: string;
  readonly checkpointInterval: number;
  readonly consistency: Consistency;
  readonly maxStalenessMs: number;
  readonly commitDeadlineMs: number;
  readonly headFreshnessMs: number;
  /** 0 = off */
  readonly pollIntervalMs: number;
  /** 0 = off (always off for a replica that does not `create`: read-only tools never collect) */
  readonly gcIntervalMs: number;
  readonly gc: GcOptions;
  readonly plantedBug: PlantedBug | undefined;
  readonly telemetry: Telemetry;
}

export function settle(options: StoreOptions): Settings {
  const rng = options.rng ?? cryptoRng;
  const consistency = options.consistency ?? 'linearizable';
  const maxStalenessMs = options.maxStalenessMs ?? MAX_STALENESS_MS_DEFAULT;
  const headFreshnessMs = options.headFreshnessMs ?? HEAD_FRESHNESS_MS_DEFAULT;
  const gc = options.gc ?? {};
  if (gc.minAgeMs !== undefined) {
    assert(headFreshnessMs * 2 <= gc.minAgeMs, 'head freshness must be at most half of GC min_age');
  }
  return {
    clock: options.clock ?? systemClock,
    rng,
    replicaId: options.replicaId ?? rng.uuid().slice(0, 8),
    checkpointInterval: options.checkpointInterval ?? CHECKPOINT_INTERVAL_DEFAULT,
    consistency,
    maxStalenessMs,
    commitDeadlineMs: options.commitDeadlineMs ?? COMMIT_DEADLINE_MS,
    headFreshnessMs,
    pollIntervalMs: options.pollIntervalMs ?? (consistency === 'bounded' ? Math.max(POLL_INTERVAL_MS_MIN, maxStalenessMs / 2) : 0),
    gcIntervalMs: options.create ? (options.gcIntervalMs ?? GC_INTERVAL_MS_DEFAULT) : 0,
    gc,
    plantedBug: options.plantedBug,
    telemetry: options.telemetry ?? silentTelemetry,
  };
}
