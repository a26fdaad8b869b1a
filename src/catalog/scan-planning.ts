// Server-side scan planning (planTableScan, fetchPlanningResult, cancelPlanning, fetchScanTasks;
// SERVER-RULES §1.5). Planning is synchronous: the answer is always "completed". Small scans come
// back inline; large ones come back as plan tasks (one per data manifest) that fetchScanTasks
// expands, so no single answer has to hold a whole large table.
//
// Filter pushdown: a data file is left out only when its partition values (through the
// partition transforms) or its column metrics show no row can match (iceberg/scan, inclusive
// like Java's ManifestGroup). Every returned task carries the request's filter as its
// `residual-filter`: always correct, the client still applies it.
//
// Column stats: returned for the columns named in `stats-fields` only, on data and delete
// files; none when it is absent, as Java's server does (CatalogHandlers only calls
// includeColumnStats when the request names fields, otherwise files are copied without stats).
// Bounds are written as Java's ContentFileParser writes them: the manifest's binary
// single-value form as an upper-case hex string (BinaryTypeValue; the Java client parses the
// ValueMap as map<int, binary>, so typed values would fail there).
//
// Plans live in this process's memory (bounded LRU with a TTL). Another replica does not know
// them and answers 404 NoSuchPlanIdException / NoSuchPlanTaskException; clients re-plan.
import { METADATA_FILE_BYTES_MAX, SCAN_FILTER_NODES_MAX } from '../config/index.js';
import {
  NO_SNAPSHOT_ID, bindFilter, filterSize, findField, metricsMightMatch, parseFilter, partitionMightMatch,
  readManifestDataFiles, readManifestListEntries, rewriteNot, schemaFields,
  type BoundExpr, type DataFileRecord, type Expr, type ManifestDataFileEntry, type ManifestFileInfo,
  type PartitionSpec, type SchemaFields, type Snapshot, type TableMetadata,
} from '../iceberg/index.js';
import { stringifyJson } from '../util/index.js';
import type { Consistency } from '../store/index.js';
import type { CatalogContext } from './context.js';
import { EMPTY, jsonReply, noop, read, refused, reject, type Asker, type Operation } from './decision.js';
import { fromIceberg } from './dependency-errors.js';
import { CatalogError } from './errors.js';
import type { Identifier } from './names.js';
import { loadCurrentTable } from './tables.js';
import { bind, onTable, type Check } from './guards.js';

/** Plans remembered per catalog; the least recently used is forgotten first. */
export const PLANS_MAX = 100;
/** A plan (or a cancelled plan's tombstone) is forgotten this long after its last use. */
export const PLAN_TTL_MS = 30 * 60 * 1000;
/** More file scan tasks than this are not answered inline but split into plan tasks. */
export const PLAN_INLINE_TASKS_MAX = 1000;
/** More data manifests than this are split into plan tasks without reading them at plan time. */
export const PLAN_INLINE_MANIFESTS_MAX = 16;
/** A manifest list or manifest larger than this is refused rather than decoded in memory. */
export const MANIFEST_BYTES_MAX = METADATA_FILE_BYTES_MAX;

if (PLAN_INLINE_MANIFESTS_MAX > PLAN_INLINE_TASKS_MAX) throw new Error('limits: inline manifests bound above inline tasks bound');

/** A data or delete file with what matching needs (its inherited data sequence number). */
interface LiveFile {
  file: DataFileRecord;
  specId: number;
  dataSequenceNumber: bigint;
  /** JSON of the partition values, to compare partitions */
  partitionKey: string;
}

/** What decides which data files a plan returns and which stats they carry. */
interface Selection {
  /** the request's filter, returned as every task's residual */
  filter: unknown;
  bound: BoundExpr;
  fields: SchemaFields;
  specs: Map<number, PartitionSpec>;
  /** field ids whose column stats are returned */
  statsIds: Set<number>;
}

