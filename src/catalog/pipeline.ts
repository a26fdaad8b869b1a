// Runs one catalog operation for one request, and owns everything around its decision:
//  - idempotency: look the key up in the state the decision is made against, replay the
//    recorded answer (reply or error), or record the answer in the same txn as the effects;
//  - metadata files: those an attempt wrote and its decision does not keep are deleted, except
//    when the commit's outcome is unknown (the pointer may then reference them);
//  - after a landed commit: caches of superseded versions, deletions the commit allows;
//  - errors: an expected failure of any layer becomes a CatalogError (dependency-errors.ts);
//    anything else is a bug and propagates (http/ answers it 500 and logs it).
import { PIPELINE_BEFORE_ROUNDS_MAX } from '../config/index.js';
import type { CatalogState, Prepared } from '../store/index.js';
import { assert, silentTelemetry, type Telemetry } from '../util/index.js';
import { mayDeleteExistingFiles, readBarrier, type CatalogContext } from './context.js';
import { noop, reject, type Attempt, type Decision, type FileDeletion, type Operation, type Reply } from './decision.js';
import { toCatalogError } from './dependency-errors.js';
import type { CatalogError } from './errors.js';
import { askerId, isRecordable, lookupRecord, newRecord, recordedError, type StoredReply } from './idempotency.js';
import type { RequestContext } from './request-context.js';
import { renderLoadResult, supersede, tableReply } from './tables.js';

export type Answer =
  | { readonly kind: 'reply'; readonly reply: Reply; readonly replayed: boolean }
  | { readonly kind: 'error'; readonly error: CatalogError; readonly replayed: boolean };

/** What a prepare hands back through the store's committer. */
type Outcome =
  | { kind: 'decided'; decision: Decision }
  | { kind: 'replay'; stored: StoredReply }
  | { kind: 'again' };

export interface PipelineOptions {
  /** how long an Idempotency-Key's answer is kept */
  idempotencyLifetimeMs: number;
}

export async function runOperation(ctx: CatalogContext, req: RequestContext, op: Operation, options: PipelineOptions): Promise<Answer> {
  try {
    if (op.kind === 'read') return answerOf(await decide(() => op.run(ctx, req)), false);
    return await runWrite(ctx, req, op, options);
  } catch (error) {
    const known = toCatalogError(error);
    if (!known) throw error;
    return { kind: 'error', error: known, replayed: false };
  }
}

/** An expected failure thrown by a helper is a rejection like any other. */
async function decide(run: () => Promise<Decision>): Promise<Decision> {
  try {
    return await run();
  } catch (error) {
    const known = toCatalogError(error);
    if (!known) throw error;
    return reject(known);
  }
}

function answerOf(decision: Decision, replayed: boolean): Answer {
  if (decision.kind === 'reject') return { kind: 'error', error: decision.error, replayed };
  return { kind: 'reply', reply: decision.reply, replayed };
}

