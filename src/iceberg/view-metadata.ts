// Iceberg VIEW metadata: create, apply ViewUpdates, check ViewRequirements, parse and print.
//
// Pure: no clock, no uuid generator, no I/O (time and uuids come in through `ctx`). The update
// logic follows the Java reference builder (`ViewMetadata.Builder`) rule by rule, because the
// Java client and the REST catalog test-suite assert its outcomes (version re-numbering on
// concurrent replaces, dialect-loss rule, history trimming) and its error messages.
import { err, ok, type Result } from '../util/result.js';
import { conflict, invalid, type IcebergError } from './errors.js';
import { SCHEMA_TOO_DEEP, schemaTooDeep } from './schema-depth.js';
import {
  asObject,
  canonicalJson,
  show,
  getArray,
  getInt,
  getLong,
  getString,
  getStringList,
  getStringMap,
  getStringMapOrEmpty,
  getStringOrUndefined,
  type JsonObject,
  type R,
} from './view/json.js';

// ---------------------------------------------------------------------------------------------
// Types

/**
 * A schema as it appears in view metadata. Kept as validated-but-untyped JSON below the top level:
 * views never interpret column types, they only store, compare and re-number schemas.
 */
export interface ViewSchema {
  type: 'struct';
  'schema-id': number;
  fields: ViewSchemaField[];
  'identifier-field-ids'?: number[];
}

export interface ViewSchemaField {
  id: number;
  name: string;
  required: boolean;
  type: unknown;
  doc?: string;
  [key: string]: unknown;
}

export interface SqlViewRepresentation {
  type: 'sql';
  sql: string;
  dialect: string;
}

export interface ViewVersion {
  'version-id': number;
  'timestamp-ms': number;
  'schema-id': number;
  summary: Record<string, string>;
  representations: SqlViewRepresentation[];
  'default-catalog'?: string;
  'default-namespace': string[];
}

export interface ViewHistoryEntry {
  'timestamp-ms': number;
  'version-id': number;
}

export interface ViewMetadata {
  'view-uuid': string;
  'format-version': 1;
  location: string;
  'current-version-id': number;
  versions: ViewVersion[];
  'version-log': ViewHistoryEntry[];
  schemas: ViewSchema[];
  properties: Record<string, string>;
}

// View properties read by the builder (Java `ViewProperties`).
const VIEW_VERSION_HISTORY_SIZE = 'version.history.num-entries';
const VIEW_VERSION_HISTORY_SIZE_DEFAULT = 10;
const VIEW_REPLACE_DROP_DIALECT_ALLOWED = 'replace.drop-dialect.allowed';
const VIEW_REPLACE_APPEND_DIALECT_ALLOWED = 'replace.append-dialect.allowed';

const SUPPORTED_VIEW_FORMAT_VERSION = 1;
const INITIAL_SCHEMA_ID = 0;
const LAST_ADDED = -1;

// TableUpdate actions that are valid JSON for the endpoint family but meaningless for a view.
const TABLE_ONLY_ACTIONS = new Set([
  'set-current-schema',
  'add-spec',
  'set-default-spec',
  'add-sort-order',
  'set-default-sort-order',
  'add-snapshot',
  'set-snapshot-ref',
  'remove-snapshots',
  'remove-snapshot-ref',
  'set-statistics',
  'remove-statistics',
  'set-partition-statistics',
  'remove-partition-statistics',
  'remove-partition-specs',
  'remove-schemas',
  'add-encryption-key',
  'remove-encryption-key',
]);

// Java message helpers: Preconditions.checkArgument → IllegalArgumentException,
// ValidationException.check → ValidationException, checkState → IllegalStateException.
const iae = (message: string) => err(invalid(message, 'IllegalArgumentException'));
const validation = (message: string) => err(invalid(message, 'ValidationException'));
const ise = (message: string) => err(invalid(message, 'IllegalStateException'));

/** Java's `Set.toString()` shape, e.g. `[spark, trino]`. */
const javaSet = (items: Iterable<unknown>) => `[${[...items].join(', ')}]`;

// ---------------------------------------------------------------------------------------------
// Parsing of the pieces (request bodies and metadata files share these)

