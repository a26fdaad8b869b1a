// Table operations: create (and stage-create), load, exists, drop, rename, commit. A commit
// re-runs against the newest head whenever it lost a race and its requirements still hold:
// that is the server-side retry, done by the store's committer calling `prepare` again.
import { createHash } from 'node:crypto';
import {
  applyTableUpdates, checkTableRequirements, isCreateRequest, newMetadataFileLocation, newTableMetadata,
  refsOnly, tableMetadataToJson, type TableMetadata,
} from '../iceberg/index.js';
import type { CatalogState, Effect, Prepared } from '../store/index.js';
import { LOCATION_NAMESPACE_CHARS_MAX, LOCATION_SEGMENT_CHARS_MAX, RENDERED_CACHE_BYTES_MAX } from '../config/limits.js';
import { ByteLru } from '../util/index.js';
import { stringifyJson } from '../util/json.js';
import { CatalogError } from './errors.js';
import { commit, commitWriting, mayDeleteExistingFiles, readBarrier, unwrap, type CatalogContext } from './context.js';
import { checkCommit, checkCreate, checkPropertiesGrowth } from './input-limits.js';
import { formatIdentifier, formatNamespace, pathSegment, type Identifier } from './names.js';
import { paginate, type Page, type PageRequest } from './pagination.js';

export type SnapshotsMode = 'all' | 'refs';

export interface LoadTableResult {
  metadataLocation: string | undefined;
  metadata: TableMetadata;
  /** the serialised `metadata` object, cached per file */
  metadataJson: string;
  /** the answer's `config` as JSON text (the catalog's engine config, constant per catalog) */
  configJson: string;
  /** the whole LoadTableResult body, when it has a metadata location */
  body?: Buffer;
  etag: string;
}

const noSuchTable = (id: Identifier) => new CatalogError('NoSuchTable', `Table does not exist: ${formatIdentifier(id)}`);
const noSuchNamespace = (levels: string[]) =>
  new CatalogError('NoSuchNamespace', `Namespace does not exist: ${formatNamespace(levels)}`);

/** Why `id` cannot be created in `state`, if it cannot. */
export function nameTakenError(state: CatalogState, id: Identifier, creating: 'table' | 'view'): CatalogError | undefined {
  if (!state.hasNamespace(id.namespace)) return noSuchNamespace(id.namespace);
  const name = formatIdentifier(id);
  if (state.table(id.namespace, id.name)) {
    return new CatalogError('AlreadyExists', creating === 'table' ? `Table already exists: ${name}` : `Table with same name already exists: ${name}`);
  }
  if (state.view(id.namespace, id.name)) {
    return new CatalogError('AlreadyExists', creating === 'view' ? `View already exists: ${name}` : `View with same name already exists: ${name}`);
  }
  return undefined;
}

/** The path segment of the longest start of `name` that fits `max` characters (whole characters only). */
function shortSegment(name: string, max: number): string {
  const whole = pathSegment(name);
  if (whole.length <= max) return whole;
  let out = '';
  for (const char of name) {
    const encoded = pathSegment(char);
    if (out.length + encoded.length > max) break;
    out += encoded;
  }
  return out;
}

/**
 * Default location: unique per create (the uuid suffix), so a rename or a drop and re-create
 * never collide. Long names are shortened (a 1 KiB name made a path segment no file system takes,
 * and a 500); deeper namespace levels are left out once their segments are long enough.
 */
export function defaultLocation(ctx: CatalogContext, id: Identifier): string {
  const suffix = ctx.rng.uuid().replace(/-/g, '');
  const levels: string[] = [];
  let used = 0;
  for (const level of id.namespace) {
    const segment = shortSegment(level, LOCATION_SEGMENT_CHARS_MAX);
    if (used + segment.length + 1 > LOCATION_NAMESPACE_CHARS_MAX) break;
    levels.push(segment);
    used += segment.length + 1;
  }
  return [ctx.warehouseUrl, ...levels, `${shortSegment(id.name, LOCATION_SEGMENT_CHARS_MAX)}-${suffix}`].join('/');
}

export function etagOf(metadataLocation: string, mode: SnapshotsMode): string {
  return `"${createHash('sha256').update(`${metadataLocation},snapshots=${mode}`).digest('base64url').slice(0, 27)}"`;
}

interface Rendered {
  json: string;
  body: Buffer;
  etag: string;
}

/**
 * Rendered answers per (snapshots mode, engine config, metadata file), bounded in bytes: metadata
 * files never change and a catalog's engine config is fixed when it opens; the config is in the
 * key because one process may serve catalogs with different settings (tests do).
 */
