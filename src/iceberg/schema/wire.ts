// Validators for the schema JSON shared by table and view metadata (REST spec component
// schemas). Objects are "loose": fields this server does not know yet (newer spec revisions)
// are carried through untouched instead of being silently dropped from the metadata we write.
import { z } from 'zod';
import { SCHEMA_TOO_DEEP, schemaTooDeep } from './depth.js';

const int = z.number().int();

// Recursive Iceberg type: a primitive name ("long", "decimal(9,2)", "variant", ...) or a nested type.
// The spec's primitive type names; anything else (e.g. "varchar") is a bad request, not a
// column the engines could never read.
const PRIMITIVE_TYPE =
  /^(boolean|int|long|float|double|date|time|timestamp|timestamptz|timestamp_ns|timestamptz_ns|string|uuid|binary|variant|unknown|decimal\(\s*\d+\s*,\s*\d+\s*\)|fixed\[\s*\d+\s*\]|geometry(\(.*\))?|geography(\(.*\))?)$/;
const PrimitiveTypeZ = z.string().regex(PRIMITIVE_TYPE, { message: 'unknown primitive type' });

export const TypeZ: z.ZodType<unknown> = z.lazy(() => z.union([PrimitiveTypeZ, StructTypeZ, ListTypeZ, MapTypeZ]));

export const NestedFieldZ = z.looseObject({
  id: int,
  name: z.string(),
  type: TypeZ,
  required: z.boolean(),
  doc: z.string().optional(),
});

const StructTypeZ = z.looseObject({ type: z.literal('struct'), fields: z.array(NestedFieldZ) });

const ListTypeZ = z.looseObject({
  type: z.literal('list'),
  'element-id': int,
  element: TypeZ,
  'element-required': z.boolean(),
});

const MapTypeZ = z.looseObject({
  type: z.literal('map'),
  'key-id': int,
  key: TypeZ,
  'value-id': int,
  value: TypeZ,
  'value-required': z.boolean(),
});

const SchemaObjectZ = z.looseObject({
  type: z.literal('struct'),
  fields: z.array(NestedFieldZ),
  'schema-id': int.optional(),
  'identifier-field-ids': z.array(int).optional(),
});

// the depth is checked before zod descends into the (recursive) types
export const SchemaZ = z
  .unknown()
  .superRefine((value, ctx) => {
    if (schemaTooDeep(value)) ctx.addIssue({ code: 'custom', message: SCHEMA_TOO_DEEP });
  })
  .pipe(SchemaObjectZ);