function parseSchemaField(v: unknown): R<ViewSchemaField> {
  const o = asObject(v, 'struct field');
  if (!o.ok) return o;
  const id = getInt(o.value, 'id');
  if (!id.ok) return id;
  const name = getString(o.value, 'name');
  if (!name.ok) return name;
  const required = o.value.required;
  if (typeof required !== 'boolean') {
    return err(invalid(`Cannot parse missing boolean: required`));
  }
  if (o.value.type === undefined || o.value.type === null) {
    return err(invalid(`Cannot parse missing field: type`));
  }
  // keep every other attribute (doc, initial-default, write-default, nested type JSON) verbatim
  return ok({ ...structuredClone(o.value), id: id.value, name: name.value, required, type: structuredClone(o.value.type) });
}

/**
 * Parses a Schema. `schema-id` is optional on input (Java's SchemaParser defaults it to 0 and
 * the builder re-numbers schemas anyway).
 */
function parseViewSchema(v: unknown): R<ViewSchema> {
  const o = asObject(v, 'schema');
  if (!o.ok) return o;
  if (schemaTooDeep(o.value)) return err(invalid(`Invalid schema: ${SCHEMA_TOO_DEEP}`));
  const type = o.value.type ?? 'struct';
  if (type !== 'struct') return err(invalid(`Cannot parse type from json when there is no struct: ${type}`));
  const fieldsRaw = getArray(o.value, 'fields');
  if (!fieldsRaw.ok) return fieldsRaw;
  const fields: ViewSchemaField[] = [];
  for (const f of fieldsRaw.value) {
    const pf = parseSchemaField(f);
    if (!pf.ok) return pf;
    fields.push(pf.value);
  }
  let schemaId = INITIAL_SCHEMA_ID;
  if (o.value['schema-id'] !== undefined && o.value['schema-id'] !== null) {
    const sid = getInt(o.value, 'schema-id');
    if (!sid.ok) return sid;
    schemaId = sid.value;
  }
  const schema: ViewSchema = { type: 'struct', 'schema-id': schemaId, fields };
  const ids = o.value['identifier-field-ids'];
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids) || !ids.every((i) => Number.isInteger(i))) {
      return err(invalid(`Cannot parse identifier-field-ids from non-integer array: ${show(ids)}`));
    }
    schema['identifier-field-ids'] = [...(ids as number[])];
  }
  return ok(schema);
}

function parseRepresentation(v: unknown): R<{ type: string; rep?: SqlViewRepresentation }> {
  const o = asObject(v, 'view representation');
  if (!o.ok) return o;
  const type = getString(o.value, 'type');
  if (!type.ok) return type;
  // Java: the type match is case-insensitive; anything but sql is an "unknown" representation
  if (type.value.toLowerCase() !== 'sql') return ok({ type: type.value });
  const sql = getString(o.value, 'sql');
  if (!sql.ok) return sql;
  const dialect = getString(o.value, 'dialect');
  if (!dialect.ok) return dialect;
  return ok({ type: 'sql', rep: { type: 'sql', sql: sql.value, dialect: dialect.value } });
}

/**
 * Parses a ViewVersion. Only `sql` representations can be stored (our type has no room for
 * others, and the Java server rejects them on create), so anything else is invalid.
 */
function parseViewVersion(v: unknown): R<ViewVersion> {
  const o = asObject(v, 'view version');
  if (!o.ok) return o;
  const versionId = getInt(o.value, 'version-id');
  if (!versionId.ok) return versionId;
  const ts = getLong(o.value, 'timestamp-ms');
  if (!ts.ok) return ts;
  const schemaId = getInt(o.value, 'schema-id');
  if (!schemaId.ok) return schemaId;
  const summary = getStringMap(o.value, 'summary');
  if (!summary.ok) return summary;
  const repsRaw = getArray(o.value, 'representations');
  if (!repsRaw.ok) return repsRaw;
  const representations: SqlViewRepresentation[] = [];
  const unsupported = new Set<string>();
  for (const r of repsRaw.value) {
    const pr = parseRepresentation(r);
    if (!pr.ok) return pr;
    if (pr.value.rep) representations.push(pr.value.rep);
    else unsupported.add(pr.value.type);
  }
  if (unsupported.size > 0) {
    return ise(`Found unsupported view representations: ${javaSet(unsupported)}`);
  }
  const defaultCatalog = getStringOrUndefined(o.value, 'default-catalog');
  if (!defaultCatalog.ok) return defaultCatalog;
  const defaultNamespace = getStringList(o.value, 'default-namespace');
  if (!defaultNamespace.ok) return defaultNamespace;
  const version: ViewVersion = {
    'version-id': versionId.value,
    'timestamp-ms': ts.value,
    'schema-id': schemaId.value,
    summary: summary.value,
    representations,
    'default-namespace': defaultNamespace.value,
  };
  if (defaultCatalog.value !== undefined) version['default-catalog'] = defaultCatalog.value;
  return ok(version);
}

