// View operations: list, create, load, exists, replace (commit), drop, rename, register.
// Views share one name space per namespace with tables (§3.3), so every create/rename checks
// both pointer maps. A replace re-runs against the newest head whenever it lost a race and its
// requirements still hold: the store's committer calls `prepare` again (server-side retry).
import {
  applyViewUpdates, checkViewRequirements, newMetadataFileLocation, newViewMetadata, viewMetadataToJson, type ViewMetadata,
} from '../iceberg/index.js';
import type { CatalogState } from '../store/index.js';
import { CatalogError, errors } from './errors.js';
import { readBarrier, unwrap, type CatalogContext } from './context.js';
import { allOf, onNamespace, onView, visible } from './guards.js';
import { commit, EMPTY, jsonReply, noop, read, refused, reject, type Attempt, type Operation, type Reply } from './decision.js';
import { checkCommit, checkCreate, checkPropertiesGrowth } from './input-limits.js';
import type { Identifier } from './names.js';
import { listJson, paginate, type PageRequest } from './pagination.js';
import { defaultLocation, nameTakenError } from './tables.js';
import { fileReadFirst } from './register.js';

const viewReply = (location: string, metadata: ViewMetadata): Reply => ({ kind: 'view', location, metadata });

export async function readView(ctx: CatalogContext, location: string): Promise<ViewMetadata> {
  return ctx.warehouse.read('view', location);
}

export const listViews = (levels: string[], page: PageRequest): Operation =>
  read(async (ctx, req) => {
    await readBarrier(ctx, req.consistency);
    const state = ctx.store.state;
    const names = visible(state, req, 'view', levels, state.viewNames(levels));
    if (names instanceof CatalogError) return reject(names);
    if (!state.hasNamespace(levels)) return reject(errors.noSuchNamespace(levels));
    return noop(jsonReply(listJson('identifiers', paginate(names, page, (name) => ({ namespace: levels, name })))));
  });

export const loadView = (id: Identifier): Operation =>
  read(async (ctx, req) => {
    await readBarrier(ctx, req.consistency);
    const denied = onView('VIEW_READ_METADATA', id)(ctx.store.state, req);
    if (denied) return reject(denied);
    const pointer = ctx.store.state.view(id.namespace, id.name);
    if (!pointer) return reject(errors.noSuchView(id));
    // re-checks the file exists: a vanished metadata file must answer 404 NotFoundException
    return noop(viewReply(pointer.metadataLocation, await readView(ctx, pointer.metadataLocation)));
  });

export const viewExists = (id: Identifier): Operation =>
  read(async (ctx, req) => {
    await readBarrier(ctx, req.consistency);
    const denied = onView('VIEW_READ_METADATA', id)(ctx.store.state, req);
    if (denied) return reject(denied);
    return noop({ kind: 'empty', status: ctx.store.state.view(id.namespace, id.name) !== undefined ? 204 : 404 });
  });

async function writeViewMetadata(
  ctx: CatalogContext,
  metadata: ViewMetadata,
  previousLocation: string | undefined,
  attempt: Attempt,
): Promise<string> {
  const location = newMetadataFileLocation({
    location: metadata.location,
    properties: metadata.properties,
    previousLocation,
    uuid: ctx.rng.uuid(),
    defaultCodec: 'gzip', // ViewProperties: views default to gzip (§2.10)
  });
  await ctx.warehouse.write('view', location, viewMetadataToJson(metadata), metadata);
  attempt.written.push(location);
  return location;
}

/** 400 unless the view may live at `location` (see LocationPolicy.checkEntityLocation). */
function checkViewLocation(ctx: CatalogContext, state: CatalogState, id: Identifier, location: string): void {
  ctx.warehouse.locations.checkEntityLocation(location, state, { kind: 'view', ns: id.namespace, name: id.name });
}

/** `body` is the raw CreateViewRequest; its `name` has been checked by the caller. */
export function createView(levels: string[], body: Record<string, unknown> & { name: string }): Operation {
  const id = { namespace: levels, name: body.name };
  const tooLarge = checkCreate(body, 'view');
  if (tooLarge) return refused(tooLarge);
  return {
    kind: 'write',
    authorize: onNamespace('VIEW_CREATE', levels),
    async prepare(ctx, state, attempt) {
      // name checks first, as Java's view builder does, then the request's own validation
      const taken = nameTakenError(state, id, 'view');
      if (taken) return reject(taken);
      const location = defaultLocation(ctx, id);
      const metadata = unwrap(newViewMetadata(body, { location, nowMs: ctx.clock.nowMs(), uuid: ctx.rng.uuid() }));
      checkViewLocation(ctx, state, id, metadata.location);
      const file = await writeViewMetadata(ctx, metadata, undefined, attempt);
      return commit([{ op: 'view.create', ns: id.namespace, name: id.name, to: file }], viewReply(file, metadata), [file]);
    },
  };
}