interface Plan {
  id: string;
  tableUuid: string;
  state: 'completed' | 'cancelled';
  lastUsedMs: number;
  /** the stored answer for fetchPlanningResult (completed plans) */
  body: string;
  selection: Selection;
  /** data manifests behind the plan tasks, by index */
  manifests: ManifestFileInfo[];
  /** incremental scans: only files ADDED by these snapshots */
  addedBy: Set<bigint> | undefined;
  deletes: LiveFile[];
}

const plansByCatalog = new WeakMap<CatalogContext, Map<string, Plan>>();

function plans(ctx: CatalogContext): Map<string, Plan> {
  let map = plansByCatalog.get(ctx);
  if (!map) {
    map = new Map();
    plansByCatalog.set(ctx, map);
  }
  // expire from the oldest end: the map is kept in last-use order
  const now = ctx.clock.nowMs();
  for (const [id, plan] of map) {
    if (now - plan.lastUsedMs <= PLAN_TTL_MS) break;
    map.delete(id);
  }
  return map;
}

function remember(ctx: CatalogContext, plan: Plan): void {
  const map = plans(ctx);
  map.delete(plan.id);
  plan.lastUsedMs = ctx.clock.nowMs();
  map.set(plan.id, plan);
  while (map.size > PLANS_MAX) map.delete(map.keys().next().value!);
}

const noSuchPlan = (planId: string) => new CatalogError('NotFound', `No such plan: ${planId}`, 'NoSuchPlanIdException');
const noSuchPlanTask = () => new CatalogError('NotFound', 'No such plan task', 'NoSuchPlanTaskException');

/** The plan for `id`'s current table (a dropped and re-created table does not inherit plans). */
async function findPlan(ctx: CatalogContext, id: Identifier, planId: string, consistency: Consistency | undefined, check: Check): Promise<Plan | undefined> {
  const { metadata } = await loadCurrentTable(ctx, id, consistency, check);
  const plan = plans(ctx).get(planId);
  if (!plan || plan.tableUuid !== metadata['table-uuid']) return undefined;
  remember(ctx, plan);
  return plan;
}

// ---- request -----------------------------------------------------------------------------------

export interface PlanRequest {
  snapshotId?: bigint;
  startSnapshotId?: bigint;
  endSnapshotId?: bigint;
  /** the filter as sent (the residual returned), and parsed with NOTs pushed down */
  filter: unknown;
  expr: Expr;
  caseSensitive: boolean;
  useSnapshotSchema: boolean;
  statsFields: string[] | undefined;
}

const illegal = (message: string) => new CatalogError('IllegalArgument', message);

function booleanField(body: Record<string, unknown>, key: string, fallback: boolean): boolean | CatalogError {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') return illegal(`Invalid ${key}: must be a boolean`);
  return v;
}

function snapshotIdField(body: Record<string, unknown>, key: string): bigint | undefined | CatalogError {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return illegal(`Invalid ${key}: must be a 64-bit integer`);
}