function parseHistoryEntry(v: unknown): R<ViewHistoryEntry> {
  const o = asObject(v, 'view history entry');
  if (!o.ok) return o;
  const ts = getLong(o.value, 'timestamp-ms');
  if (!ts.ok) return ts;
  const id = getInt(o.value, 'version-id');
  if (!id.ok) return id;
  return ok({ 'timestamp-ms': ts.value, 'version-id': id.value });
}

// ---------------------------------------------------------------------------------------------
// Equality rules of the builder

/** Java `Schema.sameSchema`: same struct (ignoring schema-id) and same identifier field ids. */
function sameSchema(a: ViewSchema, b: ViewSchema): boolean {
  const ids = (s: ViewSchema) => [...new Set(s['identifier-field-ids'] ?? [])].sort((x, y) => x - y);
  return canonicalJson(a.fields) === canonicalJson(b.fields) && canonicalJson(ids(a)) === canonicalJson(ids(b));
}

/**
 * Java `sameViewVersion`: versions that behave the same, ignoring version id and timestamp.
 * Representations are compared as an ordered list with exact dialect spelling, like Java's
 * `List.equals` over the value objects.
 */
function sameViewVersion(a: ViewVersion, b: ViewVersion): boolean {
  return (
    canonicalJson(a.summary) === canonicalJson(b.summary) &&
    canonicalJson(a.representations) === canonicalJson(b.representations) &&
    a['default-catalog'] === b['default-catalog'] &&
    canonicalJson(a['default-namespace']) === canonicalJson(b['default-namespace']) &&
    a['schema-id'] === b['schema-id']
  );
}

function sqlDialects(version: ViewVersion): Set<string> {
  return new Set(version.representations.map((r) => r.dialect.toLowerCase()));
}

// ---------------------------------------------------------------------------------------------
// Builder (private): mutable working copy, never shares objects with its base

// What the builder changed; only add-view-version needs its id (for the "added in this
// request" checks), the rest only count towards `changed`.
type Change =
  | { action: 'add-view-version'; versionId: number }
  | { action: Exclude<ViewUpdateAction, 'add-view-version'> };

type ViewUpdateAction =
  | 'assign-uuid'
  | 'upgrade-format-version'
  | 'add-schema'
  | 'set-location'
  | 'set-properties'
  | 'remove-properties'
  | 'add-view-version'
  | 'set-current-view-version';

class ViewBuilder {
  private formatVersion = SUPPORTED_VIEW_FORMAT_VERSION;
  private uuid: string | undefined;
  private location: string | undefined;
  private currentVersionId: number | undefined;
  private readonly versions: ViewVersion[] = [];
  private readonly versionsById = new Map<number, ViewVersion>();
  private readonly schemas: ViewSchema[] = [];
  private readonly schemasById = new Map<number, ViewSchema>();
  private history: ViewHistoryEntry[] = [];
  private properties: Record<string, string> = {};
  readonly changes: Change[] = [];
  private lastAddedVersionId: number | undefined;
  private lastAddedSchemaId: number | undefined;
  private historyEntry: ViewHistoryEntry | undefined;
  // the current version of the base: the dialect-loss rule compares against it
  private previousVersion: ViewVersion | undefined;

  private constructor(private readonly nowMs: number) {}