const rendered = new ByteLru<string, Rendered>(RENDERED_CACHE_BYTES_MAX);
const SNAPSHOTS_MODES: readonly SnapshotsMode[] = ['all', 'refs'];
const renderedKey = (mode: SnapshotsMode, config: string, location: string) => `${mode}\u0000${config}\u0000${location}`;

/** Bytes the rendered-answer cache accounts for (never above RENDERED_CACHE_BYTES_MAX). */
export const renderedCacheBytes = (): number => rendered.bytes;

function toResult(ctx: CatalogContext, location: string, metadata: TableMetadata, mode: SnapshotsMode): LoadTableResult {
  const configJson = ctx.warehouse.engineConfigJson;
  const cacheKey = renderedKey(mode, configJson, location);
  let cached = rendered.get(cacheKey);
  if (cached === undefined) {
    const json = stringifyJson(responseJson(mode === 'refs' ? refsOnly(metadata) : metadata));
    const body = Buffer.from(`{"metadata-location":${JSON.stringify(location)},"metadata":${json},"config":${configJson}}`);
    cached = { json, body, etag: etagOf(location, mode) };
    // the JSON text is held once as a string and once inside the body
    rendered.set(cacheKey, cached, json.length + body.length);
  }
  return { metadataLocation: location, metadata, metadataJson: cached.json, configJson, body: cached.body, etag: cached.etag };
}

/**
 * A version whose pointer moved on: drop it from both caches, so a long history does not pile up
 * superseded versions (a table at 6 000 snapshots had kept thousands of them).
 */
export function supersede(ctx: CatalogContext, location: string): void {
  ctx.warehouse.forget(location);
  for (const mode of SNAPSHOTS_MODES) rendered.delete(renderedKey(mode, ctx.warehouse.engineConfigJson, location));
}

/** The answer for a given version (used when an Idempotency-Key replays a recorded answer). */
export const renderLoadResult = (ctx: CatalogContext, location: string, metadata: TableMetadata): LoadTableResult =>
  toResult(ctx, location, metadata, 'all');

/**
 * Metadata as the REST API answers it. v3 files say `"current-snapshot-id": null` when there
 * is no snapshot (as Java writes them), but the REST schema types it as an integer; the field
 * is optional there, so the answer leaves it out, which clients read as "no snapshot".
 */
function responseJson(metadata: TableMetadata): Record<string, unknown> {
  const json = tableMetadataToJson(metadata);
  if (json['current-snapshot-id'] === null) delete json['current-snapshot-id'];
  return json;
}

export async function readTable(ctx: CatalogContext, location: string): Promise<TableMetadata> {
  return ctx.warehouse.read('table', location);
}

export async function listTables(ctx: CatalogContext, levels: string[], page: PageRequest): Promise<Page<Identifier>> {
  await readBarrier(ctx);
  if (!ctx.store.state.hasNamespace(levels)) throw noSuchNamespace(levels);
  return paginate(ctx.store.state.tableNames(levels), page, (name) => ({ namespace: levels, name }));
}

export async function loadTable(ctx: CatalogContext, id: Identifier, mode: SnapshotsMode = 'all'): Promise<LoadTableResult> {
  const loaded = await loadTableIfChanged(ctx, id, mode, undefined);
  if (loaded.kind !== 'loaded') throw new Error('bug: a load without If-None-Match answered not-modified');
  return loaded.result;
}

/**
 * The current version, or `notModified` when its ETag is one the client already holds
 * (If-None-Match), decided after one read barrier and without reading the metadata file.
 */
