import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyViewUpdates,
  checkViewRequirements,
  newViewMetadata,
  parseViewMetadata,
  viewMetadataToJson,
  type ViewMetadata,
} from '../../src/iceberg/index.js';
import type { IcebergError } from '../../src/iceberg/index.js';
import type { Result } from '../../src/util/result.js';

const UUID = 'fa6506c3-7681-40c8-86dc-e36561f83385';
const T0 = 1_700_000_000_000;

const schema = (fields: [number, string, string][], id = 7) => ({
  type: 'struct',
  'schema-id': id,
  fields: fields.map(([fid, name, type]) => ({ id: fid, name, type, required: false })),
});

const sql = (text: string, dialect = 'spark') => ({ type: 'sql', sql: text, dialect });

const version = (over: Record<string, unknown> = {}) => ({
  'version-id': 5,
  'timestamp-ms': 123,
  'schema-id': 3,
  summary: { 'engine-name': 'spark', 'engine-version': '3.5.1' },
  representations: [sql('select id from t')],
  'default-namespace': ['ns'],
  ...over,
});

const createRequest = (over: Record<string, unknown> = {}) => ({
  name: 'v',
  location: 's3://bucket/wh/ns/v',
  schema: schema([[1, 'id', 'long']]),
  'view-version': version(),
  properties: { comment: 'hello' },
  ...over,
});