interface CommitBody {
  requirements?: unknown;
  updates?: unknown;
}

export function commitView(id: Identifier, body: CommitBody): Operation {
  // CommitViewRequest: `updates` is required, `requirements` optional
  const requirements = body.requirements ?? [];
  const { updates } = body;
  if (!Array.isArray(requirements) || !Array.isArray(updates)) {
    return refused(new CatalogError('BadRequest', 'Invalid commit: updates is a required array, requirements an optional array'));
  }
  const tooLarge = checkCommit(requirements, updates);
  if (tooLarge) return refused(tooLarge);
  return {
    kind: 'write',
    authorize: onView('VIEW_WRITE_METADATA', id),
    async prepare(ctx, state, attempt) {
      const pointer = state.view(id.namespace, id.name);
      if (!pointer) return reject(errors.noSuchView(id));
      const base = await readView(ctx, pointer.metadataLocation);
      // a failed requirement is a reject (409), never retried: it would fail again
      unwrap(checkViewRequirements(requirements, base));
      const applied = unwrap(applyViewUpdates(base, updates, { nowMs: ctx.clock.nowMs() }));
      if (!applied.changed) return noop(viewReply(pointer.metadataLocation, base));
      if (applied.metadata.location !== base.location) checkViewLocation(ctx, state, id, applied.metadata.location);
      const grown = checkPropertiesGrowth(base.properties, applied.metadata.properties, 'view properties');
      if (grown) return reject(grown);
      const file = await writeViewMetadata(ctx, applied.metadata, pointer.metadataLocation, attempt);
      const effect = { op: 'view.setPointer', ns: id.namespace, name: id.name, expect: pointer.metadataLocation, to: file } as const;
      // the replaced version is not read again once the pointer moved on
      return commit([effect], viewReply(file, applied.metadata), [file], [], [pointer.metadataLocation]);
    },
  };
}

/**
 * Drops the pointer, then (best effort, after the drop is committed so a failed drop never loses
 * the file) deletes the current metadata file unless gc.enabled=false — a view has no other
 * files (Java CatalogUtil.dropViewMetadata). A kept file can be re-registered with register-view.
 */
export const dropView = (id: Identifier): Operation => ({
  kind: 'write',
  authorize: onView('VIEW_DROP', id),
  async prepare(_ctx, state) {
    const pointer = state.view(id.namespace, id.name);
    if (!pointer) return reject(errors.noSuchView(id));
    const effect = { op: 'view.drop', ns: id.namespace, name: id.name, expect: pointer.metadataLocation } as const;
    return commit([effect], EMPTY, [], [{ kind: 'view', location: pointer.metadataLocation }]);
  },
});

export const renameView = (from: Identifier, to: Identifier): Operation => ({
  kind: 'write',
  authorize: allOf(onView('VIEW_DROP', from), onNamespace('VIEW_CREATE', to.namespace)),
  async prepare(_ctx, state) {
    if (!state.view(from.namespace, from.name)) return reject(errors.noSuchView(from));
    if (!state.hasNamespace(to.namespace)) return reject(errors.noSuchNamespace(to.namespace));
    if (state.table(to.namespace, to.name)) return reject(errors.renameTargetTaken(from, to, 'table'));
    if (state.view(to.namespace, to.name)) return reject(errors.renameTargetTaken(from, to, 'view'));
    return commit([{ op: 'view.rename', from: { ns: from.namespace, name: from.name }, to: { ns: to.namespace, name: to.name } }], EMPTY);
  },
});

/**
 * Points a new view at an existing metadata file (POST …/register-view); the file is read, never
 * rewritten, before the commit and with the untrusted-file rules (see registerTable). A missing
 * file → 404 NotFoundException; an invalid or unreadable one → 400.
 */
export const registerView = (id: Identifier, metadataLocation: string): Operation =>
  fileReadFirst<ViewMetadata>(
    onNamespace('VIEW_CREATE', id.namespace),
    (state) => nameTakenError(state, id, 'view'),
    (ctx) => ctx.warehouse.readUntrusted(metadataLocation, 'view'),
    async (ctx, state, metadata) => {
      checkViewLocation(ctx, state, id, metadata.location);
      return commit([{ op: 'view.create', ns: id.namespace, name: id.name, to: metadataLocation }], viewReply(metadataLocation, metadata));
    },
  );
