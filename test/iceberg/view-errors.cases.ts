// The inputs of view-errors.test.ts: broken and valid view create requests, updates,
// requirements and metadata documents, each run through the public iceberg API only, so the
// same cases hold whatever the files behind src/iceberg/index.ts look like.
import {
  applyViewUpdates,
  checkViewRequirements,
  newViewMetadata,
  parseViewMetadata,
  viewMetadataToJson,
  type IcebergError,
  type ViewMetadata,
} from '../../src/iceberg/index.js';
import type { Result } from '../../src/util/result.js';

export const UUID = 'fa6506c3-7681-40c8-86dc-e36561f83385';
export const T0 = 1_700_000_000_000;
const CTX = { location: 's3://bucket/wh/ns/default', nowMs: T0, uuid: UUID };

type Json = Record<string, unknown>;

const field = (id: number, name: string, type: unknown, required = false): Json => ({ id, name, type, required });
const schema = (over: Json = {}): Json => ({
  type: 'struct',
  'schema-id': 0,
  fields: [field(1, 'id', 'long', true), field(2, 'data', 'string')],
  ...over,
});
const sql = (text: string, dialect = 'spark'): Json => ({ type: 'sql', sql: text, dialect });
const version = (over: Json = {}): Json => ({
  'version-id': 1,
  'timestamp-ms': T0 - 5,
  'schema-id': 0,
  summary: { 'engine-name': 'spark', 'engine-version': '3.5.1', 'iceberg-version': 'Apache Iceberg 1.7.1' },
  representations: [sql('SELECT id, data FROM prod.db.events')],
  'default-catalog': 'prod',
  'default-namespace': ['db'],
  ...over,
});
const request = (over: Json = {}): Json => ({
  name: 'events_view',
  location: 's3://bucket/wh/ns/events_view',
  schema: schema(),
  'view-version': version(),
  properties: { comment: 'daily events' },
  ...over,
});
const withVersion = (over: Json) => request({ 'view-version': version(over) });
const withSchema = (over: Json) => request({ schema: schema(over) });
const withField = (f: unknown) => withSchema({ fields: [f] });

/** A nested struct type `depth` levels deep (the depth guard's input). */
function deepType(depth: number): unknown {
  let type: unknown = 'int';
  for (let i = 0; i < depth; i += 1) type = { type: 'struct', fields: [field(10_000 + i, `f${i}`, type)] };
  return type;
}

function mustOk<T>(r: Result<T, IcebergError>): T {
  if (!r.ok) throw new Error(`fixture setup failed: ${r.error.message}`);
  return r.value;
}

export const created = (over: Json = {}): ViewMetadata => mustOk(newViewMetadata(request(over), CTX));

/** A view with two versions (1 spark, then 2 spark+trino) and two schemas. */
export function twoVersions(): ViewMetadata {
  const base = created();
  return mustOk(
    applyViewUpdates(base, replace(2, ['spark', 'trino'], [field(1, 'id', 'long', true)]), { nowMs: T0 + 1000 }),
  ).metadata;
}

/** What a Java client sends for replaceView. */
function replace(versionId: number, dialects: string[], fields?: Json[]): Json[] {
  return [
    { action: 'add-schema', schema: schema({ 'schema-id': 77, ...(fields ? { fields } : {}) }), 'last-column-id': 2 },
    {
      action: 'add-view-version',
      'view-version': version({
        'version-id': versionId,
        'timestamp-ms': T0 + versionId * 1000,
        'schema-id': -1,
        representations: dialects.map((d) => sql(`SELECT id FROM prod.db.events -- v${versionId}`, d)),
      }),
    },
    { action: 'set-current-view-version', 'view-version-id': -1 },
  ];
}

const update = (updates: unknown, base: ViewMetadata = created()) =>
  applyViewUpdates(base, updates as unknown[], { nowMs: T0 + 60_000 });
const require = (requirements: unknown, base: ViewMetadata = created()) =>
  checkViewRequirements(requirements as unknown[], base);
const fileWith = (change: (md: Json) => void): Json => {
  const md = viewMetadataToJson(twoVersions()) as Json;
  change(md);
  return md;
};
const parse = (json: unknown) => parseViewMetadata(json);

export type Outcome = { error: { kind: string; javaType: string | null; message: string } } | { ok: unknown };