function unwrap<T>(r: Result<T, IcebergError>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function failure<T>(r: Result<T, IcebergError>): IcebergError {
  if (r.ok) assert.fail('expected an error');
  return r.error;
}

function created(over: Record<string, unknown> = {}): ViewMetadata {
  return unwrap(newViewMetadata(createRequest(over), { location: 's3://default/loc', nowMs: T0, uuid: UUID }));
}

/** What a Java client sends for `replaceView`: add-schema, add-view-version(-1), set-current(-1). */
function replaceUpdates(versionId: number, text: string, dialects = ['spark'], fields: [number, string, string][] = [[1, 'id', 'long']]) {
  return [
    { action: 'add-schema', schema: schema(fields, 99), 'last-column-id': 1 },
    {
      action: 'add-view-version',
      'view-version': version({
        'version-id': versionId,
        'timestamp-ms': T0 + versionId * 1000,
        'schema-id': -1,
        representations: dialects.map((d) => sql(text, d)),
      }),
    },
    { action: 'set-current-view-version', 'view-version-id': -1 },
  ];
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

// ---- create -----------------------------------------------------------------------------------

test('create re-numbers schema to 0 and version to 1, one version-log entry, format 1', () => {
  const md = created();
  assert.equal(md['view-uuid'], UUID);
  assert.equal(md['format-version'], 1);
  assert.equal(md.location, 's3://bucket/wh/ns/v');
  assert.deepEqual(
    md.schemas.map((s) => s['schema-id']),
    [0],
  );
  assert.equal(md['current-version-id'], 1);
  assert.equal(md.versions.length, 1);
  assert.equal(md.versions[0]['version-id'], 1);
  assert.equal(md.versions[0]['schema-id'], 0);
  assert.equal(md.versions[0]['timestamp-ms'], T0);
  assert.deepEqual(md.versions[0].summary, { 'engine-name': 'spark', 'engine-version': '3.5.1' });
  assert.deepEqual(md.versions[0]['default-namespace'], ['ns']);
  assert.deepEqual(md['version-log'], [{ 'timestamp-ms': T0, 'version-id': 1 }]);
  assert.deepEqual(md.properties, { comment: 'hello' });
});

test('create without a request location uses the catalog default', () => {
  const md = created({ location: undefined });
  assert.equal(md.location, 's3://default/loc');
});

test('create requires name, schema and view-version', () => {
  for (const missing of ['name', 'schema', 'view-version']) {
    const req: Record<string, unknown> = createRequest();
    delete req[missing];
    const e = failure(newViewMetadata(req, { location: 'l', nowMs: T0, uuid: UUID }));
    assert.equal(e.kind, 'invalid', missing);
  }
  assert.equal(failure(newViewMetadata('nope', { location: 'l', nowMs: T0, uuid: UUID })).kind, 'invalid');
});

test('create with duplicate dialects (case-insensitive) is an IllegalArgumentException', () => {
  const req = createRequest({
    'view-version': version({ representations: [sql('select 1', 'trino'), sql('select 2', 'Trino')] }),
  });
  const e = failure(newViewMetadata(req, { location: 'l', nowMs: T0, uuid: UUID }));
  assert.equal(e.kind, 'invalid');
  assert.equal(e.javaType, 'IllegalArgumentException');
  assert.equal(e.message, 'Invalid view version: Cannot add multiple queries for dialect trino');
});

test('create accepts only sql representations', () => {
  const req = createRequest({
    'view-version': version({ representations: [sql('select 1'), { type: 'substrait', plan: 'x' }] }),
  });
  const e = failure(newViewMetadata(req, { location: 'l', nowMs: T0, uuid: UUID }));
  assert.equal(e.kind, 'invalid');
  assert.match(e.message, /unsupported view representations: \[substrait\]/);
});

// ---- replace / updates ------------------------------------------------------------------------

test('two concurrent replaces of v1 that both ask for version 2 end at version 3', () => {
  const base = created();
  // both clients computed version-id 2 from the same base; the server applies them in turn
  const first = unwrap(applyViewUpdates(base, replaceUpdates(2, 'select 1'), { nowMs: T0 + 5 }));
  assert.equal(first.changed, true);
  assert.equal(first.metadata['current-version-id'], 2);
  const second = unwrap(applyViewUpdates(first.metadata, replaceUpdates(2, 'select 2'), { nowMs: T0 + 6 }));
  assert.equal(second.metadata['current-version-id'], 3);
  assert.deepEqual(
    second.metadata.versions.map((v) => v['version-id']),
    [1, 2, 3],
  );
  assert.equal(second.metadata.versions[2].representations[0].sql, 'select 2');
  // same schema as v1 → re-used, not duplicated
  assert.deepEqual(
    second.metadata.schemas.map((s) => s['schema-id']),
    [0],
  );
  // the log uses the timestamp of the versions added in the same request
  assert.deepEqual(second.metadata['version-log'], [
    { 'timestamp-ms': T0, 'version-id': 1 },
    { 'timestamp-ms': T0 + 2000, 'version-id': 2 },
    { 'timestamp-ms': T0 + 2000, 'version-id': 3 },
  ]);
});

test('a client id that is free is kept as is', () => {
  const md = unwrap(applyViewUpdates(created(), replaceUpdates(7, 'select 7'), { nowMs: T0 })).metadata;
  assert.equal(md['current-version-id'], 7);
});

test('-1 schema id refers to the schema added in this request; a new schema gets max+1', () => {
  const md = unwrap(
    applyViewUpdates(created(), replaceUpdates(2, 'select 1', ['spark'], [[1, 'id', 'long'], [2, 'data', 'string']]), {
      nowMs: T0,
    }),
  ).metadata;
  assert.deepEqual(
    md.schemas.map((s) => s['schema-id']),
    [0, 1],
  );
  assert.equal(md.versions.find((v) => v['version-id'] === 2)?.['schema-id'], 1);
});

test('-1 schema id without an added schema, and an unknown schema id, are invalid', () => {
  const base = created();
  const noSchema = replaceUpdates(2, 'select 1').slice(1);
  const e1 = failure(applyViewUpdates(base, noSchema, { nowMs: T0 }));
  assert.equal(e1.kind, 'invalid');
  assert.match(e1.message, /no schema has been added/);

  const unknown = [
    { action: 'add-view-version', 'view-version': version({ 'version-id': 2, 'schema-id': 42, representations: [sql('x')] }) },
  ];
  const e2 = failure(applyViewUpdates(base, unknown, { nowMs: T0 }));
  assert.equal(e2.kind, 'invalid');
  assert.equal(e2.message, 'Cannot add version with unknown schema: 42');
});

test('-1 version id without a version added in this request is invalid', () => {
  const e = failure(
    applyViewUpdates(created(), [{ action: 'set-current-view-version', 'view-version-id': -1 }], { nowMs: T0 }),
  );
  assert.equal(e.kind, 'invalid');
  assert.match(e.message, /Cannot set last version id/);
});

test('an identical version is re-used instead of added; re-activating an old version logs now', () => {
  const v2 = unwrap(applyViewUpdates(created(), replaceUpdates(2, 'select 2'), { nowMs: T0 })).metadata;
  const v1 = v2.versions[0];
  // same content as v1 but another id and timestamp: re-used, no new version
  const again = unwrap(
    applyViewUpdates(
      v2,
      [
        { action: 'add-view-version', 'view-version': { ...v1, 'version-id': 9, 'timestamp-ms': 1 } },
        { action: 'set-current-view-version', 'view-version-id': 1 },
      ],
      { nowMs: T0 + 77 },
    ),
  ).metadata;
  assert.deepEqual(
    again.versions.map((v) => v['version-id']),
    [1, 2],
  );
  assert.equal(again['current-version-id'], 1);
  assert.deepEqual(again['version-log'].at(-1), { 'timestamp-ms': T0 + 77, 'version-id': 1 });
});

test('the new current version must keep every dialect of the previous one', () => {
  const base = created({
    'view-version': version({ representations: [sql('select 1', 'spark'), sql('select 1', 'trino')] }),
  });
  const e = failure(applyViewUpdates(base, replaceUpdates(2, 'select 2', ['spark']), { nowMs: T0 }));
  assert.equal(e.kind, 'invalid');
  assert.equal(
    e.message,
    'Cannot replace view due to loss of view dialects (replace.drop-dialect.allowed=false):\n' +
      'Previous dialects: [spark, trino]\nNew dialects: [spark]',
  );
  // dialect names compare case-insensitively
  unwrap(applyViewUpdates(base, replaceUpdates(2, 'select 2', ['SPARK', 'Trino']), { nowMs: T0 }));
  // adding a dialect is fine
  unwrap(applyViewUpdates(base, replaceUpdates(2, 'select 2', ['spark', 'trino', 'duckdb']), { nowMs: T0 }));
});

test('replace.drop-dialect.allowed=true permits dropping a dialect', () => {
  const base = created({
    'view-version': version({ representations: [sql('select 1', 'spark'), sql('select 1', 'trino')] }),
    properties: { 'replace.drop-dialect.allowed': 'true' },
  });
  const md = unwrap(applyViewUpdates(base, replaceUpdates(2, 'select 2', ['spark']), { nowMs: T0 })).metadata;
  assert.equal(md['current-version-id'], 2);
  // also when set by the same request
  const strict = created({
    'view-version': version({ representations: [sql('select 1', 'spark'), sql('select 1', 'trino')] }),
  });
  unwrap(
    applyViewUpdates(
      strict,
      [{ action: 'set-properties', updates: { 'replace.drop-dialect.allowed': 'TRUE' } }, ...replaceUpdates(2, 'x', ['spark'])],
      { nowMs: T0 },
    ),
  );
});

test('version history is trimmed to version.history.num-entries, keeping the current version', () => {
  let md = created({ properties: { 'version.history.num-entries': '2' } });
  for (let i = 2; i <= 4; i++) {
    md = unwrap(applyViewUpdates(md, replaceUpdates(i, `select ${i}`), { nowMs: T0 + i })).metadata;
  }
  assert.deepEqual(
    md.versions.map((v) => v['version-id']),
    [3, 4],
  );
  assert.deepEqual(
    md['version-log'].map((e) => e['version-id']),
    [3, 4],
  );

  // re-activating 3 and adding 5 keeps 3 (current) and 5 (added now); entries before a gap go
  md = unwrap(
    applyViewUpdates(md, [{ action: 'set-current-view-version', 'view-version-id': 3 }], { nowMs: T0 + 100 }),
  ).metadata;
  assert.deepEqual(
    md['version-log'].map((e) => e['version-id']),
    [3, 4, 3],
  );
  md = unwrap(
    applyViewUpdates(
      md,
      [
        { action: 'add-view-version', 'view-version': version({ 'version-id': 5, 'schema-id': 0, representations: [sql('s5')] }) },
        { action: 'set-properties', updates: { 'version.history.num-entries': '1' } },
      ],
      { nowMs: T0 + 200 },
    ),
  ).metadata;
  // num-entries 1, but the added version and the current one are both kept
  assert.deepEqual(
    md.versions.map((v) => v['version-id']).sort(),
    [3, 5],
  );
  // 4 expired: the log entries up to and including it are cleared, the later 3 stays
  assert.deepEqual(md['version-log'], [{ 'timestamp-ms': T0 + 100, 'version-id': 3 }]);
});

test('default history size is 10', () => {
  let md = created();
  for (let i = 2; i <= 13; i++) {
    md = unwrap(applyViewUpdates(md, replaceUpdates(i, `select ${i}`), { nowMs: T0 + i })).metadata;
  }
  assert.equal(md.versions.length, 10);
  assert.deepEqual(md.versions.map((v) => v['version-id']), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  assert.equal(md['version-log'].length, 10);
});

test('simple updates: location, properties, uuid, format version; no-ops report unchanged', () => {
  const base = created();
  const r = unwrap(
    applyViewUpdates(
      base,
      [
        { action: 'set-location', location: 's3://elsewhere' },
        { action: 'set-properties', updates: { a: '1', b: '2' } },
        { action: 'remove-properties', removals: ['a', 'comment', 'missing'] },
        { action: 'assign-uuid', uuid: UUID },
        { action: 'upgrade-format-version', 'format-version': 1 },
      ],
      { nowMs: T0 },
    ),
  );
  assert.equal(r.changed, true);
  assert.equal(r.metadata.location, 's3://elsewhere');
  assert.deepEqual(r.metadata.properties, { b: '2' });
  assert.equal(r.metadata['version-log'].length, 1);

  const noop = unwrap(
    applyViewUpdates(
      base,
      [
        { action: 'set-location', location: base.location },
        { action: 'assign-uuid', uuid: UUID },
        { action: 'upgrade-format-version', 'format-version': 1 },
        { action: 'set-current-view-version', 'view-version-id': 1 },
        { action: 'set-properties', updates: {} },
      ],
      { nowMs: T0 },
    ),
  );
  assert.equal(noop.changed, false);
  assert.deepEqual(noop.metadata, base);

  assert.equal(failure(applyViewUpdates(base, [{ action: 'assign-uuid', uuid: 'other' }], { nowMs: T0 })).message, 'Cannot reassign uuid');
  assert.equal(
    failure(applyViewUpdates(base, [{ action: 'upgrade-format-version', 'format-version': 2 }], { nowMs: T0 })).message,
    'Unsupported format version: 2',
  );
});

test('unknown and table-only actions are invalid', () => {
  const base = created();
  for (const u of [
    { action: 'explode' },
    { action: 'add-snapshot', snapshot: {} },
    { action: 'set-current-schema', 'schema-id': 0 },
    { nope: true },
  ]) {
    const e = failure(applyViewUpdates(base, [u], { nowMs: T0 }));
    assert.equal(e.kind, 'invalid', JSON.stringify(u));
  }
});

test('base is never mutated (deep-frozen base, successful and failing updates)', () => {
  const base = deepFreeze(created({ properties: { comment: 'x', 'version.history.num-entries': '1' } }));
  const snapshot = structuredClone(base);
  const ok = unwrap(
    applyViewUpdates(
      base,
      [
        ...replaceUpdates(2, 'select 2', ['spark'], [[1, 'id', 'long'], [2, 'd', 'string']]),
        { action: 'set-properties', updates: { z: '1' } },
        { action: 'remove-properties', removals: ['comment'] },
        { action: 'set-location', location: 'elsewhere' },
      ],
      { nowMs: T0 },
    ),
  );
  assert.equal(ok.metadata.versions.length, 1);
  const bad = applyViewUpdates(base, [{ action: 'set-properties', updates: { q: '1' } }, { action: 'explode' }], { nowMs: T0 });
  assert.equal(bad.ok, false);
  assert.deepEqual(base, snapshot);
  // the result shares no objects with the base
  ok.metadata.schemas[0].fields.push({ id: 9, name: 'x', type: 'int', required: false });
  assert.deepEqual(base, snapshot);
});

// ---- requirements -----------------------------------------------------------------------------

test('assert-view-uuid: match (case-insensitive) passes, mismatch is a conflict', () => {
  const base = created();
  unwrap(checkViewRequirements([], base));
  unwrap(checkViewRequirements([{ type: 'assert-view-uuid', uuid: UUID.toUpperCase() }], base));
  const other = '00000000-0000-0000-0000-000000000000';
  const e = failure(checkViewRequirements([{ type: 'assert-view-uuid', uuid: other }], base));
  assert.equal(e.kind, 'conflict');
  assert.equal(e.message, `Requirement failed: view UUID does not match: expected ${UUID} != ${other}`);
});

test('unknown or malformed requirements are invalid', () => {
  const base = created();
  for (const r of [{ type: 'assert-table-uuid', uuid: UUID }, { type: 'assert-view-uuid' }, 'x']) {
    assert.equal(failure(checkViewRequirements([r], base)).kind, 'invalid', JSON.stringify(r));
  }
});

// ---- JSON -------------------------------------------------------------------------------------

test('metadata JSON round-trips through viewMetadataToJson and parseViewMetadata', () => {
  let md = created({
    'view-version': version({ 'default-catalog': 'prod', representations: [sql('select 1'), sql('select 1', 'trino')] }),
  });
  md = unwrap(applyViewUpdates(md, replaceUpdates(2, 'select 2', ['spark', 'trino']), { nowMs: T0 + 1 })).metadata;
  const json = viewMetadataToJson(md);
  assert.deepEqual(Object.keys(json), [
    'view-uuid',
    'format-version',
    'location',
    'properties',
    'schemas',
    'current-version-id',
    'versions',
    'version-log',
  ]);
  const parsed = unwrap(parseViewMetadata(JSON.parse(JSON.stringify(json))));
  assert.deepEqual(parsed, md);
  assert.deepEqual(viewMetadataToJson(parsed), json);
  assert.equal((json.versions as Record<string, unknown>[])[0]['default-catalog'], 'prod');
});

test('parseViewMetadata rejects bad documents', () => {
  const good = viewMetadataToJson(created());
  const cases: [string, Record<string, unknown>][] = [
    ['format-version 2', { ...good, 'format-version': 2 }],
    ['missing uuid', { ...good, 'view-uuid': undefined }],
    ['unknown current version', { ...good, 'current-version-id': 9 }],
    ['versions not array', { ...good, versions: {} }],
    ['bad log entry', { ...good, 'version-log': [{ 'version-id': 'x' }] }],
  ];
  for (const [name, doc] of cases) {
    assert.equal(failure(parseViewMetadata(JSON.parse(JSON.stringify(doc)))).kind, 'invalid', name);
  }
  assert.equal(parseViewMetadata(null).ok, false);
});
