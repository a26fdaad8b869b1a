// Table operations: create (and stage-create), load, exists, drop, rename, commit. A commit
// re-runs against the newest head whenever it lost a race and its requirements still hold:
// that is the server-side retry, done by the store's committer calling `prepare` again.
import { createHash } from 'node:crypto';
import {
  applyTableUpdates, checkTableRequirements, isCreateRequest, newMetadataFileLocation, newTableMetadata,
  refsOnly, tableMetadataToJson, type TableMetadata,
} from '../iceberg/index.js';
import type { CatalogState, Consistency, Effect } from '../store/index.js';
import { LOCATION_NAMESPACE_CHARS_MAX, LOCATION_SEGMENT_CHARS_MAX, RENDERED_CACHE_BYTES_MAX } from '../config/index.js';
import { assert, ByteLru } from '../util/index.js';
import { stringifyJson } from '../util/index.js';
import { CatalogError, errors } from './errors.js';
import { readBarrier, unwrap, type CatalogContext } from './context.js';
import { fromIceberg } from './dependency-errors.js';
import {
  commit, EMPTY, jsonReply, loadTableBody, noop, read, refused, reject, type Attempt, type Decision, type FileDeletion, type Operation, type TableReply,
} from './decision.js';
import { checkCommit, checkCreate, checkPropertiesGrowth } from './input-limits.js';
import { pathSegment, type Identifier } from './names.js';
import { listJson, paginate, type PageRequest } from './pagination.js';
import { allOf, bind, onNamespace, onTable, visible, type Check } from './guards.js';

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

/** The answer for a loaded version; `config` false for unregister, which answers none. */
export function tableReply(result: LoadTableResult, config = true): { kind: 'table'; table: TableReply } {
  if (!config) {
    return { kind: 'table', table: { location: result.metadataLocation, metadataJson: result.metadataJson, configJson: undefined, etag: undefined } };
  }
  const { metadataLocation: location, metadataJson, configJson, body } = result;
  return { kind: 'table', table: { location, metadataJson, configJson, etag: result.etag || undefined, ...(body && { body }) } };
}