  static empty(nowMs: number): ViewBuilder {
    return new ViewBuilder(nowMs);
  }

  static from(base: ViewMetadata, nowMs: number): R<ViewBuilder> {
    const b = new ViewBuilder(nowMs);
    // structuredClone: the caller's object (possibly frozen, possibly shared) is never touched
    const copy = structuredClone(base);
    b.formatVersion = copy['format-version'];
    b.uuid = copy['view-uuid'];
    b.location = copy.location;
    b.currentVersionId = copy['current-version-id'];
    for (const v of copy.versions) {
      b.versions.push(v);
      b.versionsById.set(v['version-id'], v);
    }
    for (const s of copy.schemas) {
      b.schemas.push(s);
      b.schemasById.set(s['schema-id'], s);
    }
    b.history = copy['version-log'];
    b.properties = copy.properties;
    const previous = b.versionsById.get(copy['current-version-id']);
    if (!previous) {
      return iae(
        `Cannot find current version ${copy['current-version-id']} in view versions: ${javaSet(b.versionsById.keys())}`,
      );
    }
    b.previousVersion = previous;
    return ok(b);
  }

  assignUuid(newUuid: string): R<void> {
    if (this.uuid !== undefined && this.uuid !== newUuid) return iae('Cannot reassign uuid');
    if (this.uuid !== newUuid) {
      this.uuid = newUuid;
      this.changes.push({ action: 'assign-uuid' });
    }
    return ok(undefined);
  }

  upgradeFormatVersion(newFormatVersion: number): R<void> {
    if (newFormatVersion < this.formatVersion) {
      return iae(`Cannot downgrade v${this.formatVersion} view to v${newFormatVersion}`);
    }
    if (newFormatVersion === this.formatVersion) return ok(undefined);
    // only v1 exists; the build step rejects anything higher with Java's message
    this.formatVersion = newFormatVersion;
    this.changes.push({ action: 'upgrade-format-version' });
    return ok(undefined);
  }

  setLocation(newLocation: string): R<void> {
    if (this.location === newLocation) return ok(undefined);
    this.location = newLocation;
    this.changes.push({ action: 'set-location' });
    return ok(undefined);
  }

  setProperties(updates: Record<string, string>): R<void> {
    if (Object.keys(updates).length === 0) return ok(undefined);
    Object.assign(this.properties, updates);
    this.changes.push({ action: 'set-properties' });
    return ok(undefined);
  }

  removeProperties(removals: string[]): R<void> {
    if (removals.length === 0) return ok(undefined);
    for (const k of removals) delete this.properties[k];
    this.changes.push({ action: 'remove-properties' });
    return ok(undefined);
  }

  /** Adds a schema, re-using the id of an identical one; returns the id in effect. */
  addSchema(schema: ViewSchema): number {
    let newId = INITIAL_SCHEMA_ID;
    for (const s of this.schemas) {
      if (sameSchema(s, schema)) {
        // Deliberately more lenient than Java, whose view builder leaves "last added" unset here
        // so a following `schema-id: -1` fails: a client that re-sends the unchanged schema with
        // add-schema and then refers to it with -1 means this schema. (The Java client never
        // sends that shape, so its behaviour is unaffected.)
        this.lastAddedSchemaId = s['schema-id'];
        return s['schema-id'];
      }
      if (s['schema-id'] >= newId) newId = s['schema-id'] + 1;
    }
    const added: ViewSchema = { ...structuredClone(schema), 'schema-id': newId };
    this.schemas.push(added);
    this.schemasById.set(newId, added);
    this.changes.push({ action: 'add-schema' });
    this.lastAddedSchemaId = newId;
    return newId;
  }

  private addedInThisBuild(versionId: number): boolean {
    return this.changes.some((c) => c.action === 'add-view-version' && c.versionId === versionId);
  }

