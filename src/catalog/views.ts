// View operations: list, create, load, exists, replace (commit), drop, rename, register.
// Views share one name space per namespace with tables (§3.3), so every create/rename checks
// both pointer maps. A replace re-runs against the newest head whenever it lost a race and its
// requirements still hold: the store's committer calls `prepare` again (server-side retry).
import {
  applyViewUpdates, checkViewRequirements, newMetadataFileLocation, newViewMetadata,
  viewMetadataToJson, type ViewMetadata,
} from '../iceberg/index.js';
import type { CatalogState, Prepared } from '../store/index.js';
import { CatalogError } from './errors.js';
import { commit, commitWriting, mayDeleteExistingFiles, readBarrier, unwrap, type CatalogContext } from './context.js';
import { checkCommit, checkCreate, checkPropertiesGrowth } from './input-limits.js';
import { formatIdentifier, formatNamespace, type Identifier } from './names.js';
import { paginate, type Page, type PageRequest } from './pagination.js';
import { defaultLocation, nameTakenError } from './tables.js';
import { withFileReadFirst } from './register.js';

export interface LoadViewResult {
  metadataLocation: string;
  metadata: ViewMetadata;
}

const noSuchView = (id: Identifier) => new CatalogError('NoSuchView', `View does not exist: ${formatIdentifier(id)}`);
const noSuchNamespace = (levels: string[]) =>
  new CatalogError('NoSuchNamespace', `Namespace does not exist: ${formatNamespace(levels)}`);

/** The LoadViewResult body (config is always empty: views have no per-view settings to hand out). */
export function loadViewResultJson(result: LoadViewResult): Record<string, unknown> {
  return { 'metadata-location': result.metadataLocation, metadata: viewMetadataToJson(result.metadata), config: {} };
}

export async function readView(ctx: CatalogContext, location: string): Promise<ViewMetadata> {
  return ctx.warehouse.read('view', location);
}

export async function listViews(ctx: CatalogContext, levels: string[], page: PageRequest): Promise<Page<Identifier>> {
  await readBarrier(ctx);
  if (!ctx.store.state.hasNamespace(levels)) throw noSuchNamespace(levels);
  return paginate(ctx.store.state.viewNames(levels), page, (name) => ({ namespace: levels, name }));
}

export async function loadView(ctx: CatalogContext, id: Identifier): Promise<LoadViewResult> {
  await readBarrier(ctx);
  const pointer = ctx.store.state.view(id.namespace, id.name);
  if (!pointer) throw noSuchView(id);
  // re-checks the file exists: a vanished metadata file must answer 404 NotFoundException
  return { metadataLocation: pointer.metadataLocation, metadata: await readView(ctx, pointer.metadataLocation) };
}

export async function viewExists(ctx: CatalogContext, id: Identifier): Promise<boolean> {
  await readBarrier(ctx);
  return ctx.store.state.view(id.namespace, id.name) !== undefined;
}

async function writeViewMetadata(
  ctx: CatalogContext,
  metadata: ViewMetadata,
  previousLocation: string | undefined,
  written: string[],
): Promise<string> {
  const location = newMetadataFileLocation({
    location: metadata.location,
    properties: metadata.properties,
    previousLocation,
    uuid: ctx.rng.uuid(),
    defaultCodec: 'gzip', // ViewProperties: views default to gzip (§2.10)
  });
  await ctx.warehouse.write('view', location, viewMetadataToJson(metadata), metadata);
  written.push(location);
  return location;
}

/** 400 unless the view may live at `location` (see LocationPolicy.checkEntityLocation). */
function checkViewLocation(ctx: CatalogContext, state: CatalogState, id: Identifier, location: string): void {
  ctx.warehouse.locations.checkEntityLocation(location, state, { kind: 'view', ns: id.namespace, name: id.name });
}

/** `body` is the raw CreateViewRequest; its `name` has been checked by the caller. */
export async function createView(ctx: CatalogContext, levels: string[], body: Record<string, unknown> & { name: string }): Promise<LoadViewResult> {
  const id = { namespace: levels, name: body.name };
  checkCreate(body, 'view');
  return commitWriting<LoadViewResult>(ctx, async (state, written) => {
    // name checks first, as Java's view builder does, then the request's own validation
    const taken = nameTakenError(state, id, 'view');
    if (taken) return { kind: 'reject', error: taken };
    const location = defaultLocation(ctx, id);
    const metadata = unwrap(newViewMetadata(body, { location, nowMs: ctx.clock.nowMs(), uuid: ctx.rng.uuid() }));
    checkViewLocation(ctx, state, id, metadata.location);
    const file = await writeViewMetadata(ctx, metadata, undefined, written);
    return {
      kind: 'txn',
      effects: [{ op: 'view.create', ns: id.namespace, name: id.name, to: file }],
      result: { metadataLocation: file, metadata },
    };
  });
}

interface CommitBody {
  requirements?: unknown;
  updates?: unknown;
}