/** Why `id` cannot be created in `state`, if it cannot. */
export function nameTakenError(state: CatalogState, id: Identifier, creating: 'table' | 'view'): CatalogError | undefined {
  if (!state.hasNamespace(id.namespace)) return errors.noSuchNamespace(id.namespace);
  if (state.table(id.namespace, id.name)) return errors.nameTaken(id, 'table', creating);
  if (state.view(id.namespace, id.name)) return errors.nameTaken(id, 'view', creating);
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
    const body = Buffer.from(loadTableBody({ location, metadataJson: json, configJson }));
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

export const listTables = (levels: string[], page: PageRequest): Operation =>
  read(async (ctx, req) => {
    await readBarrier(ctx, req.consistency);
    const state = ctx.store.state;
    const names = visible(state, req, 'table', levels, state.tableNames(levels));
    if (names instanceof CatalogError) return reject(names);
    if (!state.hasNamespace(levels)) return reject(errors.noSuchNamespace(levels));
    return noop(jsonReply(listJson('identifiers', paginate(names, page, (name) => ({ namespace: levels, name })))));
  });

/**
 * The current version (for planning, signing), if `check` allows the caller against the state
 * after the read barrier. Its refusal and NoSuchTable are thrown: the pipeline rejects with them.
 */
export async function loadCurrentTable(ctx: CatalogContext, id: Identifier, consistency: Consistency | undefined, check: Check): Promise<LoadTableResult> {
  const loaded = await loadTableIfChanged(ctx, id, 'all', undefined, consistency, check);
  if (loaded.kind === 'denied') throw loaded.error;
  if (loaded.kind === 'missing') throw errors.noSuchTable(id);
  assert(loaded.kind === 'loaded', 'a load without If-None-Match answers the table, never not-modified');
  return loaded.result;
}

/** GET a table: its current version, or 304 when If-None-Match holds its ETag. */
export const loadTable = (id: Identifier, mode: SnapshotsMode, ifNoneMatch: string | undefined): Operation =>
  read(async (ctx, req) => {
    const loaded = await loadTableIfChanged(ctx, id, mode, ifNoneMatch, req.consistency, bind(onTable('TABLE_READ_METADATA', id), req));
    switch (loaded.kind) {
      case 'denied':
        return reject(loaded.error);
      case 'missing':
        return reject(errors.noSuchTable(id));
      case 'notModified':
        return noop({ kind: 'empty', status: 304, etag: loaded.etag });
      case 'loaded':
        return noop(tableReply(loaded.result));
    }
  });

/**
 * The current version, or `notModified` when its ETag is one the client already holds
 * (If-None-Match), decided after one read barrier and without reading the metadata file.
 */
async function loadTableIfChanged(
  ctx: CatalogContext,
  id: Identifier,
  mode: SnapshotsMode,
  ifNoneMatch: string | undefined,
  consistency: Consistency | undefined,
  check: Check,
): Promise<{ kind: 'denied'; error: CatalogError } | { kind: 'missing' } | { kind: 'notModified'; etag: string } | { kind: 'loaded'; result: LoadTableResult }> {
  // The file must still exist (a vanished metadata file answers 404): check it while the
  // read barrier runs, and again only if the barrier moved the pointer. A failed check only
  // means the file is read with its existence checked again, so its error needs no report.
  const before = ctx.store.state.table(id.namespace, id.name)?.metadataLocation;
  const existed = before === undefined || ifNoneMatch ? undefined : ctx.warehouse.exists(before).catch(() => undefined);
  await readBarrier(ctx, consistency);
  const denied = check(ctx.store.state);
  if (denied) return { kind: 'denied', error: denied };
  const pointer = ctx.store.state.table(id.namespace, id.name);
  if (!pointer) return { kind: 'missing' };
  if (ifNoneMatch) {
    const etag = etagOf(pointer.metadataLocation, mode);
    if (ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return { kind: 'notModified', etag };
  }
  const verified = pointer.metadataLocation === before && (await existed) === true;
  const metadata = await ctx.warehouse.read('table', pointer.metadataLocation, !verified);
  return { kind: 'loaded', result: toResult(ctx, pointer.metadataLocation, metadata, mode) };
}

/** Whether the table exists, after the read barrier, if `check` allows the caller (else its refusal). */
export async function tableExists(ctx: CatalogContext, id: Identifier, consistency: Consistency | undefined, check: Check): Promise<boolean | CatalogError> {
  await readBarrier(ctx, consistency);
  return check(ctx.store.state) ?? ctx.store.state.table(id.namespace, id.name) !== undefined;
}

/** HEAD a table: 204 or 404, no body. */
export const tableExistsOperation = (id: Identifier): Operation =>
  read(async (ctx, req) => {
    const exists = await tableExists(ctx, id, req.consistency, bind(onTable('TABLE_READ_METADATA', id), req));
    return exists instanceof CatalogError ? reject(exists) : noop({ kind: 'empty', status: exists ? 204 : 404 });
  });

/** POST …/metrics: accepted (and not kept) for an existing table. */
/** An engine's ScanReport or CommitReport: accepted (and handed to `accept`) for a table that exists. */
export const reportMetrics = (id: Identifier, accept: () => void = () => undefined): Operation =>
  read(async (ctx, req) => {
    const exists = await tableExists(ctx, id, req.consistency, bind(onTable('TABLE_READ_METADATA', id), req));
    if (exists instanceof CatalogError) return reject(exists);
    if (!exists) return reject(errors.noSuchTable(id));
    accept();
    return noop(EMPTY);
  });

interface CreateBody {
  name: string;
  properties?: unknown;
  schema?: unknown;
  location?: string;
  'stage-create'?: boolean;
}

export function createTable(levels: string[], body: CreateBody): Operation {
  const id = { namespace: levels, name: body.name };
  if (body['stage-create'] === true) {
    // nothing is written or committed: the client commits the table later
    return read(async (ctx, req) => {
      const tooLarge = checkCreate(body, 'table');
      if (tooLarge) return reject(tooLarge);
      await readBarrier(ctx, req.consistency);
      const denied = onNamespace('TABLE_CREATE', levels)(ctx.store.state, req);
      if (denied) return reject(denied);
      const taken = nameTakenError(ctx.store.state, id, 'table');
      if (taken) return reject(taken);
      const metadata = buildNewTable(ctx, id, body);
      checkTableLocation(ctx, ctx.store.state, id, metadata.location);
      const created = { ...metadata, properties: { 'created-at': new Date(ctx.clock.nowMs()).toISOString(), ...metadata.properties } };
      const json = stringifyJson(responseJson(created));
      return noop({ kind: 'table', table: { location: undefined, metadataJson: json, configJson: ctx.warehouse.engineConfigJson, etag: undefined } });
    });
  }
  return newTableOperation(id, (ctx, state) => {
    const tooLarge = checkCreate(body, 'table');
    if (tooLarge) return tooLarge;
    const taken = nameTakenError(state, id, 'table');
    if (taken) return taken;
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

/** Writes version 0 of a new table and commits its pointer; used by create and create-by-commit (a staged create's commit). */
function newTableOperation(
  id: Identifier,
  build: (ctx: CatalogContext, state: CatalogState) => TableMetadata | CatalogError,
): Operation {
  return {
    kind: 'write',
    authorize: onNamespace('TABLE_CREATE', id.namespace),
    async prepare(ctx, state, attempt) {
      const metadata = build(ctx, state);
      if (metadata instanceof CatalogError) return reject(metadata);
      checkTableLocation(ctx, state, id, metadata.location);
      const location = newMetadataFileLocation({
        location: metadata.location, properties: metadata.properties, previousLocation: undefined, uuid: ctx.rng.uuid(), defaultCodec: 'none',
      });
      await ctx.warehouse.write('table', location, tableMetadataToJson(metadata), metadata);
      attempt.written.push(location);
      const effect: Effect = { op: 'table.create', ns: id.namespace, name: id.name, to: location };
      return commit([effect], tableReply(toResult(ctx, location, metadata, 'all')), [location]);
    },
  };
}

interface CommitBody {
  requirements?: unknown;
  updates?: unknown;
}

export function commitTable(id: Identifier, body: CommitBody): Operation {
  // both are required by the spec: a body without them (e.g. {properties: ...}) is not a no-op
  const { requirements, updates } = body;
  if (!Array.isArray(requirements) || !Array.isArray(updates)) {
    return refused(new CatalogError('BadRequest', 'Invalid commit: requirements and updates are required arrays'));
  }
  if (isCreateRequest(requirements)) {
    return newTableOperation(id, (ctx, state) => {
      const tooLarge = checkCommit(requirements, updates);
      if (tooLarge) return tooLarge;
      const checked = checkTableRequirements(requirements, undefined);
      if (!checked.ok) return fromIceberg(checked.error);
      if (!state.hasNamespace(id.namespace)) return errors.noSuchNamespace(id.namespace);
      if (state.table(id.namespace, id.name)) return new CatalogError('CommitFailed', 'Requirement failed: table already exists');
      const taken = nameTakenError(state, id, 'table');
      if (taken) return taken;
      const context = { nowMs: ctx.clock.nowMs(), newUuid: ctx.rng.uuid(), defaultLocation: defaultLocation(ctx, id) };
      const applied = applyTableUpdates(undefined, updates, context);
      if (!applied.ok) return fromIceberg(applied.error);
      return checkPropertiesGrowth({}, applied.value.metadata.properties, 'table properties') ?? applied.value.metadata;
    });
  }
  return {
    kind: 'write',
    authorize: onTable('TABLE_WRITE_METADATA', id),
    async prepare(ctx, state, attempt) {
      const tooLarge = checkCommit(requirements, updates);
      if (tooLarge) return reject(tooLarge);
      const change = await prepareTableChange(ctx, state, id, requirements, updates, attempt);
      if (change.kind !== 'change') return change.decision;
      const owner = change.result.metadata.location;
      const deletions: FileDeletion[] = change.removedMetadataFiles.map((file) => ({ kind: 'file', file, owner }));
      return commit([change.effect], tableReply(change.result), [change.file], deletions, [change.superseded]);
    },
  };
}

export type TableChange =
  | { kind: 'unchanged'; decision: Decision }
  | { kind: 'change'; effect: Effect; result: LoadTableResult; file: string; removedMetadataFiles: string[]; superseded: string };

/**
 * One table's commit against `state`: check the requirements on the current metadata, apply
 * the updates and write the new metadata file (its location is pushed to `attempt.written`, so
 * an attempt that loses its race can delete it). Shared by single and multi-table commits.
 */
export async function prepareTableChange(
  ctx: CatalogContext,
  state: CatalogState,
  id: Identifier,
  requirements: unknown[],
  updates: unknown[],
  attempt: Attempt,
): Promise<TableChange> {
  const pointer = state.table(id.namespace, id.name);
  if (!pointer) return { kind: 'unchanged', decision: reject(errors.noSuchTable(id)) };
  const base = await readTable(ctx, pointer.metadataLocation);
  const checked = checkTableRequirements(requirements, base);
  if (!checked.ok) return { kind: 'unchanged', decision: reject(fromIceberg(checked.error)) };
  const applied = applyTableUpdates(base, updates, { nowMs: ctx.clock.nowMs(), baseMetadataLocation: pointer.metadataLocation });
  if (!applied.ok) return { kind: 'unchanged', decision: reject(fromIceberg(applied.error)) };
  const { metadata, changed, removedMetadataFiles } = applied.value;
  if (!changed) return { kind: 'unchanged', decision: noop(tableReply(toResult(ctx, pointer.metadataLocation, base, 'all'))) };
  if (metadata.location !== base.location) checkTableLocation(ctx, state, id, metadata.location);
  const grown = checkPropertiesGrowth(base.properties, metadata.properties, 'table properties');
  if (grown) return { kind: 'unchanged', decision: reject(grown) };
  const location = newMetadataFileLocation({
    location: metadata.location,
    properties: metadata.properties,
    previousLocation: pointer.metadataLocation,
    uuid: ctx.rng.uuid(),
    defaultCodec: 'none',
  });
  await ctx.warehouse.write('table', location, tableMetadataToJson(metadata), metadata);
  attempt.written.push(location);
  return {
    kind: 'change',
    effect: { op: 'table.setPointer', ns: id.namespace, name: id.name, expect: pointer.metadataLocation, to: location },
    result: toResult(ctx, location, metadata, 'all'),
    file: location,
    removedMetadataFiles,
    superseded: pointer.metadataLocation,
  };
}

export const dropTable = (id: Identifier): Operation => ({
  kind: 'write',
  authorize: onTable('TABLE_DROP', id),
  async prepare(_ctx, state) {
    const pointer = state.table(id.namespace, id.name);
    if (!pointer) return reject(errors.noSuchTable(id));
    return commit([{ op: 'table.drop', ns: id.namespace, name: id.name, expect: pointer.metadataLocation }], EMPTY);
  },
});

export const renameTable = (from: Identifier, to: Identifier): Operation => ({
  kind: 'write',
  authorize: allOf(onTable('TABLE_DROP', from), onNamespace('TABLE_CREATE', to.namespace)),
  async prepare(_ctx, state) {
    if (!state.table(from.namespace, from.name)) return reject(errors.noSuchTable(from));
    if (!state.hasNamespace(to.namespace)) return reject(errors.noSuchNamespace(to.namespace));
    if (state.table(to.namespace, to.name)) return reject(errors.nameTaken(to, 'table', 'table'));
    if (state.view(to.namespace, to.name)) return reject(errors.renameTargetTaken(from, to, 'view'));
    return commit([{ op: 'table.rename', from: { ns: from.namespace, name: from.name }, to: { ns: to.namespace, name: to.name } }], EMPTY);
  },
});
