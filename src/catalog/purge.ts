// Drop with purge (SERVER-RULES §3.2 item 7, Java `CatalogUtil.dropTableData`): the drop and a
// durable purge request are one log txn, so a crash after the drop can never forget the files.
// A purge deletes exactly the files the dropped table's current metadata references — never a
// location prefix, which could hold another table's files (`dropAfterRenameDoesntCorruptTable`).
//
// Crash safety comes from the order. Everything is read before anything is deleted, and files
// are deleted in phases so that whatever a re-run needs to find the rest is deleted after it:
//   1. data and delete files (read from the manifests)   — only when gc.enabled
//   2. manifests, statistics, previous metadata files      — needed by nothing we read
//   3. manifest lists                                      — needed to find the manifests
//   4. the current metadata file                           — needed to find everything
// A re-run therefore treats a missing file as "already deleted together with what it listed",
// and a missing current metadata file as "purge finished". A phase with a failed delete stops
// the purge (it stays pending), because deleting the next phase would orphan the failed files.
//
// Metadata and manifests are client-written, so what they reference is not trusted: a purge
// deletes only under the table's own location inside the warehouse (or an allowed prefix),
// never under the location of a live table or view, and skips (and reports) everything else.
import { filesReferencedByMetadata, readManifest, readManifestList, type TableMetadata } from '../iceberg/index.js';
import type { PurgeRecord } from '../store/index.js';
import { readBarrier, type CatalogContext } from './context.js';
import { allOf, onTable } from './guards.js';
import { commit, EMPTY, reject, type Operation } from './decision.js';
import { toCatalogError } from './dependency-errors.js';
import { CatalogError, errors } from './errors.js';
import { formatIdentifier, type Identifier } from './names.js';
import { silentTelemetry } from '../util/index.js';
import { underAny } from './locations.js';
import { parseLocation } from '../objectstore/index.js';
import { readTable } from './tables.js';

/** How long the DELETE request waits for its purge; a longer purge finishes in the background. */
export const PURGE_INLINE_WAIT_MS = 10_000;
/** Runner sweep period: picks up purges left by crashes, failures and other replicas. */
export const PURGE_SWEEP_INTERVAL_MS = 60_000;
/** Deletes in flight per purge: object stores delete one key per request. */
const DELETE_CONCURRENCY = 16;

const GC_ENABLED = 'gc.enabled';

/** Java `PropertyUtil.propertyAsBoolean(props, "gc.enabled", true)`: absent is true, else only "true" is. */
function gcEnabled(metadata: TableMetadata): boolean {
  const value = metadata.properties[GC_ENABLED];
  return value === undefined || value.toLowerCase() === 'true';
}

interface InFlight {
  promise: Promise<void>;
  controller: AbortController;
}

/** Purges running in this process, per catalog, so a drop and a sweep never run one twice at once. */
const running = new WeakMap<CatalogContext, Map<string, InFlight>>();

function inFlightOf(ctx: CatalogContext): Map<string, InFlight> {
  let map = running.get(ctx);
  if (!map) running.set(ctx, (map = new Map()));
  return map;
}

/**
 * Drops the table and records its purge in the same txn, then purges. Waits for the purge up to
 * PURGE_INLINE_WAIT_MS so that ordinary tables are gone when the client gets its 204 (what Java
 * clients expect); a failed or slow purge stays pending in the log for the runner.
 */
export function dropTableAndPurge(id: Identifier): Operation {
  // The id is chosen once per request, outside prepare, so the record is found in the state
  // after the commit (an attempt prepared again records the same id).
  let purgeId: string | undefined;
  return {
    kind: 'write',
    // the files go too: deleting data needs the right to write it
    authorize: allOf(onTable('TABLE_DROP', id), onTable('TABLE_WRITE_DATA', id)),
    async prepare(ctx, state) {
      // refused before anything is committed: the client asked for the files to go, and they will not
      if (ctx.deleteGuard !== undefined) return reject(new CatalogError('Forbidden', `Cannot purge ${formatIdentifier(id)}: ${ctx.deleteGuard}`));
      purgeId ??= ctx.rng.uuid();
      const pointer = state.table(id.namespace, id.name);
      if (!pointer) return reject(errors.noSuchTable(id));
      const drop = { op: 'table.drop', ns: id.namespace, name: id.name, expect: pointer.metadataLocation } as const;
      let metadata: TableMetadata;
      try {
        metadata = await readTable(ctx, pointer.metadataLocation);
      } catch (error) {
        // Java drops anyway when the metadata is gone; without it no file can be found to purge
        if (error instanceof CatalogError && error.code === 'NotFound') return commit([drop], EMPTY);
        throw error;
      }
      const request = { op: 'purge.request', id: purgeId, metadataLocation: pointer.metadataLocation, deleteData: gcEnabled(metadata) } as const;
      return commit([drop, request], EMPTY);
    },
    async after(ctx) {
      const record = purgeId === undefined ? undefined : ctx.store.state.purges.get(purgeId);
      if (!record) return;
      // bounded wait; on timeout the purge carries on in the background (and the runner retries it)
      const log = (ctx.telemetry ?? silentTelemetry).log;
      const done = runPurge(ctx, record).catch((error: unknown) => {
        log.warn({ purge: record.id, err: error }, 'purge after drop failed; it stays pending for the runner');
      });
      const timeout = new AbortController();
      // the sleep's rejection is its abort, once the purge finished first
      await Promise.race([done, ctx.clock.sleep(PURGE_INLINE_WAIT_MS, timeout.signal).catch(() => undefined)]);
      timeout.abort();
    },
  };
}