/** Validates a PlanTableScanRequest body (only the fields planning uses are interpreted). */
export function parsePlanRequest(body: Record<string, unknown>): PlanRequest | CatalogError {
  const snapshotId = snapshotIdField(body, 'snapshot-id');
  if (snapshotId instanceof CatalogError) return snapshotId;
  const startSnapshotId = snapshotIdField(body, 'start-snapshot-id');
  if (startSnapshotId instanceof CatalogError) return startSnapshotId;
  const endSnapshotId = snapshotIdField(body, 'end-snapshot-id');
  if (endSnapshotId instanceof CatalogError) return endSnapshotId;
  if (snapshotId !== undefined && (startSnapshotId !== undefined || endSnapshotId !== undefined)) {
    return illegal('Invalid scan: cannot provide both snapshot-id and start-snapshot-id/end-snapshot-id');
  }
  if ((startSnapshotId === undefined) !== (endSnapshotId === undefined)) {
    return illegal('Invalid incremental scan: start-snapshot-id and end-snapshot-id are both required');
  }
  const filter = body.filter;
  if (filter !== undefined && typeof filter !== 'boolean' && (typeof filter !== 'object' || filter === null || Array.isArray(filter))) {
    return illegal('Invalid filter: must be an expression object or a boolean');
  }
  for (const key of ['select', 'stats-fields']) {
    const v = body[key];
    if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))) {
      return illegal(`Invalid ${key}: must be an array of field names`);
    }
  }
  const parsed = parseFilter(filter ?? true);
  if (!parsed.ok) return fromIceberg(parsed.error);
  const caseSensitive = booleanField(body, 'case-sensitive', true);
  if (caseSensitive instanceof CatalogError) return caseSensitive;
  const useSnapshotSchema = booleanField(body, 'use-snapshot-schema', false);
  if (useSnapshotSchema instanceof CatalogError) return useSnapshotSchema;
  const statsFields = body['stats-fields'];
  return {
    snapshotId, startSnapshotId, endSnapshotId, filter: filter ?? true, expr: rewriteNot(parsed.value),
    caseSensitive,
    useSnapshotSchema,
    statsFields: Array.isArray(statsFields) ? (statsFields as string[]) : undefined,
  };
}

/** Binds the filter and the stats fields to the scan's schema (the snapshot's when asked). */
function select(metadata: TableMetadata, snapshot: Snapshot | undefined, request: PlanRequest): Selection | CatalogError {
  const schemaId = request.useSnapshotSchema && snapshot?.['schema-id'] !== undefined ? snapshot['schema-id'] : metadata['current-schema-id'];
  const schema = metadata.schemas.find((s) => s['schema-id'] === schemaId) ?? metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
  if (!schema) return new CatalogError('Internal', `Cannot plan scan: schema ${schemaId} is missing`);
  const fields = schemaFields(schema);
  const bound = bindFilter(request.expr, fields, request.caseSensitive);
  if (!bound.ok) return fromIceberg(bound.error);
  const statsIds = new Set<number>();
  for (const name of request.statsFields ?? []) {
    const field = findField(fields, { name }, request.caseSensitive);
    if (!field.ok) return fromIceberg(field.error);
    statsIds.add(field.value.id);
  }
  return {
    filter: request.filter,
    // a filter too large to evaluate per file is still answered, just not pruned
    bound: filterSize(bound.value) > SCAN_FILTER_NODES_MAX ? { op: 'true' } : bound.value,
    fields,
    specs: new Map(metadata['partition-specs'].map((spec) => [spec['spec-id'], spec])),
    statsIds,
  };
}

/** Whether a data file might hold rows the filter matches (never false when in doubt). */
function mightMatch(selection: Selection, f: LiveFile): boolean {
  if (selection.bound.op === 'true') return true;
  return (
    partitionMightMatch(selection.bound, selection.specs.get(f.specId), f.file.partitionValues, selection.fields) &&
    metricsMightMatch(selection.bound, f.file)
  );
}

// ---- reading the table's files -----------------------------------------------------------------

async function readFile(ctx: CatalogContext, location: string, what: string): Promise<Buffer | CatalogError> {
  const bytes = await ctx.warehouse.readBytes(location);
  if (bytes === undefined) return new CatalogError('Internal', `Cannot plan scan: ${what} does not exist: ${location}`);
  if (bytes.length > MANIFEST_BYTES_MAX) return new CatalogError('Internal', `Cannot plan scan: ${what} too large: ${location}`);
  return bytes;
}

function unwrapManifest<T>(result: { ok: true; value: T } | { ok: false; error: import('../iceberg/index.js').IcebergError }, location: string): T | CatalogError {
  if (result.ok) return result.value;
  if (result.error.kind === 'unsupported') return fromIceberg(result.error);
  return new CatalogError('Internal', `Cannot plan scan: cannot read ${location}: ${result.error.message}`);
}