  /**
   * Adds a version; returns the id it ended up with. An identical existing version is re-used;
   * otherwise the client's id is kept unless taken, in which case it becomes max(existing)+1
   * (this is what turns two concurrent replaces of v1 into versions 2 and 3).
   */
  addVersion(input: ViewVersion): R<number> {
    // same order as Java: the id is resolved before a -1 schema id is, so a -1 version never
    // matches an existing one
    let newId = input['version-id'];
    let reused = false;
    for (const v of this.versions) {
      if (sameViewVersion(v, input)) {
        newId = v['version-id'];
        reused = true;
        break;
      }
      if (v['version-id'] >= newId) newId = v['version-id'] + 1;
    }
    if (reused || this.versionsById.has(newId)) {
      this.lastAddedVersionId = this.addedInThisBuild(newId) ? newId : undefined;
      return ok(newId);
    }

    let schemaId = input['schema-id'];
    if (schemaId === LAST_ADDED) {
      if (this.lastAddedSchemaId === undefined) {
        return validation('Cannot set last added schema: no schema has been added');
      }
      schemaId = this.lastAddedSchemaId;
    }
    if (!this.schemasById.has(schemaId)) {
      return iae(`Cannot add version with unknown schema: ${schemaId}`);
    }

    const dialects = new Set<string>();
    for (const r of input.representations) {
      const d = r.dialect.toLowerCase();
      if (dialects.has(d)) return iae(`Invalid view version: Cannot add multiple queries for dialect ${d}`);
      dialects.add(d);
    }

    const version: ViewVersion = { ...structuredClone(input), 'version-id': newId, 'schema-id': schemaId };
    this.versions.push(version);
    this.versionsById.set(newId, version);
    this.changes.push({ action: 'add-view-version', versionId: newId });
    this.lastAddedVersionId = newId;
    return ok(newId);
  }

  setCurrentVersionId(requested: number): R<void> {
    let id = requested;
    if (id === LAST_ADDED) {
      if (this.lastAddedVersionId === undefined) {
        return validation('Cannot set last version id: no current version id has been set');
      }
      id = this.lastAddedVersionId;
    }
    if (this.currentVersionId === id) return ok(undefined);
    const version = this.versionsById.get(id);
    if (!version) return iae(`Cannot set current version to unknown version: ${id}`);
    this.currentVersionId = id;
    this.changes.push({ action: 'set-current-view-version' });
    // a version added in this request was "current since" its own timestamp; re-activating an
    // older version happens now
    this.historyEntry = {
      'timestamp-ms': this.addedInThisBuild(id) ? version['timestamp-ms'] : this.nowMs,
      'version-id': id,
    };
    return ok(undefined);
  }

  build(): R<ViewMetadata> {
    if (this.location === undefined) return iae('Invalid location: null');
    if (this.versions.length === 0) return iae('Invalid view: no versions were added');
    if (this.uuid === undefined) return iae('Cannot set uuid to null');
    const currentId = this.currentVersionId;
    const current = currentId === undefined ? undefined : this.versionsById.get(currentId);
    if (currentId === undefined || !current) {
      return iae(`Cannot find current version ${currentId ?? 'null'} in view versions: ${javaSet(this.versionsById.keys())}`);
    }
    if (this.formatVersion <= 0 || this.formatVersion > SUPPORTED_VIEW_FORMAT_VERSION) {
      return iae(`Unsupported format version: ${this.formatVersion}`);
    }

    const history = [...this.history];
    if (this.historyEntry) history.push(this.historyEntry);

    const dropDialectAllowed = boolProperty(this.properties, VIEW_REPLACE_DROP_DIALECT_ALLOWED);
    if (dropDialectAllowed && boolProperty(this.properties, VIEW_REPLACE_APPEND_DIALECT_ALLOWED)) {
      return iae(
        `Cannot set both ${VIEW_REPLACE_DROP_DIALECT_ALLOWED} and ${VIEW_REPLACE_APPEND_DIALECT_ALLOWED} to true`,
      );
    }
    if (this.previousVersion && !dropDialectAllowed) {
      const before = sqlDialects(this.previousVersion);
      const after = sqlDialects(current);
      if (![...before].every((d) => after.has(d))) {
        return ise(
          `Cannot replace view due to loss of view dialects (${VIEW_REPLACE_DROP_DIALECT_ALLOWED}=false):\n` +
            `Previous dialects: ${javaSet(before)}\nNew dialects: ${javaSet(after)}`,
        );
      }
    }

    const historySize = intProperty(this.properties, VIEW_VERSION_HISTORY_SIZE, VIEW_VERSION_HISTORY_SIZE_DEFAULT);
    if (!historySize.ok) return historySize;
    if (historySize.value <= 0) {
      return iae(`${VIEW_VERSION_HISTORY_SIZE} must be positive but was ${historySize.value}`);
    }

    // keep at least the versions added by this request and the current one
    const mustKeep = new Set<number>([currentId]);
    for (const c of this.changes) if (c.action === 'add-view-version') mustKeep.add(c.versionId);
    const numToKeep = Math.max(mustKeep.size, historySize.value);

    let versions = this.versions;
    let versionLog = history;
    if (versions.length > numToKeep) {
      // ids are assigned increasingly: keep the current one plus the newest ids. Unlike Java we
      // keep the surviving versions in their original order (Java puts the current one first);
      // order carries no meaning in the format.
      const ids = [...this.versionsById.keys()].sort((a, b) => b - a).slice(0, numToKeep);
      const retained = new Set<number>([currentId]);
      for (const id of ids) {
        if (retained.size === numToKeep) break;
        retained.add(id);
      }
      versions = versions.filter((v) => retained.has(v['version-id']));
      versionLog = [];
      for (const entry of history) {
        // an entry for an expired version makes everything before it meaningless
        if (retained.has(entry['version-id'])) versionLog.push(entry);
        else versionLog = [];
      }
    }

    return ok({
      'view-uuid': this.uuid,
      'format-version': SUPPORTED_VIEW_FORMAT_VERSION,
      location: this.location,
      'current-version-id': currentId,
      versions: structuredClone(versions),
      'version-log': structuredClone(versionLog),
      schemas: structuredClone(this.schemas),
      properties: { ...this.properties },
    });
  }
}

