// Request bodies: instances of the spec's request schemas (so every field of every operation is
// exercised), seeded with names, ids and locations from the live catalog so that requests get
// past validation and reach deeper code, then mutated (wrong types, missing and unknown fields).
import type { Json, Spec } from './spec.js';
import { Gen, HOSTILE_NAMES, HOSTILE_NUMBERS, HOSTILE_STRINGS, PRIMITIVE_TYPES, Raw, TRANSFORMS } from './values.js';

/** What the fuzzer knows about the live catalog. */
export interface FuzzState {
  namespaces: string[][];
  tables: Array<{ namespace: string[]; name: string; fieldIds: number[]; snapshotIds: string[] }>;
  views: Array<{ namespace: string[]; name: string }>;
  planIds: string[];
  /** locations a client may legitimately use: inside the warehouse */
  insideLocation(gen: Gen): string;
  /** locations the server must refuse or keep away from (never outside the temp parent) */
  hostileLocation(gen: Gen): string;
}

const GENERATION_DEPTH_MAX = 7;

export class BodyGen {
  constructor(
    private readonly gen: Gen,
    private readonly spec: Spec,
    private readonly state: FuzzState,
    /** the server checks snapshot times against its own clock: plausible ones are near now */
    private readonly nowMs: number,
  ) {}