/**
 * Purges one pending request and marks it done. Joins a run already in flight in this process.
 * Rejects (leaving the request pending) when a file could not be read or deleted.
 */
export function runPurge(ctx: CatalogContext, record: PurgeRecord): Promise<void> {
  const inFlight = inFlightOf(ctx);
  const existing = inFlight.get(record.id);
  if (existing) return existing.promise;
  // a purge recorded before a restore stays pending: its files may be the source catalog's
  if (ctx.deleteGuard !== undefined) return Promise.reject(new CatalogError('Forbidden', `Purge ${record.id} not run: ${ctx.deleteGuard}`));
  const controller = new AbortController();
  const promise = (async () => {
    await purgeFiles(ctx, record, controller.signal);
    // the store directly, not the pipeline: this is bookkeeping, never part of the request
    // that started it, so its Idempotency-Key must not record or replay it
    try {
      await ctx.store.commit(async (state) =>
        state.purges.has(record.id)
          ? { kind: 'txn', effects: [{ op: 'purge.done', id: record.id }], result: undefined }
          : { kind: 'noop', result: undefined },
      );
    } catch (error) {
      throw toCatalogError(error) ?? error;
    }
  })().finally(() => {
    if (inFlight.get(record.id)?.promise === promise) inFlight.delete(record.id);
  });
  inFlight.set(record.id, { promise, controller });
  return promise;
}

/** The files a purge deletes, in deletion phases (see the file comment). Reads only. */
export async function filesToPurge(ctx: CatalogContext, record: PurgeRecord): Promise<string[][]> {
  return (await planPurge(ctx, record)).phases;
}

interface PurgePlan {
  phases: string[][];
  /** the table's location: nothing outside it is deleted */
  owner: string;
}

async function planPurge(ctx: CatalogContext, record: PurgeRecord): Promise<PurgePlan> {
  let metadata: TableMetadata;
  try {
    metadata = await readTable(ctx, record.metadataLocation);
  } catch (error) {
    // deleted last, so its absence means an earlier run finished every phase
    if (error instanceof CatalogError && error.code === 'NotFound') return { phases: [], owner: '' };
    throw error;
  }
  const owner = metadata.location;
  const policy = ctx.warehouse.locations;
  // a manifest list or manifest we may not delete is not read either: what it lists is not ours
  const readable = (file: string) => policy.deleteRefusal(file, owner) === undefined;
  const referenced = filesReferencedByMetadata(metadata);
  const manifests = new Set(referenced.manifests);
  for (const list of referenced.manifestLists.filter(readable)) {
    const bytes = await ctx.warehouse.readBytes(list);
    if (bytes === undefined) continue; // deleted by an earlier run, after its manifests
    const entries = readManifestList(bytes);
    if (!entries.ok) throw new CatalogError('Internal', `Cannot purge: invalid manifest list ${list}: ${entries.error.message}`);
    for (const entry of entries.value) manifests.add(entry.manifestPath);
  }
  const dataFiles = new Set<string>();
  if (record.deleteData) {
    for (const manifest of [...manifests].filter(readable)) {
      const bytes = await ctx.warehouse.readBytes(manifest);
      if (bytes === undefined) continue; // deleted by an earlier run, after its data files
      const entries = readManifest(bytes);
      if (!entries.ok) throw new CatalogError('Internal', `Cannot purge: invalid manifest ${manifest}: ${entries.error.message}`);
      // every entry, deleted ones too (Java does the same): a missing file is fine
      for (const entry of entries.value) dataFiles.add(entry.filePath);
    }
  }
  const phases = [
    [...dataFiles],
    [...manifests, ...referenced.statistics, ...referenced.previousMetadata],
    referenced.manifestLists,
    [record.metadataLocation],
  ];
  // a file listed in two phases must survive until the later one
  const last = new Map<string, number>();
  phases.forEach((files, phase) => files.forEach((file) => last.set(file, phase)));
  const homes = policy.liveHomes(ctx.store.state);
  const confined = (file: string): boolean => {
    const refusal = policy.deleteRefusal(file, owner);
    const parsed = parseLocation(file);
    const why = refusal ?? (parsed.ok && underAny(parsed.value, homes) ? 'inside the location of a live table or view' : undefined);
    if (why !== undefined) ctx.warehouse.skipped(file, `purge ${record.id}: ${why}`);
    return why === undefined;
  };
  const planned = phases.map((files, phase) => [...new Set(files)].filter((file) => last.get(file) === phase));
  return { phases: planned.map((files) => files.filter(confined)), owner };
}

