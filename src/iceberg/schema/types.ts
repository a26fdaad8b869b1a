// The Iceberg schema as it appears in table and view metadata (the spec's JSON, kebab-case keys).

/** "long", "decimal(10,2)", "fixed[16]", "variant", "geometry(srid:4326)", ... */
export type PrimitiveType = string;
export interface StructType { type: 'struct'; fields: NestedField[] }
export interface ListType { type: 'list'; 'element-id': number; element: Type; 'element-required': boolean }
export interface MapType {
  type: 'map'; 'key-id': number; key: Type; 'value-id': number; value: Type; 'value-required': boolean;
}
export type Type = PrimitiveType | StructType | ListType | MapType;
export interface NestedField {
  id: number; name: string; type: Type; required: boolean; doc?: string;
  'initial-default'?: unknown; 'write-default'?: unknown;
}
export interface Schema {
  type: 'struct'; 'schema-id': number; fields: NestedField[]; 'identifier-field-ids'?: number[];
}
