// Scan filters: the expression JSON of the REST spec (and Java's ExpressionParser) parsed,
// NOTs pushed down to the predicates (Java RewriteNot) and bound to a table schema.
//
// Accepted forms: `true`/`false`, {"type":"true"|"false"}, {"type":"literal","value":bool};
// and/or {left,right}; not {child}; unary {term|child}; comparisons {term,value} or
// {left,right} (either side may be the reference); sets {term|child, values}. Terms: a field
// name string (legacy), {"type":"reference","name"|"term"|"id"}, {"type":"transform",
// "transform","term"}. Anything the planner cannot judge (function applications, geo
// predicates, literals it cannot convert exactly) becomes an `unknown` node that never prunes.
import { limits } from '../../config/index.js';
import { err, ok, type Result } from '../../util/index.js';
import { invalid, type IcebergError } from '../errors.js';
import type { NestedField, Type } from '../schema/index.js';
import { parseTransform, resultKind, type Transform } from './transforms.js';
import { literalFor, primitiveKind, type PrimitiveKind, type Value } from './values.js';

const { SCAN_FILTER_DEPTH_MAX } = limits;

export const UNARY_OPS = ['is-null', 'not-null', 'is-nan', 'not-nan'] as const;
export const COMPARISON_OPS = ['lt', 'lt-eq', 'gt', 'gt-eq', 'eq', 'not-eq', 'starts-with', 'not-starts-with'] as const;
export const SET_OPS = ['in', 'not-in'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
export type ComparisonOp = (typeof COMPARISON_OPS)[number];
export type SetOp = (typeof SET_OPS)[number];

type TermJson = { name: string } | { id: number };
export type UnboundTerm = { ref: TermJson; transform?: string } | 'unknown';

export type Expr =
  | { op: 'true' | 'false' | 'unknown' }
  | { op: 'and' | 'or'; left: Expr; right: Expr }
  | { op: 'not'; child: Expr }
  | { op: UnaryOp; term: UnboundTerm }
  | { op: ComparisonOp; term: UnboundTerm; value: unknown }
  | { op: SetOp; term: UnboundTerm; values: unknown[] };

const bad = (message: string) => err(invalid(`Invalid filter: ${message}`));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
const includes = <T extends string>(list: readonly T[], v: string): v is T => (list as readonly string[]).includes(v);

function parseTerm(node: unknown, legacy: boolean): Result<UnboundTerm, IcebergError> {
  // in the current form a bare value is a literal: a predicate on a constant prunes nothing
  if (!legacy && literalValue(node)) return ok('unknown');
  if (typeof node === 'string') return ok({ ref: { name: node } });
  if (!isObject(node)) return bad(`cannot parse reference (requires string or object): ${typeof node}`);
  if (node.type === 'reference') {
    const name = node.name ?? node.term;
    if (typeof name === 'string') return ok({ ref: { name } });
    if (typeof node.id === 'number' && Number.isInteger(node.id)) return ok({ ref: { id: node.id } });
    return bad('reference without a name or id');
  }
  if (node.type === 'transform') {
    if (typeof node.transform !== 'string') return bad('transform term without a transform');
    const child = parseTerm(node.term, true);
    if (!child.ok) return child;
    return ok(child.value === 'unknown' ? 'unknown' : { ref: child.value.ref, transform: node.transform });
  }
  // function applications (spec `Apply`) are valid but not something a planner can prune with
  if (node.type === 'apply') return ok('unknown');
  return bad(`cannot parse type as a reference: ${String(node.type)}`);
}

/** A literal: a bare value or {"type":"literal","value":...}; undefined when it is not one. */
function literalValue(node: unknown): { value: unknown } | undefined {
  if (typeof node === 'number' || typeof node === 'bigint' || typeof node === 'string' || typeof node === 'boolean') return { value: node };
  if (isObject(node) && node.type === 'literal' && node.value !== undefined && node.value !== null) return { value: node.value };
  return undefined;
}

const isTermNode = (node: unknown) => isObject(node) && (node.type === 'reference' || node.type === 'transform' || node.type === 'apply');

const FLIPPED: Partial<Record<ComparisonOp, ComparisonOp>> = { lt: 'gt', 'lt-eq': 'gt-eq', gt: 'lt', 'gt-eq': 'lt-eq', eq: 'eq', 'not-eq': 'not-eq' };

function parseNode(node: unknown, depth: number): Result<Expr, IcebergError> {
  if (depth > SCAN_FILTER_DEPTH_MAX) return bad(`nested deeper than ${SCAN_FILTER_DEPTH_MAX} levels`);
  if (typeof node === 'boolean') return ok({ op: node ? 'true' : 'false' });
  if (!isObject(node)) return bad('cannot parse expression from non-object');
  const type = node.type;
  if (typeof type !== 'string') return bad('expression without a type');
  const t = type.toLowerCase();
  if (t === 'true' || t === 'false') return ok({ op: t });
  if (t === 'literal') {
    if (typeof node.value !== 'boolean') return bad('a literal expression must be a boolean');
    return ok({ op: node.value ? 'true' : 'false' });
  }
  if (t === 'and' || t === 'or') {
    const left = parseNode(node.left, depth + 1);
    if (!left.ok) return left;
    const right = parseNode(node.right, depth + 1);
    if (!right.ok) return right;
    return ok({ op: t, left: left.value, right: right.value });
  }
  if (t === 'not') {
    const child = parseNode(node.child, depth + 1);
    return child.ok ? ok({ op: 'not', child: child.value }) : child;
  }
  if (includes(UNARY_OPS, t)) {
    if (node.value !== undefined || node.values !== undefined) return bad(`${t} predicate has a value`);
    const term = node.term !== undefined ? parseTerm(node.term, true) : parseTerm(node.child, false);
    return term.ok ? ok({ op: t, term: term.value }) : term;
  }
  if (includes(COMPARISON_OPS, t)) {
    if (node.values !== undefined) return bad(`${t} predicate has values`);
    if (node.term !== undefined) {
      const term = parseTerm(node.term, true);
      if (!term.ok) return term;
      const lit = literalValue(node.value);
      if (!lit) return bad(`${t} predicate: missing or invalid value`);
      return ok({ op: t, term: term.value, value: lit.value });
    }
    const [l, r] = [node.left, node.right];
    if (isTermNode(l) && !isTermNode(r)) {
      const term = parseTerm(l, false);
      if (!term.ok) return term;
      const lit = literalValue(r);
      if (!lit) return bad(`${t} predicate: missing or invalid right operand`);
      return ok({ op: t, term: term.value, value: lit.value });
    }
    if (!isTermNode(l) && isTermNode(r)) {
      const term = parseTerm(r, false);
      if (!term.ok) return term;
      const lit = literalValue(l);
      if (!lit) return bad(`${t} predicate: missing or invalid left operand`);
      const flipped = FLIPPED[t];
      return ok(flipped ? { op: flipped, term: term.value, value: lit.value } : { op: 'unknown' });
    }
    if (l === undefined || r === undefined) return bad(`${t} predicate needs a value or left and right operands`);
    // two references, two literals, functions: valid, but nothing a planner prunes with
    return ok({ op: 'unknown' });
  }
  if (includes(SET_OPS, t)) {
    if (node.value !== undefined) return bad(`${t} predicate has a value`);
    const term = node.term !== undefined ? parseTerm(node.term, true) : parseTerm(node.child, false);
    if (!term.ok) return term;
    const raw = isObject(node.values) && node.values.type === 'literals' ? node.values.values : node.values;
    if (!Array.isArray(raw)) return bad(`${t} predicate: values must be an array`);
    const values: unknown[] = [];
    for (const v of raw) {
      const lit = literalValue(v);
      if (!lit) return bad(`${t} predicate: invalid literal`);
      values.push(lit.value);
    }
    return ok({ op: t, term: term.value, values });
  }
  // geo predicates and other newer operations: valid for their writers, opaque to this planner
  if (t === 'st-intersects' || t === 'st-disjoint' || t === 'st-covers' || t === 'st-not-covers') return ok({ op: 'unknown' });
  return bad(`unknown expression type ${type}`);
}

const NEGATED: Record<UnaryOp | ComparisonOp | SetOp, UnaryOp | ComparisonOp | SetOp> = {
  'is-null': 'not-null', 'not-null': 'is-null', 'is-nan': 'not-nan', 'not-nan': 'is-nan',
  lt: 'gt-eq', 'gt-eq': 'lt', 'lt-eq': 'gt', gt: 'lt-eq', eq: 'not-eq', 'not-eq': 'eq',
  'starts-with': 'not-starts-with', 'not-starts-with': 'starts-with', in: 'not-in', 'not-in': 'in',
};

/** Pushes every NOT down to the predicates (De Morgan, negated operators); NOT(unknown) is unknown. */
export function rewriteNot(e: Expr, negate = false): Expr {
  switch (e.op) {
    case 'true':
    case 'false':
      return negate ? { op: e.op === 'true' ? 'false' : 'true' } : e;
    case 'unknown':
      return e;
    case 'not':
      return rewriteNot(e.child, !negate);
    case 'and':
    case 'or': {
      const op = negate ? (e.op === 'and' ? 'or' : 'and') : e.op;
      return { op, left: rewriteNot(e.left, negate), right: rewriteNot(e.right, negate) };
    }
    default:
      return negate ? ({ ...e, op: NEGATED[e.op] } as Expr) : e;
  }
}

/** Parses a filter; a malformed one is an `invalid` error (400). */
export function parseFilter(json: unknown): Result<Expr, IcebergError> {
  return parseNode(json, 0);
}

// ---- binding ----------------------------------------------------------------------------------

export interface BoundField {
  id: number;
  name: string;
  type: Type;
  /** undefined for nested, variant and other non-primitive types */
  kind: PrimitiveKind | undefined;
  /** inside a list or map: its metrics aggregate many values per row */
  repeated: boolean;
}

export interface BoundTerm {
  field: BoundField;
  /** undefined for a plain reference (an identity transform is a plain reference) */
  transform?: { text: string; parsed: Transform; kind: PrimitiveKind };
}

export type BoundExpr =
  | { op: 'true' | 'false' | 'unknown' }
  | { op: 'and' | 'or'; left: BoundExpr; right: BoundExpr }
  | { op: UnaryOp; term: BoundTerm }
  /** value undefined: the literal could not be converted exactly */
  | { op: ComparisonOp; term: BoundTerm; value: Value | undefined }
  | { op: SetOp; term: BoundTerm; values: Value[] | undefined };

/** Every field of a schema by id and by full dotted name (Java Schema.findField names). */
export interface SchemaFields {
  byId: Map<number, BoundField>;
  byName: Map<string, BoundField>;
  byLowerName: Map<string, BoundField[]>;
}

export function schemaFields(schema: { fields: NestedField[] }): SchemaFields {
  const byId = new Map<number, BoundField>();
  const byName = new Map<string, BoundField>();
  const byLowerName = new Map<string, BoundField[]>();
  const add = (id: number, name: string, type: Type, repeated: boolean) => {
    const field: BoundField = { id, name, type, kind: primitiveKind(type), repeated };
    if (!byId.has(id)) byId.set(id, field);
    if (!byName.has(name)) byName.set(name, field);
    const lower = name.toLowerCase();
    byLowerName.set(lower, [...(byLowerName.get(lower) ?? []), field]);
    visit(type, name, repeated);
  };
  const visit = (type: Type, prefix: string, repeated: boolean): void => {
    if (typeof type === 'string') return;
    const p = (n: string) => (prefix ? `${prefix}.${n}` : n);
    if (type.type === 'struct') for (const f of type.fields) add(f.id, p(f.name), f.type, repeated);
    else if (type.type === 'list') add(type['element-id'], p('element'), type.element, true);
    else {
      add(type['key-id'], p('key'), type.key, true);
      add(type['value-id'], p('value'), type.value, true);
    }
  };
  visit({ type: 'struct', fields: schema.fields }, '', false);
  return { byId, byName, byLowerName };
}

/** A field by name (Java findField / caseInsensitiveFindField) or by id. */
export function findField(fields: SchemaFields, ref: TermJson, caseSensitive: boolean): Result<BoundField, IcebergError> {
  if ('id' in ref) {
    const f = fields.byId.get(ref.id);
    return f ? ok(f) : err(invalid(`Cannot find field with id ${ref.id} in struct`, 'ValidationException'));
  }
  if (caseSensitive) {
    const f = fields.byName.get(ref.name);
    return f ? ok(f) : err(invalid(`Cannot find field '${ref.name}' in struct`, 'ValidationException'));
  }
  const found = fields.byLowerName.get(ref.name.toLowerCase()) ?? [];
  if (found.length === 1) return ok(found[0]!);
  if (found.length === 0) return err(invalid(`Cannot find field '${ref.name}' in struct`, 'ValidationException'));
  return err(invalid(`Cannot find field '${ref.name}' in struct: the name matches ${found.length} fields ignoring case`, 'ValidationException'));
}

function bindTerm(term: Exclude<UnboundTerm, 'unknown'>, fields: SchemaFields, caseSensitive: boolean): Result<BoundTerm | 'unknown', IcebergError> {
  const field = findField(fields, term.ref, caseSensitive);
  if (!field.ok) return field;
  if (term.transform === undefined) return ok({ field: field.value });
  const parsed = parseTransform(term.transform);
  if (!parsed || !field.value.kind) return ok('unknown');
  if (parsed.name === 'identity') return ok({ field: field.value });
  const kind = resultKind(parsed, field.value.kind);
  return ok(kind ? { field: field.value, transform: { text: term.transform.trim().toLowerCase(), parsed, kind } } : 'unknown');
}

/**
 * The readings of a literal for a column: one when it converts exactly. A number a float column
 * cannot hold exactly (0.1, as Java writes 0.1f) has two: as written and rounded to float —
 * Java binds the rounded one, a reader comparing in double the other; a file is kept when
 * either might match.
 */
function literalReadings(kind: PrimitiveKind, raw: unknown): (Value | undefined)[] {
  const exact = literalFor(kind, raw);
  if (exact !== undefined || kind.kind !== 'float' || typeof raw !== 'number' || !Number.isFinite(raw)) return [exact];
  const rounded = Math.fround(raw);
  return Number.isFinite(rounded) ? [raw, rounded] : [undefined];
}

const anyOf = (es: BoundExpr[]): BoundExpr => es.reduce((left, right) => ({ op: 'or', left, right }));

/** Binds a NOT-free filter (see rewriteNot) to a schema; an unknown field is a 400. */
export function bindFilter(e: Expr, fields: SchemaFields, caseSensitive: boolean): Result<BoundExpr, IcebergError> {
  switch (e.op) {
    case 'true':
    case 'false':
    case 'unknown':
      return ok({ op: e.op });
    case 'not':
      // rewriteNot leaves none; a NOT here could only be around something unknown
      return ok({ op: 'unknown' });
    case 'and':
    case 'or': {
      const left = bindFilter(e.left, fields, caseSensitive);
      if (!left.ok) return left;
      const right = bindFilter(e.right, fields, caseSensitive);
      if (!right.ok) return right;
      return ok({ op: e.op, left: left.value, right: right.value });
    }
    default: {
      if (e.term === 'unknown') return ok({ op: 'unknown' });
      const bound = bindTerm(e.term, fields, caseSensitive);
      if (!bound.ok) return bound;
      const term = bound.value;
      if (term === 'unknown') return ok({ op: 'unknown' });
      const kind = term.transform?.kind ?? term.field.kind;
      if ('value' in e) {
        const readings = kind ? literalReadings(kind, e.value) : [undefined];
        return ok(anyOf(readings.map((value) => ({ op: e.op, term, value }))));
      }
      if ('values' in e) {
        const read = e.values.map((v) => (kind ? literalReadings(kind, v) : [undefined]));
        if (read.some((r) => r[0] === undefined)) return ok({ op: e.op, term, values: undefined });
        const exact = read.every((r) => r.length === 1);
        const first = read.map((r) => r[0]!);
        if (exact) return ok({ op: e.op, term, values: first });
        return ok(anyOf([{ op: e.op, term, values: first }, { op: e.op, term, values: read.map((r) => r[r.length - 1]!) }]));
      }
      return ok({ op: e.op, term });
    }
  }
}

/** Nodes in a bound filter (to bound the work done per file). */
export function filterSize(e: BoundExpr): number {
  if (e.op === 'and' || e.op === 'or') return 1 + filterSize(e.left) + filterSize(e.right);
  if ('values' in e) return 1 + (e.values?.length ?? 0);
  return 1;
}