  /** An instance of `schema`, plausible most of the time. */
  instance(schema: Json, depth = 0, key = ''): unknown {
    const gen = this.gen;
    if (typeof schema.$ref === 'string') {
      const hooked = this.hook(schema.$ref.split('/').pop()!, depth);
      if (hooked !== undefined) return hooked;
      return this.instance(this.spec.resolve(schema.$ref), depth, key);
    }
    const keyed = this.byKey(key);
    if (keyed !== undefined) return keyed;
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum)) return gen.pick(schema.enum as unknown[]);
    const alternatives = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
    if (alternatives) return this.instance(gen.pick(alternatives), depth + 1, key);
    if (Array.isArray(schema.allOf) || schema.properties || schema.type === 'object' || schema.additionalProperties) {
      return this.object(schema, depth);
    }
    switch (schema.type) {
      case 'array': {
        const items = (schema.items as Json | undefined) ?? {};
        const n = depth >= GENERATION_DEPTH_MAX ? 0 : gen.int(4);
        return Array.from({ length: n }, () => this.instance(items, depth + 1, key));
      }
      case 'integer':
        return gen.chance(0.7) ? gen.int(5) - 1 : new Raw(gen.pick(HOSTILE_NUMBERS));
      case 'number':
        return gen.chance(0.7) ? gen.rng.next() * 100 : new Raw(gen.pick(HOSTILE_NUMBERS));
      case 'boolean':
        return gen.chance(0.5);
      case 'string':
        if (schema.format === 'uuid') return gen.chance(0.8) ? gen.rng.uuid() : gen.pick(HOSTILE_STRINGS);
        return gen.chance(0.5) ? gen.plainName() : gen.pick(HOSTILE_STRINGS);
      default:
        return this.junk(depth);
    }
  }

  private object(schema: Json, depth: number): Record<string, unknown> {
    const gen = this.gen;
    const out: Record<string, unknown> = {};
    for (const part of (schema.allOf as Json[] | undefined) ?? []) {
      const value = this.instance(part, depth + 1);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign(out, value);
    }
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, sub] of Object.entries((schema.properties as Record<string, Json> | undefined) ?? {})) {
      if (required.has(name) || (depth < GENERATION_DEPTH_MAX && gen.chance(0.4))) out[name] = this.instance(sub, depth + 1, name);
    }
    const extra = schema.additionalProperties;
    if (extra && typeof extra === 'object' && depth < GENERATION_DEPTH_MAX) {
      for (let i = gen.int(3); i > 0; i--) out[gen.chance(0.8) ? gen.plainName() : gen.pick(HOSTILE_NAMES)] = this.instance(extra as Json, depth + 1);
    }
    return out;
  }

  /** Schemas whose plausible values come from the catalog's state rather than their shape. */
  private hook(name: string, depth: number): unknown {
    const gen = this.gen;
    switch (name) {
      case 'Namespace':
        return this.namespace();
      case 'TableIdentifier': {
        const t = this.existingOr(this.state.tables) ?? this.existingOr(this.state.views);
        return t && gen.chance(0.8) ? { namespace: t.namespace, name: t.name } : { namespace: this.namespace(), name: this.name() };
      }
      case 'PrimitiveType':
        return gen.pick(PRIMITIVE_TYPES);
      case 'Type':
        return depth >= GENERATION_DEPTH_MAX || gen.chance(0.6) ? gen.pick(PRIMITIVE_TYPES) : undefined;
      case 'Transform':
        return gen.pick(TRANSFORMS);
      default:
        return undefined;
    }
  }

  /** Fields recognised by their key, wherever they appear. */
  private byKey(key: string): unknown {
    const gen = this.gen;
    if (key === '') return undefined;
    if (/location$|^manifest-list$|path$/.test(key)) return gen.chance(0.6) ? this.state.insideLocation(gen) : this.state.hostileLocation(gen);
    if (/snapshot-id$|^snapshot-ids$/.test(key) && gen.chance(0.6)) {
      const table = this.existingOr(this.state.tables);
      const known = table?.snapshotIds ?? [];
      const one = () => new Raw(known.length && gen.chance(0.5) ? gen.pick(known) : gen.pick(HOSTILE_NUMBERS));
      return key === 'snapshot-ids' ? [one(), one()] : one();
    }
    if (/(^|-)id$/.test(key) && key !== 'plan-id' && gen.chance(0.5)) return gen.chance(0.7) ? gen.int(6) - 1 : new Raw(gen.pick(HOSTILE_NUMBERS));
    if (key === 'format-version') return gen.pick([1, 2, 3, 4, 0, -1, new Raw('9223372036854775808'), '2']);
    if (key === 'name' && gen.chance(0.5)) return this.name();
    if (key === 'plan-task' || key === 'plan-id') return gen.chance(0.5) && this.state.planIds.length ? gen.pick(this.state.planIds) : gen.pick(HOSTILE_STRINGS);
    return undefined;
  }

  namespace(): string[] {
    const gen = this.gen;
    if (this.state.namespaces.length && gen.chance(0.7)) return gen.pick(this.state.namespaces);
    const n = gen.chance(0.9) ? 1 + gen.int(3) : gen.pick([0, 16, 17]);
    return Array.from({ length: n }, () => this.name());
  }

  name(): string {
    return this.gen.chance(0.7) ? this.gen.plainName() : this.gen.pick(HOSTILE_NAMES);
  }

  private existingOr<T>(items: T[]): T | undefined {
    return items.length ? this.gen.pick(items) : undefined;
  }

  /** Any JSON value, of any type. */
  junk(depth = 0): unknown {
    const gen = this.gen;
    switch (gen.int(depth > 3 ? 5 : 7)) {
      case 0:
        return null;
      case 1:
        return gen.chance(0.5);
      case 2:
        return new Raw(gen.pick(HOSTILE_NUMBERS));
      case 3:
        return gen.pick(HOSTILE_STRINGS);
      case 4:
        return gen.plainName();
      case 5:
        return Array.from({ length: gen.int(3) }, () => this.junk(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: gen.int(3) }, () => [gen.pick(['type', 'action', 'name', 'id', gen.plainName()]), this.junk(depth + 1)]));
    }
  }

  /** Changes one random place of `value`: a wrong type, a dropped or an unknown field. */
  mutate(value: unknown, depth = 0): unknown {
    const gen = this.gen;
    if (depth > 8 || gen.chance(0.25) || typeof value !== 'object' || value === null || value instanceof Raw) return this.junk();
    if (Array.isArray(value)) {
      if (value.length === 0 || gen.chance(0.2)) return [...value, this.junk()];
      const i = gen.int(value.length);
      return value.map((v, j) => (j === i ? this.mutate(v, depth + 1) : v));
    }
    const entries = Object.entries(value);
    if (entries.length === 0 || gen.chance(0.15)) return { ...value, [gen.pick(['action', 'type', 'x', gen.plainName()])]: this.junk() };
    const [k, v] = gen.pick(entries);
    if (gen.chance(0.2)) {
      const copy: Record<string, unknown> = { ...value };
      delete copy[k];
      return copy;
    }
    return { ...value, [k]: this.mutate(v, depth + 1) };
  }

  // ---- plausible requests for the operations that reach the most code ----

  schema(fieldCount: number, schemaId: number | Raw = 0, clean = false): Record<string, unknown> {
    const gen = this.gen;
    const fields = Array.from({ length: fieldCount }, (_, i) => ({
      id: i + 1,
      name: clean || gen.chance(0.9) ? `c${i}` : gen.pick(HOSTILE_NAMES),
      type: clean || gen.chance(0.85) ? gen.pick(PRIMITIVE_TYPES.slice(0, 12)) : this.nestedType(1 + gen.int(3), fieldCount + 10),
      required: gen.chance(0.3),
    }));
    return { type: 'struct', 'schema-id': schemaId, fields, ...(gen.chance(0.2) && { 'identifier-field-ids': [1] }) };
  }

  private nestedType(depth: number, firstId: number): unknown {
    const gen = this.gen;
    if (depth === 0) return gen.pick(PRIMITIVE_TYPES);
    switch (gen.int(3)) {
      case 0:
        return { type: 'struct', fields: [{ id: firstId, name: 'n', type: this.nestedType(depth - 1, firstId + 3), required: false }] };
      case 1:
        return { type: 'list', 'element-id': firstId, element: this.nestedType(depth - 1, firstId + 3), 'element-required': false };
      default:
        return { type: 'map', 'key-id': firstId, key: 'string', 'value-id': firstId + 1, value: this.nestedType(depth - 1, firstId + 3), 'value-required': false };
    }
  }

  /** A schema nested `depth` levels, written as text (too deep for the recursive serialiser). */
  deepSchemaText(depth: number): string {
    let type = '"long"';
    for (let i = depth; i > 0; i--) type = `{"type":"struct","fields":[{"id":${i + 1},"name":"n","type":${type},"required":false}]}`;
    return `{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"n","type":${type},"required":false}]}`;
  }

  createTable(): Record<string, unknown> {
    const gen = this.gen;
    const fieldCount = 1 + gen.int(4);
    return {
      name: this.name(),
      schema: this.schema(fieldCount),
      ...(gen.chance(0.3) && { location: gen.chance(0.3) ? this.state.insideLocation(gen) : this.state.hostileLocation(gen) }),
      ...(gen.chance(0.3) && {
        'partition-spec': { 'spec-id': 0, fields: [{ 'source-id': 1 + gen.int(fieldCount + 1), 'field-id': 1000, name: 'p', transform: gen.pick(TRANSFORMS) }] },
      }),
      ...(gen.chance(0.2) && { 'write-order': { 'order-id': 1, fields: [{ 'source-id': 1, transform: 'identity', direction: gen.pick(['asc', 'desc', 'up']), 'null-order': 'nulls-first' }] } }),
      ...(gen.chance(0.3) && { properties: this.properties() }),
      ...(gen.chance(0.2) && { 'stage-create': gen.chance(0.7) }),
    };
  }

  properties(): Record<string, string> {
    const gen = this.gen;
    const keys = ['format-version', 'write.metadata.delete-after-commit.enabled', 'write.metadata.previous-versions-max', 'owner', 'comment', gen.plainName(), gen.pick(HOSTILE_NAMES)];
    const values = ['1', '2', '3', '0', '-1', 'true', 'false', '9223372036854775808', 'NaN', '', 'x'];
    return Object.fromEntries(Array.from({ length: 1 + gen.int(3) }, () => [gen.pick(keys), gen.pick(values)]));
  }

  /** A table commit with a random mix of requirements and updates, many of them plausible. */
  commit(table: FuzzState['tables'][number] | undefined): Record<string, unknown> {
    const gen = this.gen;
    // mostly few requirements and plausible updates, so that a good share of commits succeed
    const requirements = Array.from({ length: gen.chance(0.6) ? 0 : 1 + gen.int(2) }, () => this.requirement(table));
    const updates = Array.from({ length: 1 + gen.int(4) }, () => (gen.chance(0.85) ? this.plausibleUpdate(table) : this.instance({ $ref: '#/components/schemas/TableUpdate' })));
    return {
      ...(gen.chance(0.2) && table && { identifier: { namespace: table.namespace, name: table.name } }),
      requirements,
      updates,
    };
  }

  private requirement(table: FuzzState['tables'][number] | undefined): unknown {
    const gen = this.gen;
    const id = () => (gen.chance(0.7) ? gen.int(4) - 1 : new Raw(gen.pick(HOSTILE_NUMBERS)));
    switch (gen.int(9)) {
      case 0:
        return { type: 'assert-create' };
      case 1:
        return { type: 'assert-table-uuid', uuid: gen.rng.uuid() };
      case 2:
        return { type: 'assert-ref-snapshot-id', ref: gen.pick(['main', 'b', gen.pick(HOSTILE_NAMES)]), 'snapshot-id': gen.chance(0.3) ? null : this.snapshotId(table) };
      case 3:
        return { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': id() };
      case 4:
        return { type: 'assert-current-schema-id', 'current-schema-id': id() };
      case 5:
        return { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': gen.chance(0.5) ? 999 : id() };
      case 6:
        return { type: 'assert-default-spec-id', 'default-spec-id': id() };
      case 7:
        return { type: 'assert-default-sort-order-id', 'default-sort-order-id': id() };
      default:
        return this.instance({ $ref: '#/components/schemas/TableRequirement' });
    }
  }

  private snapshotId(table: FuzzState['tables'][number] | undefined): Raw {
    const gen = this.gen;
    const known = table?.snapshotIds ?? [];
    if (known.length && gen.chance(0.6)) return new Raw(gen.pick(known));
    return new Raw(gen.chance(0.5) ? String(1 + gen.int(2 ** 31)) : gen.pick(HOSTILE_NUMBERS));
  }

  private plausibleUpdate(table: FuzzState['tables'][number] | undefined): unknown {
    const gen = this.gen;
    const fieldId = () => (table?.fieldIds.length && gen.chance(0.8) ? gen.pick(table.fieldIds) : gen.int(20) - 1);
    switch (gen.int(16)) {
      case 0:
        return { action: 'add-schema', schema: this.schema(1 + gen.int(6), gen.chance(0.5) ? gen.int(4) : new Raw(gen.pick(HOSTILE_NUMBERS))), ...(gen.chance(0.3) && { 'last-column-id': gen.int(10) }) };
      case 1:
        return { action: 'set-current-schema', 'schema-id': gen.int(4) - 1 };
      case 2:
        return { action: 'add-spec', spec: { 'spec-id': gen.int(3), fields: [{ 'source-id': fieldId(), 'field-id': 1000 + gen.int(3), name: gen.plainName(), transform: gen.pick(TRANSFORMS) }] } };
      case 3:
        return { action: 'set-default-spec', 'spec-id': gen.int(4) - 1 };
      case 4:
        return { action: 'add-sort-order', 'sort-order': { 'order-id': 1 + gen.int(3), fields: [{ 'source-id': fieldId(), transform: gen.pick(TRANSFORMS), direction: gen.pick(['asc', 'desc']), 'null-order': gen.pick(['nulls-first', 'nulls-last', 'x']) }] } };
      case 5:
        return { action: 'set-default-sort-order', 'sort-order-id': gen.int(4) - 1 };
      case 6: {
        const id = gen.chance(0.5) ? String(1 + gen.int(2 ** 40)) : gen.pick(HOSTILE_NUMBERS);
        return {
          action: 'add-snapshot',
          snapshot: {
            'snapshot-id': new Raw(id),
            ...(gen.chance(0.5) && { 'parent-snapshot-id': this.snapshotId(table) }),
            'sequence-number': gen.chance(0.8) ? 1 + gen.int(5) : new Raw(gen.pick(HOSTILE_NUMBERS)),
            'timestamp-ms': gen.chance(0.8) ? this.nowMs + gen.int(1e6) : new Raw(gen.pick(HOSTILE_NUMBERS)),
            'manifest-list': gen.chance(0.7) ? this.state.insideLocation(gen) : this.state.hostileLocation(gen),
            summary: { operation: gen.pick(['append', 'overwrite', 'delete', 'replace', 'bogus']) },
            ...(gen.chance(0.5) && { 'schema-id': gen.int(3) }),
          },
        };
      }
      case 7:
        return { action: 'set-snapshot-ref', 'ref-name': gen.pick(['main', 'b1', 't1', gen.pick(HOSTILE_NAMES)]), type: gen.pick(['branch', 'tag', 'x']), 'snapshot-id': this.snapshotId(table), ...(gen.chance(0.3) && { 'max-ref-age-ms': new Raw(gen.pick(HOSTILE_NUMBERS)) }) };
      case 8:
        return { action: 'remove-snapshots', 'snapshot-ids': [this.snapshotId(table)] };
      case 9:
        return { action: 'remove-snapshot-ref', 'ref-name': gen.pick(['main', 'b1', 't1']) };
      case 10:
        return { action: 'set-location', location: gen.chance(0.5) ? this.state.insideLocation(gen) : this.state.hostileLocation(gen) };
      case 11:
        return { action: 'set-properties', updates: this.properties() };
      case 12:
        return { action: 'remove-properties', removals: [gen.pick(['owner', 'comment', gen.plainName()])] };
      case 13:
        return { action: 'upgrade-format-version', 'format-version': gen.pick([1, 2, 3, 4, 99]) };
      case 14:
        return {
          action: 'set-statistics',
          statistics: { 'snapshot-id': this.snapshotId(table), 'statistics-path': gen.chance(0.5) ? this.state.insideLocation(gen) : this.state.hostileLocation(gen), 'file-size-in-bytes': 10, 'file-footer-size-in-bytes': 5, 'blob-metadata': [] },
        };
      default:
        return { action: gen.pick(['remove-schemas', 'remove-partition-specs', 'remove-statistics']), 'schema-ids': [gen.int(3)], 'spec-ids': [gen.int(3)], 'snapshot-id': this.snapshotId(table) };
    }
  }

  viewBody(): Record<string, unknown> {
    const gen = this.gen;
    const ns = this.namespace();
    return {
      name: this.name(),
      schema: this.schema(1 + gen.int(3)),
      'view-version': {
        'version-id': gen.chance(0.8) ? 1 : new Raw(gen.pick(HOSTILE_NUMBERS)),
        'timestamp-ms': 1_700_000_000_000,
        'schema-id': gen.chance(0.8) ? 0 : gen.int(5) - 1,
        summary: { 'engine-name': 'fuzz' },
        representations: [{ type: 'sql', sql: 'select 1', dialect: gen.pick(['spark', 'trino', '']) }],
        'default-namespace': ns,
      },
      ...(gen.chance(0.3) && { location: gen.chance(0.5) ? this.state.insideLocation(gen) : this.state.hostileLocation(gen) }),
      properties: gen.chance(0.5) ? this.properties() : {},
    };
  }
}