async function manifestList(ctx: CatalogContext, snapshot: Snapshot): Promise<ManifestFileInfo[] | CatalogError> {
  const location = snapshot['manifest-list'];
  if (typeof location !== 'string' || location === '') {
    // v1 snapshots may list manifests inline instead; Java has not written those since 0.x
    return new CatalogError('Unsupported', `Cannot plan scan: snapshot ${snapshot['snapshot-id']} has no manifest list`);
  }
  const bytes = await readFile(ctx, location, 'manifest list');
  if (bytes instanceof CatalogError) return bytes;
  return unwrapManifest(readManifestListEntries(bytes), location);
}

/** Live entries of one manifest, with inherited snapshot ids and sequence numbers resolved. */
async function manifestEntries(ctx: CatalogContext, manifest: ManifestFileInfo): Promise<(ManifestDataFileEntry & { live: LiveFile })[] | CatalogError> {
  const bytes = await readFile(ctx, manifest.manifestPath, 'manifest');
  if (bytes instanceof CatalogError) return bytes;
  const entries = unwrapManifest(readManifestDataFiles(bytes), manifest.manifestPath);
  if (entries instanceof CatalogError) return entries;
  return entries
    .filter((e) => e.status !== 'deleted')
    .map((e) => ({
      ...e,
      // spec "Sequence Number Inheritance": null means the manifest's own (added-by) values
      snapshotId: e.snapshotId ?? manifest.addedSnapshotId,
      live: {
        file: e.dataFile,
        specId: manifest.partitionSpecId,
        dataSequenceNumber: e.sequenceNumber ?? manifest.sequenceNumber,
        partitionKey: stringifyJson(e.dataFile.partition),
      },
    }));
}

/**
 * Whether a delete file applies to a data file (format/spec.md "Scan Planning"): same spec and
 * partition (or an unpartitioned equality delete, which is global); position deletes apply to
 * data files with a data sequence number <= theirs, equality deletes to strictly older ones.
 */
function applies(del: LiveFile, data: LiveFile): boolean {
  if (del.file.content === 'position-deletes') {
    if (del.file.referencedDataFile !== undefined && del.file.referencedDataFile !== data.file.filePath) return false;
    return del.specId === data.specId && del.partitionKey === data.partitionKey && del.dataSequenceNumber >= data.dataSequenceNumber;
  }
  const global = del.file.partition.length === 0;
  const samePartition = global || (del.specId === data.specId && del.partitionKey === data.partitionKey);
  return samePartition && del.dataSequenceNumber > data.dataSequenceNumber;
}

// ---- JSON (ContentFile and friends in the REST spec) ------------------------------------------

/** A CountMap / ValueMap of the requested columns; undefined when none is left. */
function statsMap<V, J>(m: { key: number; value: V }[] | undefined, ids: Set<number>, json: (v: V) => J) {
  const kept = m?.filter((kv) => ids.has(kv.key));
  return kept && kept.length > 0 ? { keys: kept.map((kv) => kv.key), values: kept.map((kv) => json(kv.value)) } : undefined;
}

const count = (v: bigint) => v;
/** BinaryTypeValue: upper-case hex of the single-value bytes, as Java's SingleValueParser writes binary */
const hex = (v: Buffer) => v.toString('hex').toUpperCase();

