// Schema helpers shared by tables and views, create and commit: field indexing, fresh id assignment (Java
// TypeUtil.assignFreshIds order), format-version gating and schema identity.
import { err, ok, stringifyJson, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import { deepEqual } from '../wire/index.js';
import type { NestedField, Schema, Type } from './types.js';

export interface IndexedField {
  id: number;
  /** dotted full name, "element"/"key"/"value" for list and map children (Java findColumnName) */
  name: string;
  type: Type;
  required: boolean;
  initialDefault: unknown;
  /** false when the field sits inside a list/map or under an optional struct */
  identifierEligiblePath: boolean;
}

/** Pre-order index of every field id in the schema (struct fields, list elements, map keys/values). */
export function indexFields(schema: { fields: NestedField[] }): Map<number, IndexedField> {
  const out = new Map<number, IndexedField>();
  const visit = (type: Type, prefix: string, eligible: boolean): void => {
    if (typeof type === 'string') return;
    const add = (f: Omit<IndexedField, 'name'>, name: string): void => {
      const full = prefix ? `${prefix}.${name}` : name;
      if (!out.has(f.id)) out.set(f.id, { ...f, name: full });
      visit(f.type, full, f.identifierEligiblePath && f.required && typeof f.type !== 'string' && f.type.type === 'struct');
    };
    if (type.type === 'struct') {
      for (const f of type.fields) {
        add({ id: f.id, type: f.type, required: f.required, initialDefault: f['initial-default'], identifierEligiblePath: eligible }, f.name);
      }
    } else if (type.type === 'list') {
      add({ id: type['element-id'], type: type.element, required: type['element-required'], initialDefault: undefined, identifierEligiblePath: false }, 'element');
    } else {
      add({ id: type['key-id'], type: type.key, required: true, initialDefault: undefined, identifierEligiblePath: false }, 'key');
      add({ id: type['value-id'], type: type.value, required: type['value-required'], initialDefault: undefined, identifierEligiblePath: false }, 'value');
    }
  };
  visit({ type: 'struct', fields: schema.fields }, '', true);
  return out;
}

export function highestFieldId(schema: { fields: NestedField[] }): number {
  let max = 0;
  for (const id of indexFields(schema).keys()) max = Math.max(max, id);
  return max;
}

const V3_TYPES = ['timestamp_ns', 'timestamptz_ns', 'variant', 'unknown'];
function minFormatVersion(type: Type): number {
  if (typeof type !== 'string') return 1;
  const t = type.toLowerCase();
  if (V3_TYPES.includes(t) || t.startsWith('geometry') || t.startsWith('geography')) return 3;
  return 1;
}

/** Java Schema.checkCompatibility: types and non-null initial defaults newer than the table format. */
export function checkSchemaForVersion(schema: Schema, version: number): Result<void, IcebergError> {
  const problems: string[] = [];
  for (const f of indexFields(schema).values()) {
    const min = minFormatVersion(f.type);
    if (min > version) {
      problems.push(`Invalid type for ${f.name}: ${String(f.type)} is not supported until v${min}`);
    }
    if (version < 3 && f.initialDefault !== undefined && f.initialDefault !== null) {
      problems.push(`Invalid initial default for ${f.name}: non-null default (${stringifyJson(f.initialDefault)}) is not supported until v3`);
    }
  }
  if (problems.length === 0) return ok(undefined);
  return err(invalid(`Invalid schema for v${version}:\n- ${problems.join('\n- ')}`));
}

/** Identifier fields must be required primitive non-floating columns reachable through required structs. */
export function checkIdentifierFields(schema: Schema): Result<void, IcebergError> {
  const index = indexFields(schema);
  for (const id of schema['identifier-field-ids'] ?? []) {
    const f = index.get(id);
    if (!f) return err(invalid(`Cannot add fieldId ${id} as an identifier field: field does not exist`));
    const why = typeof f.type !== 'string' ? 'not a primitive type field'
      : !f.required ? 'not a required field'
      : ['float', 'double'].includes(f.type) ? `must not be float or double field`
      : !f.identifierEligiblePath ? 'must not be nested in a map, list or optional struct'
      : undefined;
    if (why) return err(invalid(`Cannot add field ${f.name} as an identifier field: ${why}`));
  }
  return ok(undefined);
}

/**
 * Java TypeUtil.assignFreshIds from counter 0: each struct first numbers all of its own fields in
 * order, then descends into them; lists number the element, maps the key then the value, before
 * descending. Returns the renumbered struct and old id → new id.
 */
export function assignFreshIds(fields: NestedField[]): { fields: NestedField[]; idMap: Map<number, number>; last: number } {
  let counter = 0;
  const idMap = new Map<number, number>();
  const fresh = (oldId: number): number => {
    counter += 1;
    if (!idMap.has(oldId)) idMap.set(oldId, counter);
    return counter;
  };
  const visitStruct = (struct: NestedField[]): NestedField[] => {
    const ids = struct.map((f) => fresh(f.id));
    return struct.map((f, i) => ({ ...f, id: ids[i], type: visitType(f.type) }));
  };
  const visitType = (type: Type): Type => {
    if (typeof type === 'string') return type;
    switch (type.type) {
      case 'struct':
        return { ...type, fields: visitStruct(type.fields) };
      case 'list': {
        const elementId = fresh(type['element-id']);
        return { ...type, 'element-id': elementId, element: visitType(type.element) };
      }
      case 'map': {
        const keyId = fresh(type['key-id']);
        const valueId = fresh(type['value-id']);
        return { ...type, 'key-id': keyId, 'value-id': valueId, key: visitType(type.key), value: visitType(type.value) };
      }
    }
  };
  const out = visitStruct(fields);
  return { fields: out, idMap, last: counter };
}

/** What sameSchema compares: table schemas and view schemas (whose field types stay raw JSON). */
export interface SchemaShape {
  fields: readonly unknown[];
  'identifier-field-ids'?: number[];
}

/** Java Schema.sameSchema: equal struct and equal identifier-field-id sets; schema-id ignored. */
export function sameSchema(a: SchemaShape, b: SchemaShape): boolean {
  const ids = (s: SchemaShape) => [...new Set(s['identifier-field-ids'] ?? [])].sort((x, y) => x - y);
  return deepEqual(a.fields, b.fields) && deepEqual(ids(a), ids(b));
}