async function runWrite(
  ctx: CatalogContext,
  req: RequestContext,
  op: Extract<Operation, { kind: 'write' }>,
  options: PipelineOptions,
): Promise<Answer> {
  const idem = req.idempotency;
  const attempt: Attempt = { written: [] };
  const replaying = (state: CatalogState) => idem !== undefined && state.idempotency.has(idem.key);
  if (op.before) {
    await readBarrier(ctx, req.consistency);
    const denied = op.authorize(ctx.store.state, req);
    if (denied) return answerOf(reject(denied), false);
    await op.before(ctx, ctx.store.state, { replaying: replaying(ctx.store.state), round: 0 });
  }
  for (let round = 1; ; round++) {
    let outcome: Outcome;
    try {
      outcome = await ctx.store.commit<Outcome>(async (state): Promise<Prepared<Outcome>> => {
        // a new attempt: the last one's files will never be referenced
        await discard(ctx, req, attempt.written);
        // before the record: a caller who may not run the operation never gets its answer, and
        // a refusal is not recorded (it depends on grants, which change)
        const denied = op.authorize(state, req);
        if (denied) return { kind: 'noop', result: { kind: 'decided', decision: reject(denied) } };
        if (idem) {
          const found = lookupRecord(state.idempotency.get(idem.key), idem, askerId(req.principal));
          if (found.kind === 'mismatch') return { kind: 'noop', result: { kind: 'decided', decision: reject(found.error) } };
          if (found.kind === 'recorded') return { kind: 'noop', result: { kind: 'replay', stored: found.reply } };
        }
        let decision: Decision | undefined;
        try {
          decision = await op.prepare(ctx, state, attempt);
        } catch (error) {
          const known = toCatalogError(error);
          if (!known) throw error;
          decision = reject(known);
        }
        if (decision === undefined) return { kind: 'noop', result: { kind: 'again' } };
        const result: Outcome = { kind: 'decided', decision };
        const expiresAtMs = ctx.clock.nowMs() + options.idempotencyLifetimeMs;
        switch (decision.kind) {
          case 'reject':
            if (!idem || !isRecordable(decision.error)) return { kind: 'noop', result };
            return { kind: 'txn', effects: [], idem: newRecord(idem, decision.error, expiresAtMs, askerId(req.principal)), result };
          case 'noop':
            if (!idem) return { kind: 'noop', result };
            return { kind: 'txn', effects: [], idem: newRecord(idem, decision.reply, expiresAtMs, askerId(req.principal)), result };
          case 'commit':
            return { kind: 'txn', effects: decision.effects, idem: idem && newRecord(idem, decision.reply, expiresAtMs, askerId(req.principal)), result };
        }
      });
    } catch (error) {
      // only an unknown outcome may have committed a pointer to the files
      if (toCatalogError(error)?.code !== 'CommitStateUnknown') await discard(ctx, req, attempt.written);
      throw error;
    }
    switch (outcome.kind) {
      case 'again':
        assert(op.before !== undefined && round < PIPELINE_BEFORE_ROUNDS_MAX, 'an operation asks for its work before the commit again only within its rounds');
        await op.before(ctx, ctx.store.state, { replaying: replaying(ctx.store.state), round });
        continue;
      case 'replay':
        await discard(ctx, req, attempt.written);
        telemetryOf(ctx).metrics.inc('floe_idempotent_replays_total');
        return answerOf(await decide(() => replayed(ctx, outcome.stored)), true);
      case 'decided': {
        const { decision } = outcome;
        const kept = decision.kind === 'commit' ? new Set(decision.filesWritten) : new Set<string>();
        await discard(ctx, req, attempt.written.filter((file) => !kept.has(file)));
        if (decision.kind === 'commit') {
          for (const location of decision.superseded ?? []) supersede(ctx, location);
          await deleteAfterCommit(ctx, req, decision.filesToDeleteAfter);
          await op.after?.(ctx);
        }
        return answerOf(decision, false);
      }
    }
  }
}

/** A recorded answer as a decision: tables and views are read again from their recorded version. */
async function replayed(ctx: CatalogContext, stored: StoredReply): Promise<Decision> {
  switch (stored.kind) {
    case 'table': {
      const metadata = await ctx.warehouse.read('table', stored.location);
      const loaded = renderLoadResult(ctx, stored.location, metadata);
      return noop(tableReply(loaded, stored.config));
    }
    case 'view':
      return noop({ kind: 'view', location: stored.location, metadata: await ctx.warehouse.read('view', stored.location) });
    case 'json':
      return noop({ kind: 'json', text: stored.text });
    case 'empty':
      return noop({ kind: 'empty', status: stored.status });
    case 'error':
      return reject(recordedError(stored));
  }
}

const telemetryOf = (ctx: CatalogContext): Telemetry => ctx.telemetry ?? silentTelemetry;

/** Deletes metadata files that will never be referenced (each was checked when written). */
async function discard(ctx: CatalogContext, req: RequestContext, written: string[]): Promise<void> {
  for (const location of written.splice(0)) {
    // a file left behind is garbage, not an error: the request goes on
    const result = await ctx.warehouse.delete(location, undefined);
    if (result !== 'gone') req.log.warn({ location, result }, 'unused metadata file not deleted');
  }
}

/** Best effort after the commit landed: a failure is logged, never answered (the change is done). */
async function deleteAfterCommit(ctx: CatalogContext, req: RequestContext, deletions: readonly FileDeletion[]): Promise<void> {
  if (!mayDeleteExistingFiles(ctx)) return;
  for (const deletion of deletions) {
    switch (deletion.kind) {
      case 'file': {
        const result = await ctx.warehouse.delete(deletion.file, deletion.owner);
        if (result === 'failed') req.log.warn({ file: deletion.file }, 'replaced metadata file not deleted');
        break;
      }
      case 'view':
        await deleteDroppedView(ctx, req, deletion.location);
        break;
    }
  }
}

/** Java PropertyUtil.propertyAsBoolean(gc.enabled, default true): only a case-insensitive "true" is true. */
const gcEnabled = (properties: Record<string, string>): boolean =>
  properties['gc.enabled'] === undefined || properties['gc.enabled'].toLowerCase() === 'true';

async function deleteDroppedView(ctx: CatalogContext, req: RequestContext, location: string): Promise<void> {
  try {
    // an unreadable file is left alone: without its properties we cannot know gc.enabled
    const metadata = await ctx.warehouse.read('view', location, false);
    if (!gcEnabled(metadata.properties)) return;
    const result = await ctx.warehouse.delete(location, metadata.location);
    if (result === 'failed') req.log.warn({ location }, 'dropped view metadata file not deleted');
  } catch (error) {
    req.log.warn({ location, err: error }, 'dropped view metadata file not read, so not deleted');
  }
}