function contentFileJson(f: LiveFile, statsIds: Set<number>): Record<string, unknown> {
  const d = f.file;
  const json: Record<string, unknown> = {
    'spec-id': f.specId,
    content: d.content,
    'file-path': d.filePath,
    'file-format': d.fileFormat.toLowerCase(),
    partition: d.partition,
    'file-size-in-bytes': d.fileSizeInBytes,
    'record-count': d.recordCount,
  };
  if (d.keyMetadata) json['key-metadata'] = d.keyMetadata.toString('hex').toUpperCase();
  if (d.splitOffsets) json['split-offsets'] = d.splitOffsets;
  if (d.sortOrderId !== undefined) json['sort-order-id'] = d.sortOrderId;
  const stats: [string, unknown][] = [
    ['column-sizes', statsMap(d.columnSizes, statsIds, count)],
    ['value-counts', statsMap(d.valueCounts, statsIds, count)],
    ['null-value-counts', statsMap(d.nullValueCounts, statsIds, count)],
    ['nan-value-counts', statsMap(d.nanValueCounts, statsIds, count)],
    ['lower-bounds', statsMap(d.lowerBounds, statsIds, hex)],
    ['upper-bounds', statsMap(d.upperBounds, statsIds, hex)],
  ];
  for (const [key, value] of stats) if (value) json[key] = value;
  if (d.content === 'data') {
    if (d.firstRowId !== undefined) json['first-row-id'] = d.firstRowId;
  } else if (d.content === 'position-deletes') {
    if (d.contentOffset !== undefined) json['content-offset'] = d.contentOffset;
    if (d.contentSizeInBytes !== undefined) json['content-size-in-bytes'] = d.contentSizeInBytes;
  } else if (d.equalityIds) {
    json['equality-ids'] = d.equalityIds;
  }
  return json;
}

/** ScanTasks JSON for some data files; `delete-files` holds only the ones referenced here. */
function scanTasksJson(data: LiveFile[], deletes: LiveFile[], selection: Selection): Record<string, unknown> {
  const deleteIndex = new Map<LiveFile, number>();
  const tasks = data.map((d) => {
    const refs: number[] = [];
    for (const del of deletes) {
      if (!applies(del, d)) continue;
      let index = deleteIndex.get(del);
      if (index === undefined) {
        index = deleteIndex.size;
        deleteIndex.set(del, index);
      }
      refs.push(index);
    }
    return {
      'data-file': contentFileJson(d, selection.statsIds),
      ...(refs.length > 0 && { 'delete-file-references': refs }),
      'residual-filter': selection.filter,
    };
  });
  return { 'delete-files': [...deleteIndex.keys()].map((f) => contentFileJson(f, selection.statsIds)), 'file-scan-tasks': tasks };
}

// ---- planning ---------------------------------------------------------------------------------

function snapshotById(metadata: TableMetadata, id: bigint): Snapshot | CatalogError {
  const snapshot = metadata.snapshots.find((s) => s['snapshot-id'] === id);
  return snapshot ?? illegal(`Cannot find snapshot with ID ${id}`);
}

/** Snapshots in (start, end], walking parents from end; start must be an ancestor of end. */
function incrementalRange(metadata: TableMetadata, start: bigint, end: bigint): Set<bigint> | CatalogError {
  const first = snapshotById(metadata, start);
  if (first instanceof CatalogError) return first;
  const range = new Set<bigint>();
  const last = snapshotById(metadata, end);
  if (last instanceof CatalogError) return last;
  let current: Snapshot | undefined = last;
  while (current && current['snapshot-id'] !== start) {
    range.add(current['snapshot-id']);
    const parent: bigint | undefined = current['parent-snapshot-id'];
    current = parent === undefined ? undefined : metadata.snapshots.find((s) => s['snapshot-id'] === parent);
  }
  if (!current) {
    return illegal(`Starting snapshot (exclusive) ${start} is not a parent ancestor of end snapshot ${end}`);
  }
  return range;
}

/** Data files of one manifest that the plan scans (incremental: only those its range added). */
async function planDataFiles(ctx: CatalogContext, manifest: ManifestFileInfo, addedBy: Set<bigint> | undefined, selection: Selection): Promise<LiveFile[] | CatalogError> {
  const entries = await manifestEntries(ctx, manifest);
  if (entries instanceof CatalogError) return entries;
  return entries
    .filter((e) => e.live.file.content === 'data')
    .filter((e) => !addedBy || (e.status === 'added' && e.snapshotId !== undefined && addedBy.has(e.snapshotId)))
    .map((e) => e.live)
    .filter((f) => mightMatch(selection, f));
}