/** Java PropertyUtil.propertyAsBoolean: Boolean.parseBoolean, i.e. case-insensitive "true". */
function boolProperty(props: Record<string, string>, key: string): boolean {
  return props[key]?.toLowerCase() === 'true';
}

function intProperty(props: Record<string, string>, key: string, dflt: number): R<number> {
  const raw = props[key];
  if (raw === undefined) return ok(dflt);
  const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n)) return iae(`Invalid value for property ${key}: ${raw}`);
  return ok(n);
}

// ---------------------------------------------------------------------------------------------
// Exported operations

/**
 * Builds the first metadata of a view from a raw CreateViewRequest (POST …/views).
 * The request's schema becomes schema 0, its view-version becomes version 1 stamped `nowMs`.
 * `request.location` wins over `ctx.location` (the catalog's default for the view).
 */
export function newViewMetadata(
  request: unknown,
  ctx: { location: string; nowMs: number; uuid: string },
): Result<ViewMetadata, IcebergError> {
  const req = asObject(request, 'create view request');
  if (!req.ok) return req;
  const body = req.value;
  // CreateViewRequest.validate() messages
  if (typeof body.name !== 'string' || body.name.length === 0) {
    return iae(`Invalid view name: ${show(body.name ?? null)}`);
  }
  if (body.schema === undefined || body.schema === null) return iae('Invalid schema: null');
  if (body['view-version'] === undefined || body['view-version'] === null) {
    return iae('Invalid view version: null');
  }
  const schema = parseViewSchema(body.schema);
  if (!schema.ok) return schema;
  const parsedVersion = parseViewVersion(body['view-version']);
  if (!parsedVersion.ok) return parsedVersion;
  if (parsedVersion.value.representations.length === 0) {
    return ise('Cannot create view without specifying a query');
  }
  const properties = getStringMapOrEmpty(body, 'properties');
  if (!properties.ok) return properties;
  let location = ctx.location;
  if (body.location !== undefined && body.location !== null) {
    const l = getString(body, 'location');
    if (!l.ok) return l;
    if (l.value.length > 0) location = l.value;
  }

  const b = ViewBuilder.empty(ctx.nowMs);
  const steps: (() => R<unknown>)[] = [
    () => b.assignUuid(ctx.uuid),
    () => b.setProperties(properties.value),
    () => b.setLocation(location),
  ];
  for (const step of steps) {
    const r = step();
    if (!r.ok) return r;
  }
  const schemaId = b.addSchema(schema.value);
  const added = b.addVersion({
    ...parsedVersion.value,
    'version-id': 1,
    'timestamp-ms': ctx.nowMs,
    'schema-id': schemaId,
  });
  if (!added.ok) return added;
  const cur = b.setCurrentVersionId(added.value);
  if (!cur.ok) return cur;
  return b.build();
}

