// Pins what the view code answers today, case by case (issue 11 item 5): the refactor of views
// onto the table skeleton must not change one message, kind or Java exception type a client
// sees, nor one byte of the metadata it writes. The inputs are in view-errors.cases.ts; the
// successful results are in fixtures/view-errors.ok.json. Both were recorded from the
// hand-parsed view-metadata.ts before it was replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CASES, outcome } from './view-errors.cases.js';

const OK: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('./fixtures/view-errors.ok.json', import.meta.url), 'utf8'),
);

/** [case, kind, Java exception type, message] */
const ERRORS: [string, string, string | null, string][] = [
  ["create: request is null", "invalid", null, "Cannot parse create view request from non-object: null"],
  ["create: request is an array", "invalid", null, "Cannot parse create view request from non-object: []"],
  ["create: request is a string", "invalid", null, "Cannot parse create view request from non-object: \"events_view\""],
  ["create: name missing", "invalid", "IllegalArgumentException", "Invalid view name: null"],
  ["create: name empty", "invalid", "IllegalArgumentException", "Invalid view name: \"\""],
  ["create: name a number", "invalid", "IllegalArgumentException", "Invalid view name: 7"],
  ["create: schema missing", "invalid", "IllegalArgumentException", "Invalid schema: null"],
  ["create: schema null", "invalid", "IllegalArgumentException", "Invalid schema: null"],
  ["create: view-version missing", "invalid", "IllegalArgumentException", "Invalid view version: null"],
  ["create: view-version null", "invalid", "IllegalArgumentException", "Invalid view version: null"],
  ["create: properties not an object", "invalid", null, "Cannot parse string map from non-object value: properties: [\"a\"]"],
  ["create: property value a number", "invalid", null, "Cannot parse to a string value: x.y: 1"],
  ["create: location a number", "invalid", null, "Cannot parse to a string value: location: 5"],
  ["create: schema a string", "invalid", null, "Cannot parse schema from non-object: \"struct\""],
  ["create: schema type list", "invalid", null, "Cannot parse type from json when there is no struct: list"],
  ["create: schema fields missing", "invalid", null, "Cannot parse missing field: fields"],
  ["create: schema fields an object", "invalid", null, "Cannot parse fields from non-array: {}"],
  ["create: schema-id a string", "invalid", null, "Cannot parse to an integer value: schema-id: \"0\""],
  ["create: identifier-field-ids not integers", "invalid", null, "Cannot parse identifier-field-ids from non-integer array: [\"id\"]"],
  ["create: identifier-field-ids an object", "invalid", null, "Cannot parse identifier-field-ids from non-integer array: {\"a\":1}"],
  ["create: schema nested too deep", "invalid", null, "Invalid schema: nested types deeper than 64 levels"],
  ["create: field a number", "invalid", null, "Cannot parse struct field from non-object: 3"],
  ["create: field id missing", "invalid", null, "Cannot parse missing int: id"],
  ["create: field id a float", "invalid", null, "Cannot parse to an integer value: id: 1.5"],
  ["create: field id beyond int32", "invalid", null, "Cannot parse to an integer value: id: 2147483648"],
  ["create: field name missing", "invalid", null, "Cannot parse missing string: name"],
  ["create: field name a number", "invalid", null, "Cannot parse to a string value: name: 9"],
  ["create: field required missing", "invalid", null, "Cannot parse missing boolean: required"],
  ["create: field required a string", "invalid", null, "Cannot parse missing boolean: required"],
  ["create: field type missing", "invalid", null, "Cannot parse missing field: type"],
  ["create: field type null", "invalid", null, "Cannot parse missing field: type"],
  ["create: view-version a string", "invalid", null, "Cannot parse view version from non-object: \"v1\""],
  ["create: version-id missing", "invalid", null, "Cannot parse missing int: version-id"],
  ["create: version-id a string", "invalid", null, "Cannot parse to an integer value: version-id: \"1\""],
  ["create: timestamp-ms missing", "invalid", null, "Cannot parse missing long: timestamp-ms"],
  ["create: timestamp-ms a float", "invalid", null, "Cannot parse to a long value: timestamp-ms: 1.5"],
  ["create: timestamp-ms beyond 2^53", "invalid", null, "Cannot parse to a long value: timestamp-ms: 1152921504606847000"],
  ["create: version schema-id missing", "invalid", null, "Cannot parse missing int: schema-id"],
  ["create: summary missing", "invalid", null, "Cannot parse missing map: summary"],
  ["create: summary an array", "invalid", null, "Cannot parse string map from non-object value: summary: [\"a\"]"],
  ["create: summary value a number", "invalid", null, "Cannot parse to a string value: engine-version: 3"],
  ["create: representations missing", "invalid", null, "Cannot parse missing field: representations"],
  ["create: representations an object", "invalid", null, "Cannot parse representations from non-array: {}"],
  ["create: representations empty", "invalid", "IllegalStateException", "Cannot create view without specifying a query"],
  ["create: representation a string", "invalid", null, "Cannot parse view representation from non-object: \"SELECT 1\""],
  ["create: representation type missing", "invalid", null, "Cannot parse missing string: type"],
  ["create: representation sql missing", "invalid", null, "Cannot parse missing string: sql"],
  ["create: representation dialect missing", "invalid", null, "Cannot parse missing string: dialect"],
  ["create: representation sql a number", "invalid", null, "Cannot parse to a string value: sql: 1"],
  ["create: substrait representation", "invalid", "IllegalStateException", "Found unsupported view representations: [substrait]"],
  ["create: two unknown representations", "invalid", "IllegalStateException", "Found unsupported view representations: [substrait, plan]"],
  ["create: default-catalog a number", "invalid", null, "Cannot parse to a string value: default-catalog: 1"],
  ["create: default-namespace missing", "invalid", null, "Cannot parse missing list: default-namespace"],
  ["create: default-namespace a string", "invalid", null, "Cannot parse string list from non-array: \"db\""],
  ["create: default-namespace with a number", "invalid", null, "Cannot parse string from non-text value in default-namespace: 2"],
  ["create: duplicate dialects (case-insensitive)", "invalid", "IllegalArgumentException", "Invalid view version: Cannot add multiple queries for dialect trino"],
  ["create: drop and append dialect both allowed", "invalid", "IllegalArgumentException", "Cannot set both replace.drop-dialect.allowed and replace.append-dialect.allowed to true"],
  ["create: history size not a number", "invalid", "IllegalArgumentException", "Invalid value for property version.history.num-entries: ten"],
  ["create: history size zero", "invalid", "IllegalArgumentException", "version.history.num-entries must be positive but was 0"],
  ["update: updates not a list", "invalid", "IllegalArgumentException", "Invalid updates: not a list"],
  ["update: update a string", "invalid", null, "Cannot parse view update from non-object: \"set-location\""],
  ["update: action missing", "invalid", "IllegalArgumentException", "Cannot parse metadata update, missing action: {\"location\":\"s3://x\"}"],
  ["update: action a number", "invalid", "IllegalArgumentException", "Cannot parse metadata update, missing action: {\"action\":3}"],
  ["update: unknown action", "invalid", "IllegalArgumentException", "Cannot apply unknown view update action: set-view-comment"],
  ["update: table-only action", "invalid", "IllegalArgumentException", "Cannot apply update add-snapshot to a view"],
  ["update: another table-only action", "invalid", "IllegalArgumentException", "Cannot apply update set-current-schema to a view"],
  ["update: assign-uuid without uuid", "invalid", null, "Cannot parse missing string: uuid"],
  ["update: assign-uuid to another uuid", "invalid", "IllegalArgumentException", "Cannot reassign uuid"],
  ["update: upgrade-format-version missing", "invalid", null, "Cannot parse missing int: format-version"],
  ["update: upgrade-format-version to 0", "invalid", "IllegalArgumentException", "Cannot downgrade v1 view to v0"],
  ["update: upgrade-format-version to 2", "invalid", "IllegalArgumentException", "Unsupported format version: 2"],
  ["update: add-schema without schema", "invalid", null, "Cannot parse schema from non-object: undefined"],
  ["update: add-schema with a broken field", "invalid", null, "Cannot parse missing string: name"],
  ["update: set-location without location", "invalid", null, "Cannot parse missing string: location"],
  ["update: set-location a number", "invalid", null, "Cannot parse to a string value: location: 1"],
  ["update: set-properties without updates", "invalid", null, "Cannot parse missing map: updates"],
  ["update: set-properties with a boolean value", "invalid", null, "Cannot parse to a string value: a: true"],
  ["update: remove-properties without removals", "invalid", null, "Cannot parse missing list: removals"],
  ["update: remove-properties a string", "invalid", null, "Cannot parse string list from non-array: \"comment\""],
  ["update: remove-properties with a number", "invalid", null, "Cannot parse string from non-text value in removals: 1"],
  ["update: add-view-version without version", "invalid", null, "Cannot parse view version from non-object: undefined"],
  ["update: add-view-version with unknown schema", "invalid", "IllegalArgumentException", "Cannot add version with unknown schema: 5"],
  ["update: add-view-version with -1 schema and none added", "invalid", "ValidationException", "Cannot set last added schema: no schema has been added"],
  ["update: add-view-version with duplicate dialects", "invalid", "IllegalArgumentException", "Invalid view version: Cannot add multiple queries for dialect spark"],
  ["update: add-view-version with a substrait plan", "invalid", "IllegalStateException", "Found unsupported view representations: [substrait]"],
  ["update: set-current-view-version missing id", "invalid", null, "Cannot parse missing int: view-version-id"],
  ["update: set-current-view-version -1 with none added", "invalid", "ValidationException", "Cannot set last version id: no current version id has been set"],
  ["update: set-current-view-version unknown", "invalid", "IllegalArgumentException", "Cannot set current version to unknown version: 42"],
  ["update: replace losing a dialect", "invalid", "IllegalStateException", "Cannot replace view due to loss of view dialects (replace.drop-dialect.allowed=false):\nPrevious dialects: [spark, trino]\nNew dialects: [spark]"],
  ["update: set both dialect rules", "invalid", "IllegalArgumentException", "Cannot set both replace.drop-dialect.allowed and replace.append-dialect.allowed to true"],
  ["update: history size negative", "invalid", "IllegalArgumentException", "version.history.num-entries must be positive but was -3"],
  ["update: history size fractional", "invalid", "IllegalArgumentException", "Invalid value for property version.history.num-entries: 2.5"],
  ["update: base whose current version is missing", "invalid", "IllegalArgumentException", "Cannot find current version 9 in view versions: [1]"],
  ["update: an error after a valid update", "invalid", "IllegalArgumentException", "Cannot set current version to unknown version: 42"],
  ["update ok: re-activate version 1", "invalid", "IllegalStateException", "Cannot replace view due to loss of view dialects (replace.drop-dialect.allowed=false):\nPrevious dialects: [spark, trino]\nNew dialects: [spark]"],
  ["update: re-sent identical version, then -1 (re-used, so not \"added\")", "invalid", "ValidationException", "Cannot set last version id: no current version id has been set"],
  ["require: not a list", "invalid", "IllegalArgumentException", "Invalid requirements: not a list"],
  ["require: a string", "invalid", null, "Cannot parse view requirement from non-object: \"assert-view-uuid\""],
  ["require: type missing", "invalid", "IllegalArgumentException", "Cannot parse view requirement, unknown type: undefined"],
  ["require: type a number", "invalid", "IllegalArgumentException", "Cannot parse view requirement, unknown type: 1"],
  ["require: table requirement", "invalid", "IllegalArgumentException", "Cannot parse view requirement, unknown type: assert-table-uuid"],
  ["require: uuid missing", "invalid", null, "Cannot parse missing string: uuid"],
  ["require: uuid mismatch", "conflict", null, "Requirement failed: view UUID does not match: expected fa6506c3-7681-40c8-86dc-e36561f83385 != 5d3b4ae5-0e9c-4f5a-9f15-4c0b0e4a39a3"],
  ["parse: null", "invalid", null, "Cannot parse view metadata from non-object: null"],
  ["parse: an array", "invalid", null, "Cannot parse view metadata from non-object: []"],
  ["parse: view-uuid missing", "invalid", null, "Cannot parse missing string: view-uuid"],
  ["parse: view-uuid a number", "invalid", null, "Cannot parse to a string value: view-uuid: 1"],
  ["parse: format-version missing", "invalid", null, "Cannot parse missing int: format-version"],
  ["parse: format-version 2", "invalid", "IllegalArgumentException", "Unsupported format version: 2"],
  ["parse: format-version a string", "invalid", null, "Cannot parse to an integer value: format-version: \"1\""],
  ["parse: location missing", "invalid", null, "Cannot parse missing string: location"],
  ["parse: properties with a number", "invalid", null, "Cannot parse to a string value: a: 1"],
  ["parse: schemas missing", "invalid", null, "Cannot parse missing field: schemas"],
  ["parse: schemas an object", "invalid", null, "Cannot parse schemas from non-array: {}"],
  ["parse: schema without fields", "invalid", null, "Cannot parse missing field: fields"],
  ["parse: current-version-id missing", "invalid", null, "Cannot parse missing int: current-version-id"],
  ["parse: versions missing", "invalid", null, "Cannot parse missing field: versions"],
  ["parse: version without summary", "invalid", null, "Cannot parse missing map: summary"],
  ["parse: version with a substrait plan", "invalid", "IllegalStateException", "Found unsupported view representations: [substrait]"],
  ["parse: version-log missing", "invalid", null, "Cannot parse missing field: version-log"],
  ["parse: version-log entry a number", "invalid", null, "Cannot parse view history entry from non-object: 1"],
  ["parse: version-log entry without timestamp", "invalid", null, "Cannot parse missing long: timestamp-ms"],
  ["parse: version-log entry without version", "invalid", null, "Cannot parse missing int: version-id"],
  ["parse: current version not among versions", "invalid", "IllegalArgumentException", "Cannot find current version 7 in view versions: [1, 2]"],
  ["parse: current schema not among schemas", "invalid", "IllegalArgumentException", "Cannot find current schema with id 1 in schemas: [0]"],
];

test('every case has exactly one expectation', () => {
  const expected = [...ERRORS.map(([name]) => name), ...Object.keys(OK)].sort();
  assert.deepEqual(Object.keys(CASES).sort(), expected);
});

for (const [name, kind, javaType, message] of ERRORS) {
  test(name, () => {
    const run = CASES[name];
    assert.ok(run, `no case named ${name}`);
    assert.deepEqual(outcome(run()), { error: { kind, javaType, message } });
  });
}

for (const [name, result] of Object.entries(OK)) {
  test(name, () => {
    const run = CASES[name];
    assert.ok(run, `no case named ${name}`);
    assert.deepEqual(outcome(run()), { ok: result });
  });
}