const planTaskToken = (planId: string, manifest: number) =>
  Buffer.from(JSON.stringify({ plan: planId, manifest })).toString('base64url');

function parsePlanTaskToken(token: string): { plan: string; manifest: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { plan?: unknown; manifest?: unknown };
    if (typeof parsed.plan === 'string' && typeof parsed.manifest === 'number' && Number.isInteger(parsed.manifest)) {
      return { plan: parsed.plan, manifest: parsed.manifest };
    }
  } catch {
    // not one of ours
  }
  return undefined;
}

/** planTableScan: the PlanTableScanResult JSON text (status "completed", with a plan-id). */
async function planScan(ctx: CatalogContext, id: Identifier, request: PlanRequest, consistency: Consistency | undefined, check: Check): Promise<string | CatalogError> {
  const { metadata } = await loadCurrentTable(ctx, id, consistency, check);
  let snapshot: Snapshot | CatalogError | undefined;
  let addedBy: Set<bigint> | undefined;
  if (request.startSnapshotId !== undefined && request.endSnapshotId !== undefined) {
    const range = incrementalRange(metadata, request.startSnapshotId, request.endSnapshotId);
    if (range instanceof CatalogError) return range;
    addedBy = range;
    snapshot = snapshotById(metadata, request.endSnapshotId);
  } else if (request.snapshotId !== undefined) {
    snapshot = snapshotById(metadata, request.snapshotId);
  } else if (metadata['current-snapshot-id'] !== NO_SNAPSHOT_ID) {
    snapshot = snapshotById(metadata, metadata['current-snapshot-id']);
  }
  if (snapshot instanceof CatalogError) return snapshot;

  const selection = select(metadata, snapshot, request);
  if (selection instanceof CatalogError) return selection;
  const planId = ctx.rng.uuid();
  const manifests = snapshot ? await manifestList(ctx, snapshot) : [];
  if (manifests instanceof CatalogError) return manifests;
  // incremental scans return appended data only (as Java's IncrementalAppendScan): no deletes,
  // and only manifests written by the range's snapshots can hold entries it ADDED
  const dataManifests = manifests.filter((m) => m.content === 'data' && (!addedBy || (m.addedSnapshotId !== undefined && addedBy.has(m.addedSnapshotId))));
  const deletes: LiveFile[] = [];
  if (!addedBy) {
    for (const m of manifests.filter((m) => m.content === 'deletes')) {
      const entries = await manifestEntries(ctx, m);
      if (entries instanceof CatalogError) return entries;
      for (const e of entries) if (e.live.file.content !== 'data') deletes.push(e.live);
    }
  }

  const plan: Plan = {
    id: planId, tableUuid: metadata['table-uuid'], state: 'completed', lastUsedMs: 0, body: '',
    selection, manifests: dataManifests, addedBy, deletes,
  };
  let inline: LiveFile[] | undefined = [];
  if (dataManifests.length <= PLAN_INLINE_MANIFESTS_MAX) {
    for (const m of dataManifests) {
      const files = await planDataFiles(ctx, m, addedBy, selection);
      if (files instanceof CatalogError) return files;
      inline.push(...files);
      if (inline.length > PLAN_INLINE_TASKS_MAX) {
        inline = undefined;
        break;
      }
    }
  } else {
    inline = undefined;
  }
  const tasks = inline
    ? scanTasksJson(inline, deletes, selection)
    : { 'plan-tasks': dataManifests.map((_m, i) => planTaskToken(planId, i)) };
  plan.body = stringifyJson({ status: 'completed', ...tasks });
  if (inline) {
    // nothing left to fetch: keep no manifests or deletes, only the answer
    plan.manifests = [];
    plan.deletes = [];
  }
  remember(ctx, plan);
  return stringifyJson({ status: 'completed', 'plan-id': planId, ...tasks });
}