function applyOne(b: ViewBuilder, raw: unknown): R<unknown> {
  const u = asObject(raw, 'view update');
  if (!u.ok) return u;
  const action = u.value.action;
  if (typeof action !== 'string') return iae(`Cannot parse metadata update, missing action: ${show(raw)}`);
  const o: JsonObject = u.value;
  switch (action) {
    case 'assign-uuid': {
      const uuid = getString(o, 'uuid');
      return uuid.ok ? b.assignUuid(uuid.value) : uuid;
    }
    case 'upgrade-format-version': {
      const v = getInt(o, 'format-version');
      return v.ok ? b.upgradeFormatVersion(v.value) : v;
    }
    case 'add-schema': {
      // `last-column-id` (deprecated) is meaningless for views and ignored, as in Java
      const s = parseViewSchema(o.schema);
      if (!s.ok) return s;
      b.addSchema(s.value);
      return ok(undefined);
    }
    case 'set-location': {
      const l = getString(o, 'location');
      return l.ok ? b.setLocation(l.value) : l;
    }
    case 'set-properties': {
      const p = getStringMap(o, 'updates');
      return p.ok ? b.setProperties(p.value) : p;
    }
    case 'remove-properties': {
      const r = getStringList(o, 'removals');
      return r.ok ? b.removeProperties(r.value) : r;
    }
    case 'add-view-version': {
      const v = parseViewVersion(o['view-version']);
      return v.ok ? b.addVersion(v.value) : v;
    }
    case 'set-current-view-version': {
      const id = getInt(o, 'view-version-id');
      return id.ok ? b.setCurrentVersionId(id.value) : id;
    }
    default:
      if (TABLE_ONLY_ACTIONS.has(action)) return iae(`Cannot apply update ${action} to a view`);
      return iae(`Cannot apply unknown view update action: ${action}`);
  }
}

/**
 * Applies a CommitViewRequest's updates to `base` (never mutated). `changed` is false when every
 * update was a no-op; the caller then must not write a new metadata file (Java skips the commit),
 * and `metadata` is a copy of `base`.
 */
export function applyViewUpdates(
  base: ViewMetadata,
  updates: unknown[],
  ctx: { nowMs: number },
): Result<{ metadata: ViewMetadata; changed: boolean }, IcebergError> {
  if (!Array.isArray(updates)) return iae('Invalid updates: not a list');
  const b = ViewBuilder.from(base, ctx.nowMs);
  if (!b.ok) return b;
  for (const u of updates) {
    const r = applyOne(b.value, u);
    if (!r.ok) return r;
  }
  const built = b.value.build();
  if (!built.ok) return built;
  if (b.value.changes.length === 0) return ok({ metadata: structuredClone(base), changed: false });
  return ok({ metadata: built.value, changed: true });
}

/** Validates ViewRequirements against the current metadata (409 on failure). */
export function checkViewRequirements(requirements: unknown[], base: ViewMetadata): Result<void, IcebergError> {
  if (!Array.isArray(requirements)) return iae('Invalid requirements: not a list');
  for (const raw of requirements) {
    const r = asObject(raw, 'view requirement');
    if (!r.ok) return r;
    const type = r.value.type;
    if (type === 'assert-view-uuid') {
      const uuid = getString(r.value, 'uuid');
      if (!uuid.ok) return uuid;
      // Java: equalsIgnoreCase, base uuid first in the message
      if (uuid.value.toLowerCase() !== base['view-uuid'].toLowerCase()) {
        return err(
          conflict(`Requirement failed: view UUID does not match: expected ${base['view-uuid']} != ${uuid.value}`),
        );
      }
    } else {
      return iae(`Cannot parse view requirement, unknown type: ${typeof type === 'string' ? type : show(type)}`);
    }
  }
  return ok(undefined);
}