/** Success results are pinned as their metadata JSON (and the changed flag for updates). */
export function outcome(r: Result<unknown, IcebergError>): Outcome {
  if (!r.ok) return { error: { kind: r.error.kind, javaType: r.error.javaType ?? null, message: r.error.message } };
  const v = r.value;
  if (v === undefined) return { ok: null };
  if (typeof v === 'object' && v !== null && 'changed' in v) {
    const u = v as { metadata: ViewMetadata; changed: boolean };
    return { ok: { changed: u.changed, metadata: viewMetadataToJson(u.metadata) } };
  }
  return { ok: viewMetadataToJson(v as ViewMetadata) };
}

export const CASES: Record<string, () => Result<unknown, IcebergError>> = {
  // ---- create: the request envelope
  'create: request is null': () => newViewMetadata(null, CTX),
  'create: request is an array': () => newViewMetadata([], CTX),
  'create: request is a string': () => newViewMetadata('events_view', CTX),
  'create: name missing': () => newViewMetadata(request({ name: undefined }), CTX),
  'create: name empty': () => newViewMetadata(request({ name: '' }), CTX),
  'create: name a number': () => newViewMetadata(request({ name: 7 }), CTX),
  'create: schema missing': () => newViewMetadata(request({ schema: undefined }), CTX),
  'create: schema null': () => newViewMetadata(request({ schema: null }), CTX),
  'create: view-version missing': () => newViewMetadata(request({ 'view-version': undefined }), CTX),
  'create: view-version null': () => newViewMetadata(request({ 'view-version': null }), CTX),
  'create: properties not an object': () => newViewMetadata(request({ properties: ['a'] }), CTX),
  'create: property value a number': () => newViewMetadata(request({ properties: { 'x.y': 1 } }), CTX),
  'create: location a number': () => newViewMetadata(request({ location: 5 }), CTX),
  // ---- create: schema
  'create: schema a string': () => newViewMetadata(request({ schema: 'struct' }), CTX),
  'create: schema type list': () => newViewMetadata(withSchema({ type: 'list' }), CTX),
  'create: schema fields missing': () => newViewMetadata(withSchema({ fields: undefined }), CTX),
  'create: schema fields an object': () => newViewMetadata(withSchema({ fields: {} }), CTX),
  'create: schema-id a string': () => newViewMetadata(withSchema({ 'schema-id': '0' }), CTX),
  'create: identifier-field-ids not integers': () => newViewMetadata(withSchema({ 'identifier-field-ids': ['id'] }), CTX),
  'create: identifier-field-ids an object': () => newViewMetadata(withSchema({ 'identifier-field-ids': { a: 1 } }), CTX),
  'create: schema nested too deep': () => newViewMetadata(withField(field(1, 'deep', deepType(200))), CTX),
  'create: field a number': () => newViewMetadata(withField(3), CTX),
  'create: field id missing': () => newViewMetadata(withField({ name: 'id', type: 'long', required: true }), CTX),
  'create: field id a float': () => newViewMetadata(withField(field(1.5, 'id', 'long')), CTX),
  'create: field id beyond int32': () => newViewMetadata(withField(field(2 ** 31, 'id', 'long')), CTX),
  'create: field name missing': () => newViewMetadata(withField({ id: 1, type: 'long', required: true }), CTX),
  'create: field name a number': () => newViewMetadata(withField(field(1, 9 as unknown as string, 'long')), CTX),
  'create: field required missing': () => newViewMetadata(withField({ id: 1, name: 'id', type: 'long' }), CTX),
  'create: field required a string': () => newViewMetadata(withField({ id: 1, name: 'id', type: 'long', required: 'yes' }), CTX),
  'create: field type missing': () => newViewMetadata(withField({ id: 1, name: 'id', required: true }), CTX),
  'create: field type null': () => newViewMetadata(withField({ id: 1, name: 'id', type: null, required: true }), CTX),
  // ---- create: view version
  'create: view-version a string': () => newViewMetadata(request({ 'view-version': 'v1' }), CTX),
  'create: version-id missing': () => newViewMetadata(withVersion({ 'version-id': undefined }), CTX),
  'create: version-id a string': () => newViewMetadata(withVersion({ 'version-id': '1' }), CTX),
  'create: timestamp-ms missing': () => newViewMetadata(withVersion({ 'timestamp-ms': undefined }), CTX),
  'create: timestamp-ms a float': () => newViewMetadata(withVersion({ 'timestamp-ms': 1.5 }), CTX),
  'create: timestamp-ms beyond 2^53': () => newViewMetadata(withVersion({ 'timestamp-ms': 2 ** 60 }), CTX),
  'create: version schema-id missing': () => newViewMetadata(withVersion({ 'schema-id': undefined }), CTX),
  'create: summary missing': () => newViewMetadata(withVersion({ summary: undefined }), CTX),
  'create: summary an array': () => newViewMetadata(withVersion({ summary: ['a'] }), CTX),
  'create: summary value a number': () => newViewMetadata(withVersion({ summary: { 'engine-version': 3 } }), CTX),
  'create: representations missing': () => newViewMetadata(withVersion({ representations: undefined }), CTX),
  'create: representations an object': () => newViewMetadata(withVersion({ representations: {} }), CTX),
  'create: representations empty': () => newViewMetadata(withVersion({ representations: [] }), CTX),
  'create: representation a string': () => newViewMetadata(withVersion({ representations: ['SELECT 1'] }), CTX),
  'create: representation type missing': () => newViewMetadata(withVersion({ representations: [{ sql: 'SELECT 1', dialect: 'spark' }] }), CTX),
  'create: representation sql missing': () => newViewMetadata(withVersion({ representations: [{ type: 'sql', dialect: 'spark' }] }), CTX),
  'create: representation dialect missing': () => newViewMetadata(withVersion({ representations: [{ type: 'sql', sql: 'SELECT 1' }] }), CTX),
  'create: representation sql a number': () => newViewMetadata(withVersion({ representations: [{ type: 'sql', sql: 1, dialect: 'spark' }] }), CTX),
  'create: substrait representation': () =>
    newViewMetadata(withVersion({ representations: [sql('SELECT 1'), { type: 'substrait', plan: 'AAE=' }] }), CTX),
  'create: two unknown representations': () =>
    newViewMetadata(withVersion({ representations: [{ type: 'substrait' }, { type: 'plan' }, { type: 'substrait' }] }), CTX),
  'create: default-catalog a number': () => newViewMetadata(withVersion({ 'default-catalog': 1 }), CTX),
  'create: default-namespace missing': () => newViewMetadata(withVersion({ 'default-namespace': undefined }), CTX),
  'create: default-namespace a string': () => newViewMetadata(withVersion({ 'default-namespace': 'db' }), CTX),
  'create: default-namespace with a number': () => newViewMetadata(withVersion({ 'default-namespace': ['db', 2] }), CTX),
  'create: duplicate dialects (case-insensitive)': () =>
    newViewMetadata(withVersion({ representations: [sql('SELECT 1', 'trino'), sql('SELECT 2', 'Trino')] }), CTX),
  'create: drop and append dialect both allowed': () =>
    newViewMetadata(request({ properties: { 'replace.drop-dialect.allowed': 'true', 'replace.append-dialect.allowed': 'TRUE' } }), CTX),
  'create: history size not a number': () =>
    newViewMetadata(request({ properties: { 'version.history.num-entries': 'ten' } }), CTX),
  'create: history size zero': () => newViewMetadata(request({ properties: { 'version.history.num-entries': '0' } }), CTX),
  // ---- create: valid
  'create ok: full request': () => newViewMetadata(request(), CTX),
  'create ok: no location uses the default': () => newViewMetadata(request({ location: undefined, properties: undefined }), CTX),
  'create ok: empty location uses the default': () => newViewMetadata(request({ location: '' }), CTX),
  'create ok: no default-catalog, SQL in capitals, schema without id': () =>
    newViewMetadata(
      request({
        schema: { type: 'struct', fields: [field(3, 'n', 'int', true)], 'identifier-field-ids': [3] },
        'view-version': version({ 'default-catalog': undefined, representations: [{ type: 'SQL', sql: 'SELECT 1 AS n', dialect: 'Spark' }] }),
      }),
      CTX,
    ),
  'create ok: nested types and extra field attributes kept': () =>
    newViewMetadata(
      withField(
        field(1, 'point', {
          type: 'struct',
          fields: [field(2, 'x', 'double', true), field(3, 'tags', { type: 'list', 'element-id': 4, element: 'string', 'element-required': false })],
        }),
      ),
      CTX,
    ),

  // ---- updates
  'update: updates not a list': () => update({ action: 'set-location', location: 's3://x' }),
  'update: update a string': () => update(['set-location']),
  'update: action missing': () => update([{ location: 's3://x' }]),
  'update: action a number': () => update([{ action: 3 }]),
  'update: unknown action': () => update([{ action: 'set-view-comment', comment: 'x' }]),
  'update: table-only action': () => update([{ action: 'add-snapshot', snapshot: {} }]),
  'update: another table-only action': () => update([{ action: 'set-current-schema', 'schema-id': 0 }]),
  'update: assign-uuid without uuid': () => update([{ action: 'assign-uuid' }]),
  'update: assign-uuid to another uuid': () => update([{ action: 'assign-uuid', uuid: '5d3b4ae5-0e9c-4f5a-9f15-4c0b0e4a39a3' }]),
  'update: upgrade-format-version missing': () => update([{ action: 'upgrade-format-version' }]),
  'update: upgrade-format-version to 0': () => update([{ action: 'upgrade-format-version', 'format-version': 0 }]),
  'update: upgrade-format-version to 2': () => update([{ action: 'upgrade-format-version', 'format-version': 2 }]),
  'update: add-schema without schema': () => update([{ action: 'add-schema' }]),
  'update: add-schema with a broken field': () => update([{ action: 'add-schema', schema: schema({ fields: [{ id: 1 }] }) }]),
  'update: set-location without location': () => update([{ action: 'set-location' }]),
  'update: set-location a number': () => update([{ action: 'set-location', location: 1 }]),
  'update: set-properties without updates': () => update([{ action: 'set-properties' }]),
  'update: set-properties with a boolean value': () => update([{ action: 'set-properties', updates: { a: true } }]),
  'update: remove-properties without removals': () => update([{ action: 'remove-properties' }]),
  'update: remove-properties a string': () => update([{ action: 'remove-properties', removals: 'comment' }]),
  'update: remove-properties with a number': () => update([{ action: 'remove-properties', removals: ['comment', 1] }]),
  'update: add-view-version without version': () => update([{ action: 'add-view-version' }]),
  'update: add-view-version with unknown schema': () =>
    update([{ action: 'add-view-version', 'view-version': version({ 'version-id': 2, 'schema-id': 5, representations: [sql('SELECT 2')] }) }]),
  'update: add-view-version with -1 schema and none added': () =>
    update([{ action: 'add-view-version', 'view-version': version({ 'version-id': 2, 'schema-id': -1, representations: [sql('SELECT 2')] }) }]),
  'update: add-view-version with duplicate dialects': () =>
    update([{ action: 'add-view-version', 'view-version': version({ 'version-id': 2, representations: [sql('SELECT 2'), sql('SELECT 3', 'SPARK')] }) }]),
  'update: add-view-version with a substrait plan': () =>
    update([{ action: 'add-view-version', 'view-version': version({ 'version-id': 2, representations: [{ type: 'substrait', plan: 'AAE=' }] }) }]),
  'update: set-current-view-version missing id': () => update([{ action: 'set-current-view-version' }]),
  'update: set-current-view-version -1 with none added': () => update([{ action: 'set-current-view-version', 'view-version-id': -1 }]),
  'update: set-current-view-version unknown': () => update([{ action: 'set-current-view-version', 'view-version-id': 42 }]),
  'update: replace losing a dialect': () => update(replace(3, ['spark']), twoVersions()),
  'update: set both dialect rules': () =>
    update([{ action: 'set-properties', updates: { 'replace.drop-dialect.allowed': 'true', 'replace.append-dialect.allowed': 'true' } }]),
  'update: history size negative': () => update([{ action: 'set-properties', updates: { 'version.history.num-entries': '-3' } }]),
  'update: history size fractional': () => update([{ action: 'set-properties', updates: { 'version.history.num-entries': '2.5' } }]),
  'update: base whose current version is missing': () => update([], { ...created(), 'current-version-id': 9 }),
  'update: an error after a valid update': () =>
    update([{ action: 'set-location', location: 's3://moved' }, { action: 'set-current-view-version', 'view-version-id': 42 }]),
  // ---- updates: valid
  'update ok: nothing to do': () => update([]),
  'update ok: no-op updates': () =>
    update([
      { action: 'assign-uuid', uuid: UUID },
      { action: 'upgrade-format-version', 'format-version': 1 },
      { action: 'set-location', location: 's3://bucket/wh/ns/events_view' },
      { action: 'set-properties', updates: {} },
      { action: 'remove-properties', removals: [] },
      { action: 'set-current-view-version', 'view-version-id': 1 },
    ]),
  'update ok: location and properties': () =>
    update([
      { action: 'set-location', location: 's3://bucket/wh/ns/moved' },
      { action: 'set-properties', updates: { owner: 'ana', comment: 'replaced' } },
      { action: 'remove-properties', removals: ['missing-key'] },
    ]),
  'update ok: replace adds schema 1 and version 2': () => update(replace(2, ['spark', 'trino']), created()),
  'update ok: concurrent replace renumbers the version': () => update(replace(2, ['spark', 'trino']), twoVersions()),
  'update ok: replace dropping a dialect when allowed': () =>
    update(
      [{ action: 'set-properties', updates: { 'replace.drop-dialect.allowed': 'true' } }, ...replace(3, ['trino'])],
      twoVersions(),
    ),
  'update ok: re-activate version 1': () => update([{ action: 'set-current-view-version', 'view-version-id': 1 }], twoVersions()),
  'update ok: history trimmed to one entry': () =>
    update([{ action: 'set-properties', updates: { 'version.history.num-entries': '1' } }, ...replace(3, ['spark', 'trino'])], twoVersions()),
  'update: re-sent identical version, then -1 (re-used, so not "added")': () =>
    update([{ action: 'add-view-version', 'view-version': version({ 'version-id': 9, 'timestamp-ms': 5 }) }, { action: 'set-current-view-version', 'view-version-id': -1 }]),

  // ---- requirements
  'require: not a list': () => require({ type: 'assert-view-uuid', uuid: UUID }),
  'require: a string': () => require(['assert-view-uuid']),
  'require: type missing': () => require([{ uuid: UUID }]),
  'require: type a number': () => require([{ type: 1 }]),
  'require: table requirement': () => require([{ type: 'assert-table-uuid', uuid: UUID }]),
  'require: uuid missing': () => require([{ type: 'assert-view-uuid' }]),
  'require: uuid mismatch': () => require([{ type: 'assert-view-uuid', uuid: '5d3b4ae5-0e9c-4f5a-9f15-4c0b0e4a39a3' }]),
  'require ok: uuid in capitals': () => require([{ type: 'assert-view-uuid', uuid: UUID.toUpperCase() }]),
  'require ok: none': () => require([]),

  // ---- metadata files
  'parse: null': () => parse(null),
  'parse: an array': () => parse([]),
  'parse: view-uuid missing': () => parse(fileWith((md) => delete md['view-uuid'])),
  'parse: view-uuid a number': () => parse(fileWith((md) => (md['view-uuid'] = 1))),
  'parse: format-version missing': () => parse(fileWith((md) => delete md['format-version'])),
  'parse: format-version 2': () => parse(fileWith((md) => (md['format-version'] = 2))),
  'parse: format-version a string': () => parse(fileWith((md) => (md['format-version'] = '1'))),
  'parse: location missing': () => parse(fileWith((md) => delete md.location)),
  'parse: properties with a number': () => parse(fileWith((md) => (md.properties = { a: 1 }))),
  'parse: schemas missing': () => parse(fileWith((md) => delete md.schemas)),
  'parse: schemas an object': () => parse(fileWith((md) => (md.schemas = {}))),
  'parse: schema without fields': () => parse(fileWith((md) => (md.schemas = [{ type: 'struct', 'schema-id': 0 }]))),
  'parse: current-version-id missing': () => parse(fileWith((md) => delete md['current-version-id'])),
  'parse: versions missing': () => parse(fileWith((md) => delete md.versions)),
  'parse: version without summary': () =>
    parse(fileWith((md) => delete (md.versions as Json[])[0]!.summary)),
  'parse: version with a substrait plan': () =>
    parse(fileWith((md) => ((md.versions as Json[])[0]!.representations = [{ type: 'substrait', plan: 'AAE=' }]))),
  'parse: version-log missing': () => parse(fileWith((md) => delete md['version-log'])),
  'parse: version-log entry a number': () => parse(fileWith((md) => (md['version-log'] = [1]))),
  'parse: version-log entry without timestamp': () => parse(fileWith((md) => (md['version-log'] = [{ 'version-id': 1 }]))),
  'parse: version-log entry without version': () => parse(fileWith((md) => (md['version-log'] = [{ 'timestamp-ms': T0 }]))),
  'parse: current version not among versions': () => parse(fileWith((md) => (md['current-version-id'] = 7))),
  'parse: current schema not among schemas': () =>
    parse(fileWith((md) => (md.schemas = (md.schemas as Json[]).filter((s) => s['schema-id'] === 0)))),
  // ---- metadata files: valid
  'parse ok: two versions': () => parse(viewMetadataToJson(twoVersions())),
  'parse ok: no properties, null default-catalog, extra top-level keys ignored': () =>
    parse(
      fileWith((md) => {
        delete md.properties;
        for (const v of md.versions as Json[]) v['default-catalog'] = null;
        md['x-extension'] = { kept: false };
      }),
    ),
};