/** fetchPlanningResult: the FetchPlanningResult JSON text. */
async function planningResult(ctx: CatalogContext, id: Identifier, planId: string, consistency: Consistency | undefined, check: Check): Promise<string | CatalogError> {
  const plan = await findPlan(ctx, id, planId, consistency, check);
  if (!plan) return noSuchPlan(planId);
  return plan.state === 'cancelled' ? '{"status":"cancelled"}' : plan.body;
}

/** cancelPlanning: forgets the plan's work; a tombstone keeps a repeated cancel answering 204. */
async function cancelPlan(ctx: CatalogContext, id: Identifier, planId: string, consistency: Consistency | undefined, check: Check): Promise<CatalogError | undefined> {
  const plan = await findPlan(ctx, id, planId, consistency, check);
  if (!plan) return noSuchPlan(planId);
  plan.state = 'cancelled';
  plan.body = '';
  plan.manifests = [];
  plan.deletes = [];
  return undefined;
}

/** fetchScanTasks: the FetchScanTasksResult JSON text for one plan task. */
async function scanTasks(ctx: CatalogContext, id: Identifier, planTask: unknown, consistency: Consistency | undefined, check: Check): Promise<string | CatalogError> {
  if (typeof planTask !== 'string' || planTask === '') return illegal('Invalid plan-task: must be a non-empty string');
  const token = parsePlanTaskToken(planTask);
  const plan = token && (await findPlan(ctx, id, token.plan, consistency, check));
  if (!token || !plan || plan.state !== 'completed') {
    if (!token || !plan) await loadCurrentTable(ctx, id, consistency, check); // a missing table answers NoSuchTable first
    return noSuchPlanTask();
  }
  const manifest = plan.manifests[token.manifest];
  if (!manifest) return noSuchPlanTask();
  const data = await planDataFiles(ctx, manifest, plan.addedBy, plan.selection);
  if (data instanceof CatalogError) return data;
  return stringifyJson(scanTasksJson(data, plan.deletes, plan.selection));
}

/** Planning reads the table's data files: it needs TABLE_READ_DATA (a data access level other than none). */
const readData = (id: Identifier, req: Asker): Check => bind(onTable('TABLE_READ_DATA', id), req);

/** A JSON answer, or the refusal on the way to it. */
const answer = (text: string | CatalogError) => (text instanceof CatalogError ? reject(text) : noop(jsonReply(text)));

/** planTableScan: the PlanTableScanResult (status "completed", with a plan-id). */
export const planTableScan = (id: Identifier, request: PlanRequest): Operation =>
  read(async (ctx, req) => answer(await planScan(ctx, id, request, req.consistency, readData(id, req))));

/** planTableScan with its request body; a malformed body is refused before the table is read. */
export function planTableScanRequest(id: Identifier, body: Record<string, unknown>): Operation {
  const request = parsePlanRequest(body);
  return request instanceof CatalogError ? refused(request) : planTableScan(id, request);
}

/** fetchPlanningResult: the FetchPlanningResult. */
export const fetchPlanningResult = (id: Identifier, planId: string): Operation =>
  read(async (ctx, req) => answer(await planningResult(ctx, id, planId, req.consistency, readData(id, req))));

/** cancelPlanning: 204, also for a plan cancelled before. */
export const cancelPlanning = (id: Identifier, planId: string): Operation =>
  read(async (ctx, req) => {
    const refusal = await cancelPlan(ctx, id, planId, req.consistency, readData(id, req));
    return refusal ? reject(refusal) : noop(EMPTY);
  });

/** fetchScanTasks: the FetchScanTasksResult for one plan task. */
export const fetchScanTasks = (id: Identifier, planTask: unknown): Operation =>
  read(async (ctx, req) => answer(await scanTasks(ctx, id, planTask, req.consistency, readData(id, req))));

/** For tests and diagnostics: how many plans this catalog currently remembers. */
export const rememberedPlans = (ctx: CatalogContext): number => plans(ctx).size;