/** Parses a view metadata file (or a LoadViewResult `metadata`). */
export function parseViewMetadata(json: unknown): Result<ViewMetadata, IcebergError> {
  const o = asObject(json, 'view metadata');
  if (!o.ok) return o;
  const md = o.value;
  const uuid = getString(md, 'view-uuid');
  if (!uuid.ok) return uuid;
  const fv = getInt(md, 'format-version');
  if (!fv.ok) return fv;
  if (fv.value !== SUPPORTED_VIEW_FORMAT_VERSION) return iae(`Unsupported format version: ${fv.value}`);
  const location = getString(md, 'location');
  if (!location.ok) return location;
  const properties = getStringMapOrEmpty(md, 'properties');
  if (!properties.ok) return properties;
  const schemasRaw = getArray(md, 'schemas');
  if (!schemasRaw.ok) return schemasRaw;
  const schemas: ViewSchema[] = [];
  for (const s of schemasRaw.value) {
    const ps = parseViewSchema(s);
    if (!ps.ok) return ps;
    schemas.push(ps.value);
  }
  const currentId = getInt(md, 'current-version-id');
  if (!currentId.ok) return currentId;
  const versionsRaw = getArray(md, 'versions');
  if (!versionsRaw.ok) return versionsRaw;
  const versions: ViewVersion[] = [];
  for (const v of versionsRaw.value) {
    const pv = parseViewVersion(v);
    if (!pv.ok) return pv;
    versions.push(pv.value);
  }
  const logRaw = getArray(md, 'version-log');
  if (!logRaw.ok) return logRaw;
  const log: ViewHistoryEntry[] = [];
  for (const e of logRaw.value) {
    const pe = parseHistoryEntry(e);
    if (!pe.ok) return pe;
    log.push(pe.value);
  }
  const current = versions.find((v) => v['version-id'] === currentId.value);
  if (!current) {
    return iae(
      `Cannot find current version ${currentId.value} in view versions: ${javaSet(versions.map((v) => v['version-id']))}`,
    );
  }
  if (!schemas.some((s) => s['schema-id'] === current['schema-id'])) {
    return iae(
      `Cannot find current schema with id ${current['schema-id']} in schemas: ${javaSet(schemas.map((s) => s['schema-id']))}`,
    );
  }
  return ok({
    'view-uuid': uuid.value,
    'format-version': SUPPORTED_VIEW_FORMAT_VERSION,
    location: location.value,
    'current-version-id': currentId.value,
    versions,
    'version-log': log,
    schemas,
    properties: properties.value,
  });
}

function versionToJson(v: ViewVersion): Record<string, unknown> {
  const out: Record<string, unknown> = {
    'version-id': v['version-id'],
    'timestamp-ms': v['timestamp-ms'],
    'schema-id': v['schema-id'],
    summary: { ...v.summary },
    representations: v.representations.map((r) => ({ type: r.type, sql: r.sql, dialect: r.dialect })),
  };
  if (v['default-catalog'] !== undefined) out['default-catalog'] = v['default-catalog'];
  out['default-namespace'] = [...v['default-namespace']];
  return out;
}

function schemaToJson(s: ViewSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'struct', 'schema-id': s['schema-id'] };
  if (s['identifier-field-ids'] !== undefined && s['identifier-field-ids'].length > 0) {
    out['identifier-field-ids'] = [...s['identifier-field-ids']];
  }
  out.fields = structuredClone(s.fields);
  return out;
}

/** The metadata-file / LoadViewResult JSON, in the Java writer's field order; shares nothing with `md`. */
export function viewMetadataToJson(md: ViewMetadata): Record<string, unknown> {
  return {
    'view-uuid': md['view-uuid'],
    'format-version': md['format-version'],
    location: md.location,
    properties: { ...md.properties },
    schemas: md.schemas.map(schemaToJson),
    'current-version-id': md['current-version-id'],
    versions: md.versions.map(versionToJson),
    'version-log': md['version-log'].map((e) => ({ 'timestamp-ms': e['timestamp-ms'], 'version-id': e['version-id'] })),
  };
}