export async function commitView(ctx: CatalogContext, id: Identifier, body: CommitBody): Promise<LoadViewResult> {
  // CommitViewRequest: `updates` is required, `requirements` optional
  const requirements = body.requirements ?? [];
  const { updates } = body;
  if (!Array.isArray(requirements) || !Array.isArray(updates)) {
    throw new CatalogError('BadRequest', 'Invalid commit: updates is a required array, requirements an optional array');
  }
  checkCommit(requirements, updates);
  let superseded: string | undefined;
  const result = await commitWriting<LoadViewResult>(ctx, async (state, written) => {
    const pointer = state.view(id.namespace, id.name);
    if (!pointer) return { kind: 'reject', error: noSuchView(id) };
    const base = await readView(ctx, pointer.metadataLocation);
    // a failed requirement is a reject (409), never retried: it would fail again
    unwrap(checkViewRequirements(requirements, base));
    const applied = unwrap(applyViewUpdates(base, updates, { nowMs: ctx.clock.nowMs() }));
    if (!applied.changed) return { kind: 'noop', result: { metadataLocation: pointer.metadataLocation, metadata: base } };
    if (applied.metadata.location !== base.location) checkViewLocation(ctx, state, id, applied.metadata.location);
    checkPropertiesGrowth(base.properties, applied.metadata.properties, 'view properties');
    const file = await writeViewMetadata(ctx, applied.metadata, pointer.metadataLocation, written);
    superseded = pointer.metadataLocation;
    return {
      kind: 'txn',
      effects: [{ op: 'view.setPointer', ns: id.namespace, name: id.name, expect: pointer.metadataLocation, to: file }],
      result: { metadataLocation: file, metadata: applied.metadata },
    };
  });
  // the replaced version is not read again once the pointer moved on
  if (superseded !== undefined && superseded !== result.metadataLocation) ctx.warehouse.forget(superseded);
  return result;
}

/** Java PropertyUtil.propertyAsBoolean(gc.enabled, default true): only a case-insensitive "true" is true. */
function gcEnabled(metadata: ViewMetadata): boolean {
  const value = metadata.properties['gc.enabled'];
  return value === undefined || value.toLowerCase() === 'true';
}

/**
 * Drops the pointer, then (best effort, after the drop is committed so a failed drop never loses
 * the file) deletes the current metadata file unless gc.enabled=false — a view has no other
 * files (Java CatalogUtil.dropViewMetadata). A kept file can be re-registered with register-view.
 */
export async function dropView(ctx: CatalogContext, id: Identifier): Promise<void> {
  const location = await commit<string>(ctx, async (state) => {
    const pointer = state.view(id.namespace, id.name);
    if (!pointer) return { kind: 'reject', error: noSuchView(id) };
    return {
      kind: 'txn',
      effects: [{ op: 'view.drop', ns: id.namespace, name: id.name, expect: pointer.metadataLocation }],
      result: pointer.metadataLocation,
    };
  });
  try {
    // an unreadable file is left alone: without its properties we cannot know gc.enabled
    const metadata = await ctx.warehouse.read('view', location, false);
    if (gcEnabled(metadata) && mayDeleteExistingFiles(ctx)) await ctx.warehouse.delete(location, metadata.location);
  } catch {
    // best effort: the drop itself has been committed
  }
}

export function renameView(ctx: CatalogContext, from: Identifier, to: Identifier): Promise<void> {
  return commit(ctx, async (state) => {
    if (!state.view(from.namespace, from.name)) return { kind: 'reject', error: noSuchView(from) };
    if (!state.hasNamespace(to.namespace)) return { kind: 'reject', error: noSuchNamespace(to.namespace) };
    const prefix = `Cannot rename ${formatIdentifier(from)} to ${formatIdentifier(to)}.`;
    if (state.table(to.namespace, to.name)) {
      return { kind: 'reject', error: new CatalogError('AlreadyExists', `${prefix} Table already exists`) };
    }
    if (state.view(to.namespace, to.name)) {
      return { kind: 'reject', error: new CatalogError('AlreadyExists', `${prefix} View already exists`) };
    }
    return {
      kind: 'txn',
      effects: [{ op: 'view.rename', from: { ns: from.namespace, name: from.name }, to: { ns: to.namespace, name: to.name } }],
      result: undefined,
    };
  });
}

/**
 * Points a new view at an existing metadata file (POST …/register-view); the file is read, never
 * rewritten, before the commit and with the untrusted-file rules (see registerTable). A missing
 * file → 404 NotFoundException; an invalid or unreadable one → 400.
 */
export async function registerView(ctx: CatalogContext, id: Identifier, metadataLocation: string): Promise<LoadViewResult> {
  return withFileReadFirst<ViewMetadata, LoadViewResult>(
    ctx,
    (state) => nameTakenError(state, id, 'view'),
    () => ctx.warehouse.readUntrusted(metadataLocation, 'view'),
    async (state, metadata) => {
      checkViewLocation(ctx, state, id, metadata.location);
      return {
        kind: 'txn',
        effects: [{ op: 'view.create', ns: id.namespace, name: id.name, to: metadataLocation }],
        result: { metadataLocation, metadata },
      };
    },
  );
}
