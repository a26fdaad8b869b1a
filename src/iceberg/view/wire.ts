// Iceberg view metadata on the wire: the in-memory types and their zod validators, worded like
// Java's ViewMetadataParser (see ../wire/java-json.ts for why the words matter). Views never
// interpret column types: a schema is checked for shape and depth, and its fields are kept
// verbatim, because views only store, compare and re-number schemas.
import { z } from 'zod';
import { SCHEMA_TOO_DEEP, schemaTooDeep } from '../schema/index.js';
import {
  ISE,
  asJsonObject,
  javaArray,
  javaInt,
  javaIntOrUndefined,
  javaIssue,
  javaLong,
  javaObject,
  javaObjectKeepingKeys,
  javaShape,
  javaSet,
  javaString,
  javaStringList,
  javaStringMap,
  javaStringMapOrEmpty,
  javaStringOrUndefined,
  parseInto,
  show,
} from '../wire/index.js';

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

export const SUPPORTED_VIEW_FORMAT_VERSION = 1;
export const INITIAL_SCHEMA_ID = 0;

// ---- schema

const ViewSchemaFieldZ = javaObjectKeepingKeys('struct field', {
  id: javaInt('id'),
  name: javaString('name'),
  required: z.unknown().transform((v, ctx) => (typeof v === 'boolean' ? v : javaIssue(ctx, 'Cannot parse missing boolean: required'))),
  type: z.unknown().transform((v, ctx) => (v === undefined || v === null ? javaIssue(ctx, 'Cannot parse missing field: type') : v)),
}).transform((f): ViewSchemaField => f);

/** Java SchemaParser: `schema-id` is optional (0); the builder re-numbers schemas anyway. */
export const ViewSchemaZ = asJsonObject('schema')
  .transform((o, ctx) => (schemaTooDeep(o) ? javaIssue(ctx, `Invalid schema: ${SCHEMA_TOO_DEEP}`) : o))
  .pipe(
    javaShape({
      type: z.unknown().transform((v, ctx) => {
        const type = v ?? 'struct';
        return type === 'struct' ? type : javaIssue(ctx, `Cannot parse type from json when there is no struct: ${String(type)}`);
      }),
      fields: javaArray('fields', ViewSchemaFieldZ),
      'schema-id': javaIntOrUndefined('schema-id'),
      'identifier-field-ids': z.unknown().transform((v, ctx) => {
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || !v.every((i) => Number.isInteger(i))) {
          return javaIssue(ctx, `Cannot parse identifier-field-ids from non-integer array: ${show(v)}`);
        }
        return [...(v as number[])];
      }),
    }),
  )
  .transform((s): ViewSchema => {
    const schema: ViewSchema = { type: 'struct', 'schema-id': s['schema-id'] ?? INITIAL_SCHEMA_ID, fields: s.fields };
    if (s['identifier-field-ids'] !== undefined) schema['identifier-field-ids'] = s['identifier-field-ids'];
    return schema;
  });

// ---- version

/** Java: the type match is case-insensitive; anything but sql is an "unknown" representation. */
const SqlRepresentationZ = javaShape({ sql: javaString('sql'), dialect: javaString('dialect') })
  .transform((r): SqlViewRepresentation => ({ type: 'sql', sql: r.sql, dialect: r.dialect }));

const RepresentationZ = javaObjectKeepingKeys('view representation', { type: javaString('type') }).transform(
  (r, ctx): SqlViewRepresentation | { unsupported: string } =>
    r.type.toLowerCase() === 'sql' ? parseInto(SqlRepresentationZ, r, ctx) : { unsupported: r.type },
);

/**
 * Only `sql` representations can be stored (the Java server rejects others on create), so a
 * version carrying any other kind is invalid.
 */
const RepresentationsZ = javaArray('representations', RepresentationZ).transform((reps, ctx): SqlViewRepresentation[] => {
  const unsupported = new Set<string>();
  const sql: SqlViewRepresentation[] = [];
  for (const r of reps) {
    if ('unsupported' in r) unsupported.add(r.unsupported);
    else sql.push(r);
  }
  if (unsupported.size > 0) return javaIssue(ctx, `Found unsupported view representations: ${javaSet(unsupported)}`, ISE);
  return sql;
});

export const ViewVersionZ = javaObject('view version', {
  'version-id': javaInt('version-id'),
  'timestamp-ms': javaLong('timestamp-ms'),
  'schema-id': javaInt('schema-id'),
  summary: javaStringMap('summary'),
  representations: RepresentationsZ,
  'default-catalog': javaStringOrUndefined('default-catalog'),
  'default-namespace': javaStringList('default-namespace'),
}).transform((v): ViewVersion => {
  const { 'default-catalog': defaultCatalog, ...rest } = v;
  return defaultCatalog === undefined ? rest : { ...rest, 'default-catalog': defaultCatalog };
});

export const ViewHistoryEntryZ = javaObject('view history entry', {
  'timestamp-ms': javaLong('timestamp-ms'),
  'version-id': javaInt('version-id'),
});

// ---- metadata file

/** The fields of a metadata file, in the order Java reads them; cross-checks come after. */
export const ViewMetadataFileZ = javaObject('view metadata', {
  'view-uuid': javaString('view-uuid'),
  'format-version': javaInt('format-version').transform((v, ctx) =>
    v === SUPPORTED_VIEW_FORMAT_VERSION ? SUPPORTED_VIEW_FORMAT_VERSION : javaIssue(ctx, `Unsupported format version: ${v}`, 'IllegalArgumentException'),
  ),
  location: javaString('location'),
  properties: javaStringMapOrEmpty('properties'),
  schemas: javaArray('schemas', ViewSchemaZ),
  'current-version-id': javaInt('current-version-id'),
  versions: javaArray('versions', ViewVersionZ),
  'version-log': javaArray('version-log', ViewHistoryEntryZ),
});