async function purgeFiles(ctx: CatalogContext, record: PurgeRecord, signal: AbortSignal): Promise<void> {
  const { phases, owner } = await planPurge(ctx, record);
  for (const files of phases) {
    const failed = await deleteAll(ctx, files, owner, signal);
    if (failed.length > 0) {
      const sample = failed.slice(0, 3).join(', ');
      throw new CatalogError('ServiceUnavailable', `Purge ${record.id} incomplete: could not delete ${failed.length} file(s), e.g. ${sample}`);
    }
  }
}

/** Deletes with bounded concurrency; returns the files that may still exist. */
async function deleteAll(ctx: CatalogContext, files: string[], owner: string, signal: AbortSignal): Promise<string[]> {
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      if (signal.aborted) throw new CatalogError('ServiceUnavailable', 'Purge stopped');
      const file = files[next++]!;
      // a refused file was reported by the warehouse and is not ours: it never holds the purge up
      if ((await ctx.warehouse.delete(file, owner)) === 'failed') failed.push(file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, files.length) }, worker));
  return failed;
}

export interface PurgeRunnerOptions {
  intervalMs?: number;
  /** a purge that failed (it stays pending and is retried on a later sweep) */
  onError?: (record: PurgeRecord, error: unknown) => void;
}

export interface PurgeRunner {
  /** runs one sweep now (tests, admin tools); resolves when it has finished */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Completes pending purges: all of them at start-up (whatever crashed before us), then every
 * `intervalMs` those that were already pending at the previous sweep. The delay lets the
 * replica that dropped a table purge it alone in the normal case; when two replicas do run the
 * same purge, deleting twice and finishing twice are both harmless.
 */
export function startPurgeRunner(ctx: CatalogContext, options: PurgeRunnerOptions = {}): PurgeRunner {
  const intervalMs = options.intervalMs ?? PURGE_SWEEP_INTERVAL_MS;
  let seen = new Set<string>();
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const log = (ctx.telemetry ?? silentTelemetry).log;

  const sweepOnce = async (all: boolean) => {
    if (ctx.deleteGuard !== undefined) return;
    await readBarrier(ctx, undefined);
    const pending = [...ctx.store.state.purges.values()];
    const ready = all ? pending : pending.filter((p) => seen.has(p.id));
    seen = new Set(pending.map((p) => p.id));
    // one purge at a time: each already deletes concurrently
    for (const record of ready) {
      if (stopped) return;
      if (!ctx.store.state.purges.has(record.id)) continue; // finished elsewhere meanwhile
      await runPurge(ctx, record).catch((error: unknown) => {
        log.warn({ purge: record.id, err: error }, 'purge failed; it stays pending for the next sweep');
        options.onError?.(record, error);
      });
    }
  };
  const sweep = (all: boolean) => {
    // sweeps never overlap: the next one starts after the previous one has settled
    current = current
      .then(() => (stopped ? undefined : sweepOnce(all)))
      .catch((error: unknown) => log.warn({ err: error }, 'purge sweep failed; the next sweep tries again'));
    return current;
  };

  void sweep(true);
  const timer = intervalMs > 0 ? setInterval(() => void sweep(false), intervalMs) : undefined;
  timer?.unref();

  return {
    sweep: () => sweep(true),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      // stop this catalog's purges between two deletes; they stay pending for the next start
      const inFlight = [...inFlightOf(ctx).values()];
      for (const run of inFlight) run.controller.abort();
      await Promise.allSettled([current, ...inFlight.map((run) => run.promise)]);
    },
  };
}