export async function loadTableIfChanged(
  ctx: CatalogContext,
  id: Identifier,
  mode: SnapshotsMode,
  ifNoneMatch: string | undefined,
): Promise<{ kind: 'notModified'; etag: string } | { kind: 'loaded'; result: LoadTableResult }> {
  // The file must still exist (a vanished metadata file answers 404): check it while the
  // read barrier runs, and again only if the barrier moved the pointer.
  const before = ctx.store.state.table(id.namespace, id.name)?.metadataLocation;
  const existed = before === undefined || ifNoneMatch ? undefined : ctx.warehouse.exists(before).catch(() => undefined);
  await readBarrier(ctx);
  const pointer = ctx.store.state.table(id.namespace, id.name);
  if (!pointer) throw noSuchTable(id);
  if (ifNoneMatch) {
    const etag = etagOf(pointer.metadataLocation, mode);
    if (ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return { kind: 'notModified', etag };
  }
  const verified = pointer.metadataLocation === before && (await existed) === true;
  const metadata = await ctx.warehouse.read('table', pointer.metadataLocation, !verified);
  return { kind: 'loaded', result: toResult(ctx, pointer.metadataLocation, metadata, mode) };
}

export async function tableExists(ctx: CatalogContext, id: Identifier): Promise<boolean> {
  await readBarrier(ctx);
  return ctx.store.state.table(id.namespace, id.name) !== undefined;
}

interface CreateBody {
  name: string;
  properties?: unknown;
  schema?: unknown;
  location?: string;
  'stage-create'?: boolean;
}

export async function createTable(ctx: CatalogContext, levels: string[], body: CreateBody): Promise<LoadTableResult> {
  const id = { namespace: levels, name: body.name };
  checkCreate(body, 'table');
  if (body['stage-create'] === true) {
    await readBarrier(ctx);
    const taken = nameTakenError(ctx.store.state, id, 'table');
    if (taken) throw taken;
    const metadata = buildNewTable(ctx, id, body);
    checkTableLocation(ctx, ctx.store.state, id, metadata.location);
    const created = { ...metadata, properties: { 'created-at': new Date(ctx.clock.nowMs()).toISOString(), ...metadata.properties } };
    const json = stringifyJson(responseJson(created));
    return { metadataLocation: undefined, metadata: created, metadataJson: json, configJson: ctx.warehouse.engineConfigJson, etag: '' };
  }
  return writeNewTable(ctx, id, (state) => {
    const taken = nameTakenError(state, id, 'table');
    if (taken) throw taken;
    return buildNewTable(ctx, id, body);
  });
}

function buildNewTable(ctx: CatalogContext, id: Identifier, body: CreateBody): TableMetadata {
  const location = (body.location ?? defaultLocation(ctx, id)).replace(/\/+$/, '');
  return unwrap(newTableMetadata(body, { location, nowMs: ctx.clock.nowMs(), uuid: ctx.rng.uuid() }));
}

/** 400 unless the table may live at `location` (see LocationPolicy.checkEntityLocation). */
function checkTableLocation(ctx: CatalogContext, state: CatalogState, id: Identifier, location: string): void {
  ctx.warehouse.locations.checkEntityLocation(location, state, { kind: 'table', ns: id.namespace, name: id.name });
}

/** Writes version 0 of a new table and commits its pointer; used by create, create-by-commit and register-like paths. */
async function writeNewTable(
  ctx: CatalogContext,
  id: Identifier,
  build: (state: CatalogState) => TableMetadata,
): Promise<LoadTableResult> {
  return commitWriting<LoadTableResult>(ctx, async (state, written): Promise<Prepared<LoadTableResult>> => {
    const metadata = build(state);
    checkTableLocation(ctx, state, id, metadata.location);
    const location = newMetadataFileLocation({
      location: metadata.location, properties: metadata.properties, previousLocation: undefined, uuid: ctx.rng.uuid(), defaultCodec: 'none',
    });
    await ctx.warehouse.write('table', location, tableMetadataToJson(metadata), metadata);
    written.push(location);
    return {
      kind: 'txn',
      effects: [{ op: 'table.create', ns: id.namespace, name: id.name, to: location }],
      result: toResult(ctx, location, metadata, 'all'),
    };
  });
}

interface CommitBody {
  requirements?: unknown;
  updates?: unknown;
}

export async function commitTable(ctx: CatalogContext, id: Identifier, body: CommitBody): Promise<LoadTableResult> {
  // both are required by the spec: a body without them (e.g. {properties: ...}) is not a no-op
  const { requirements, updates } = body;
  if (!Array.isArray(requirements) || !Array.isArray(updates)) {
    throw new CatalogError('BadRequest', 'Invalid commit: requirements and updates are required arrays');
  }
  checkCommit(requirements, updates);
  if (isCreateRequest(requirements)) {
    unwrap(checkTableRequirements(requirements, undefined));
    return writeNewTable(ctx, id, (state) => {
      if (!state.hasNamespace(id.namespace)) throw noSuchNamespace(id.namespace);
      if (state.table(id.namespace, id.name)) throw new CatalogError('CommitFailed', 'Requirement failed: table already exists');
      const taken = nameTakenError(state, id, 'table');
      if (taken) throw taken;
      const context = { nowMs: ctx.clock.nowMs(), newUuid: ctx.rng.uuid(), defaultLocation: defaultLocation(ctx, id) };
      const created = unwrap(applyTableUpdates(undefined, updates, context)).metadata;
      checkPropertiesGrowth({}, created.properties, 'table properties');
      return created;
    });
  }
  let removedMetadataFiles: string[] = [];
  let owner = '';
  let superseded: string | undefined;
  const result = await commitWriting<LoadTableResult>(ctx, async (state, written): Promise<Prepared<LoadTableResult>> => {
    const change = await prepareTableChange(ctx, state, id, requirements, updates, written);
    if (change.kind !== 'change') return change;
    removedMetadataFiles = change.removedMetadataFiles;
    owner = change.result.metadata.location;
    superseded = change.superseded;
    return { kind: 'txn', effects: [change.effect], result: change.result };
  });
  if (superseded !== undefined && result.metadataLocation !== superseded) supersede(ctx, superseded);
  // write.metadata.delete-after-commit: only files under the table's own location
  if (mayDeleteExistingFiles(ctx)) for (const file of removedMetadataFiles) await ctx.warehouse.delete(file, owner);
  return result;
}

export type TableChange =
  | { kind: 'reject'; error: unknown }
  | { kind: 'noop'; result: LoadTableResult }
  | { kind: 'change'; effect: Effect; result: LoadTableResult; removedMetadataFiles: string[]; superseded: string };

/**
 * One table's commit against `state`: check the requirements on the current metadata, apply
 * the updates and write the new metadata file (its location is pushed to `written`, so an
 * attempt that loses its race can delete it). Shared by single and multi-table commits.
 */
export async function prepareTableChange(
  ctx: CatalogContext,
  state: CatalogState,
  id: Identifier,
  requirements: unknown[],
  updates: unknown[],
  written: string[],
): Promise<TableChange> {
  const pointer = state.table(id.namespace, id.name);
  if (!pointer) return { kind: 'reject', error: noSuchTable(id) };
  const base = await readTable(ctx, pointer.metadataLocation);
  unwrap(checkTableRequirements(requirements, base));
  const applied = unwrap(applyTableUpdates(base, updates, { nowMs: ctx.clock.nowMs(), baseMetadataLocation: pointer.metadataLocation }));
  if (!applied.changed) return { kind: 'noop', result: toResult(ctx, pointer.metadataLocation, base, 'all') };
  if (applied.metadata.location !== base.location) checkTableLocation(ctx, state, id, applied.metadata.location);
  checkPropertiesGrowth(base.properties, applied.metadata.properties, 'table properties');
  const location = newMetadataFileLocation({
    location: applied.metadata.location,
    properties: applied.metadata.properties,
    previousLocation: pointer.metadataLocation,
    uuid: ctx.rng.uuid(),
    defaultCodec: 'none',
  });
  await ctx.warehouse.write('table', location, tableMetadataToJson(applied.metadata), applied.metadata);
  written.push(location);
  return {
    kind: 'change',
    effect: { op: 'table.setPointer', ns: id.namespace, name: id.name, expect: pointer.metadataLocation, to: location },
    result: toResult(ctx, location, applied.metadata, 'all'),
    removedMetadataFiles: applied.removedMetadataFiles,
    superseded: pointer.metadataLocation,
  };
}

export function dropTable(ctx: CatalogContext, id: Identifier): Promise<string> {
  return commit(ctx, async (state) => {
    const pointer = state.table(id.namespace, id.name);
    if (!pointer) return { kind: 'reject', error: noSuchTable(id) };
    return {
      kind: 'txn',
      effects: [{ op: 'table.drop', ns: id.namespace, name: id.name, expect: pointer.metadataLocation }],
      result: pointer.metadataLocation,
    };
  });
}

export function renameTable(ctx: CatalogContext, from: Identifier, to: Identifier): Promise<void> {
  return commit(ctx, async (state) => {
    if (!state.table(from.namespace, from.name)) return { kind: 'reject', error: noSuchTable(from) };
    if (!state.hasNamespace(to.namespace)) return { kind: 'reject', error: noSuchNamespace(to.namespace) };
    if (state.table(to.namespace, to.name)) {
      return { kind: 'reject', error: new CatalogError('AlreadyExists', `Table already exists: ${formatIdentifier(to)}`) };
    }
    if (state.view(to.namespace, to.name)) {
      const message = `Cannot rename ${formatIdentifier(from)} to ${formatIdentifier(to)}. View already exists`;
      return { kind: 'reject', error: new CatalogError('AlreadyExists', message) };
    }
    return { kind: 'txn', effects: [{ op: 'table.rename', from: { ns: from.namespace, name: from.name }, to: { ns: to.namespace, name: to.name } }], result: undefined };
  });
}
