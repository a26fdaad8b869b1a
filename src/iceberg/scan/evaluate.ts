// Whether a data file might hold rows matching a bound scan filter, judged two ways, both
// inclusive (false only when no row can match):
//  - its column metrics (Java InclusiveMetricsEvaluator: value/null/NaN counts and bounds);
//  - its partition values, after projecting each predicate through the partition transforms
//    (Java Projections.inclusive), evaluated exactly on the stored partition tuple.
// Everything this module is not sure of answers "might match".
import type { PartitionSpec } from '../table/index.js';
import type { BoundExpr, BoundTerm, ComparisonOp, SchemaFields, SetOp, UnaryOp } from './expression.js';
import { applyTransform, parseTransform, resultKind, type Transform } from './transforms.js';
import {
  compareValues, decodeSingleValue, equalValues, fromAvroValue, isDecimal, isFloating, rescale,
  type Kind, type PrimitiveKind, type Value,
} from './values.js';

/** Java skips IN predicates with more literals than this (InclusiveMetricsEvaluator). */
export const IN_PREDICATE_LIMIT = 200;

export interface FileMetrics {
  recordCount: bigint;
  valueCounts?: { key: number; value: bigint }[];
  nullValueCounts?: { key: number; value: bigint }[];
  nanValueCounts?: { key: number; value: bigint }[];
  lowerBounds?: { key: number; value: Buffer }[];
  upperBounds?: { key: number; value: Buffer }[];
}

const lookup = <V>(m: { key: number; value: V }[] | undefined, id: number): V | undefined => m?.find((kv) => kv.key === id)?.value;

// ---- metrics ----------------------------------------------------------------------------------

class Metrics {
  constructor(private readonly file: FileMetrics) {}

  mayContainNull(id: number): boolean {
    const n = lookup(this.file.nullValueCounts, id);
    return n === undefined || n !== 0n;
  }

  containsNullsOnly(id: number): boolean {
    const values = lookup(this.file.valueCounts, id);
    const nulls = lookup(this.file.nullValueCounts, id);
    return values !== undefined && nulls !== undefined && values - nulls === 0n;
  }

  containsNoNaNs(id: number): boolean {
    return lookup(this.file.nanValueCounts, id) === 0n;
  }

  containsNaNsOnly(id: number): boolean {
    const nans = lookup(this.file.nanValueCounts, id);
    const values = lookup(this.file.valueCounts, id);
    return nans !== undefined && values !== undefined && nans === values;
  }

  /** A bound decoded for the field; zero bounds of floats are widened to both signed zeros. */
  bound(which: 'lower' | 'upper', term: BoundTerm): Value | undefined {
    const { field } = term;
    if (!field.kind || field.repeated) return undefined;
    const bytes = lookup(which === 'lower' ? this.file.lowerBounds : this.file.upperBounds, field.id);
    if (!bytes) return undefined;
    const v = decodeSingleValue(field.kind, bytes);
    if (typeof v === 'number' && v === 0 && isFloating(field.kind.kind)) return which === 'lower' ? -0 : 0;
    return v;
  }
}

/** Inclusive evaluation of one predicate on a reference (Java InclusiveMetricsEvaluator). */
function metricsPredicate(e: Exclude<BoundExpr, { op: 'true' | 'false' | 'unknown' | 'and' | 'or' }>, m: Metrics): boolean {
  const term = e.term;
  // order-preserving transforms could be evaluated on bounds too; a planner may skip that
  // so could metrics of list elements and map entries, which aggregate many values per row
  if (term.transform || term.field.repeated) return true;
  const { id, kind } = term.field;
  const k = kind?.kind;
  switch (e.op) {
    case 'is-null':
      return m.mayContainNull(id);
    case 'not-null':
      return !m.containsNullsOnly(id);
    case 'is-nan':
      if (m.containsNullsOnly(id)) return false;
      return !(k && isFloating(k) && m.containsNoNaNs(id));
    case 'not-nan':
      return !(k && isFloating(k) && m.containsNaNsOnly(id));
    case 'not-eq':
    case 'not-in':
      // bounds are not necessarily values in the column: nothing can be excluded
      return true;
    case 'starts-with':
    case 'not-starts-with':
      return k === 'string' ? stringPrefixMetrics(e.op, e.value, term, m) : true;
    case 'in':
      return inMetrics(e.values, term, m);
    default:
      return comparisonMetrics(e.op, e.value, term, m);
  }
}

function comparisonMetrics(op: 'lt' | 'lt-eq' | 'gt' | 'gt-eq' | 'eq', lit: Value | undefined, term: BoundTerm, m: Metrics): boolean {
  const { id, kind } = term.field;
  if (m.containsNullsOnly(id) || m.containsNaNsOnly(id)) return false;
  if (lit === undefined || !kind) return true;
  const k = kind.kind;
  const cmp = (bound: Value | undefined) => (bound === undefined ? undefined : compareValues(k, bound, lit));
  const lower = m.bound('lower', term);
  // a NaN lower bound is unreliable (ORC writes NaN when the first value is NaN)
  const lowerOk = lower !== undefined && !(typeof lower === 'number' && Number.isNaN(lower));
  const upper = m.bound('upper', term);
  const lc = lowerOk ? cmp(lower) : undefined;
  const uc = cmp(upper);
  switch (op) {
    case 'lt':
      return !(lc !== undefined && lc >= 0);
    case 'lt-eq':
      return !(lc !== undefined && lc > 0);
    case 'gt':
      return !(uc !== undefined && uc <= 0);
    case 'gt-eq':
      return !(uc !== undefined && uc < 0);
    case 'eq':
      return !((lc !== undefined && lc > 0) || (uc !== undefined && uc < 0));
  }
}

function inMetrics(values: Value[] | undefined, term: BoundTerm, m: Metrics): boolean {
  const { id, kind } = term.field;
  if (m.containsNullsOnly(id) || m.containsNaNsOnly(id)) return false;
  if (values === undefined || !kind || values.length > IN_PREDICATE_LIMIT) return true;
  const lower = m.bound('lower', term);
  if (lower === undefined || (typeof lower === 'number' && Number.isNaN(lower))) return true;
  // keep every literal that might be >= lower (unknown comparisons are kept)
  let remaining = values.filter((v) => compareValues(kind.kind, lower, v) !== 1);
  if (remaining.length === 0) return false;
  const upper = m.bound('upper', term);
  if (upper === undefined) return true;
  remaining = remaining.filter((v) => compareValues(kind.kind, upper, v) !== -1);
  return remaining.length > 0;
}

/** Code points, not UTF-16 units: Iceberg truncates and compares strings by code point. */
const codePoints = (s: string) => Array.from(s);

function stringPrefixMetrics(op: 'starts-with' | 'not-starts-with', lit: Value | undefined, term: BoundTerm, m: Metrics): boolean {
  const { id } = term.field;
  if (op === 'starts-with' && m.containsNullsOnly(id)) return false;
  if (typeof lit !== 'string') return true;
  const prefix = codePoints(lit);
  const lower = m.bound('lower', term);
  const upper = m.bound('upper', term);
  const head = (s: string, n: number) => codePoints(s).slice(0, n).join('');
  if (op === 'starts-with') {
    if (typeof lower === 'string') {
      const c = compareValues('string', head(lower, prefix.length), lit);
      if (c !== undefined && c > 0) return false;
    }
    if (typeof upper === 'string') {
      const c = compareValues('string', head(upper, prefix.length), lit);
      if (c !== undefined && c < 0) return false;
    }
    return true;
  }
  // not-starts-with cannot match only if every value starts with the prefix: no nulls, and
  // both bounds (at least as long as the prefix) start with it
  if (m.mayContainNull(id)) return true;
  if (typeof lower !== 'string' || typeof upper !== 'string') return true;
  if (codePoints(lower).length < prefix.length || codePoints(upper).length < prefix.length) return true;
  return !(compareValues('string', head(lower, prefix.length), lit) === 0 && compareValues('string', head(upper, prefix.length), lit) === 0);
}

function evalMetrics(e: BoundExpr, m: Metrics): boolean {
  switch (e.op) {
    case 'true':
    case 'unknown':
      return true;
    case 'false':
      return false;
    case 'and':
      return evalMetrics(e.left, m) && evalMetrics(e.right, m);
    case 'or':
      return evalMetrics(e.left, m) || evalMetrics(e.right, m);
    default:
      return metricsPredicate(e, m);
  }
}

/** Whether rows of a file with these metrics might match (Java InclusiveMetricsEvaluator.eval). */
export function metricsMightMatch(filter: BoundExpr, file: FileMetrics): boolean {
  if (file.recordCount === 0n) return false;
  if (file.recordCount < 0n) return true;
  return evalMetrics(filter, new Metrics(file));
}

// ---- partitions -------------------------------------------------------------------------------

/** A partition value read from a manifest, with the partition field id the writer gave it. */
export interface PartitionValue {
  fieldId: number | undefined;
  value: unknown;
}

/** A partition field this planner can reason about (known transform, source in the schema). */
interface SpecField {
  /** position in the spec */
  index: number;
  fieldId: number;
  transform: Transform;
  text: string;
  sourceId: number;
  kind: PrimitiveKind;
}

/** A stored partition value: null for a null partition, undefined when it could not be read. */
type Stored = Value | null | undefined;

type Projected =
  | { op: UnaryOp; field: SpecField }
  | { op: ComparisonOp; field: SpecField; value: Value }
  | { op: SetOp; field: SpecField; values: Value[] };

const step = (kind: Kind, v: Value, delta: 1 | -1): Value | undefined => {
  if (typeof v === 'number' && (kind === 'int' || kind === 'date')) return v + delta;
  if (typeof v === 'bigint') return v + BigInt(delta);
  return undefined;
};

const negative = (v: Value | undefined) => (typeof v === 'number' && v < 0) || (typeof v === 'bigint' && v < 0n);

/**
 * Projects a predicate on a source column onto one partition field (inclusive: every row that
 * matches the predicate has a partition value matching the projection); 'true' when nothing
 * can be said.
 */
function project(e: Exclude<BoundExpr, { op: 'true' | 'false' | 'unknown' | 'and' | 'or' }>, f: SpecField, source: PrimitiveKind): Projected | 'true' {
  const t = f.transform;
  if (e.term.transform) {
    // a predicate on transform(x): only a partition field with that very transform answers it
    if (e.term.transform.text !== f.text) return 'true';
    if ('values' in e) return e.values ? { op: e.op, field: f, values: e.values } : 'true';
    if ('value' in e) return e.value !== undefined ? { op: e.op, field: f, value: e.value } : 'true';
    return { op: e.op, field: f };
  }
  if (t.name === 'void') return 'true';
  if (e.op === 'is-null' || e.op === 'not-null') return { op: e.op, field: f };
  if (t.name === 'identity') {
    if ('values' in e) return e.values ? { op: e.op, field: f, values: e.values } : 'true';
    if ('value' in e) return e.value !== undefined ? { op: e.op, field: f, value: e.value } : 'true';
    return { op: e.op, field: f };
  }
  if (e.op === 'is-nan' || e.op === 'not-nan' || e.op === 'not-eq' || e.op === 'not-in') return 'true';
  const apply = (v: Value | undefined) => {
    if (v === undefined) return undefined;
    // time transforms of pre-epoch values were computed wrongly by old writers: do not prune
    if ((t.name === 'year' || t.name === 'month' || t.name === 'day' || t.name === 'hour') && negative(v)) return undefined;
    return applyTransform(t, source, v);
  };
  if (e.op === 'in') {
    if (!e.values || e.values.length > IN_PREDICATE_LIMIT || (t.name !== 'bucket' && t.name !== 'truncate' && t.name !== 'year' && t.name !== 'month' && t.name !== 'day' && t.name !== 'hour')) return 'true';
    const out: Value[] = [];
    for (const v of e.values) {
      const p = apply(v);
      if (p === undefined) return 'true';
      out.push(p);
    }
    return { op: 'in', field: f, values: out };
  }
  if (!('value' in e) || e.value === undefined) return 'true';
  const lit = e.value;
  if (t.name === 'bucket') {
    if (e.op !== 'eq') return 'true';
    const p = apply(lit);
    return p === undefined ? 'true' : { op: 'eq', field: f, value: p };
  }
  const isStringLike = source.kind === 'string' || source.kind === 'binary';
  if (e.op === 'starts-with' || e.op === 'not-starts-with') {
    if (t.name !== 'truncate' || source.kind !== 'string' || typeof lit !== 'string') return 'true';
    const len = codePoints(lit).length;
    if (e.op === 'not-starts-with') return len <= t.width ? { op: 'not-starts-with', field: f, value: lit } : 'true';
    if (len < t.width) return { op: 'starts-with', field: f, value: lit };
    const p = apply(lit);
    return p === undefined ? 'true' : { op: 'eq', field: f, value: p };
  }
  // truncate on strings/binary: lt and lt-eq project to lt-eq trunc(x) (a prefix sorts first)
  let value: Value | undefined;
  let op: ComparisonOp = e.op;
  if (e.op === 'lt' || e.op === 'gt') {
    if (isStringLike) {
      value = apply(lit);
      op = e.op === 'lt' ? 'lt-eq' : 'gt-eq';
    } else {
      const adjusted = source.kind === 'decimal' && isDecimal(lit) ? adjustDecimal(lit, source, e.op === 'lt' ? -1 : 1) : step(source.kind, lit, e.op === 'lt' ? -1 : 1);
      value = apply(adjusted);
      op = e.op === 'lt' ? 'lt-eq' : 'gt-eq';
    }
  } else {
    value = apply(lit);
  }
  return value === undefined ? 'true' : { op, field: f, value };
}

function adjustDecimal(d: Value, source: PrimitiveKind, delta: 1 | -1): Value | undefined {
  if (!isDecimal(d)) return undefined;
  const r = rescale(d, source.scale ?? 0);
  return r ? { unscaled: r.unscaled + BigInt(delta), scale: r.scale } : undefined;
}

/** Exact evaluation of a projected predicate on the stored partition value ('might' when unsure). */
function evalProjected(p: Projected, v: Stored): boolean {
  if (v === undefined) return true;
  const kind = p.field.kind.kind;
  if (p.op === 'is-null') return v === null;
  if (p.op === 'not-null') return v !== null;
  if (v === null) {
    // comparisons never hold for null; the negative ones are kept (readers differ on null != x)
    return p.op === 'not-eq' || p.op === 'not-in' || p.op === 'not-starts-with' || p.op === 'not-nan';
  }
  if (typeof v === 'number' && Number.isNaN(v)) return p.op !== 'not-nan';
  if (p.op === 'is-nan') return false;
  if (p.op === 'not-nan') return true;
  // -0.0 and 0.0 are equal to IEEE readers and ordered in Java: either might be meant
  const zeroLiteral = 'value' in p ? p.value === 0 : 'values' in p && p.values.includes(0);
  if (isFloating(kind) && v === 0 && zeroLiteral) return true;
  if (p.op === 'in' || p.op === 'not-in') {
    if (p.values.length > IN_PREDICATE_LIMIT) return true;
    const hits = p.values.map((lit) => equalValues(kind, v, lit));
    if (p.op === 'in') return hits.some((h) => h !== false);
    return hits.every((h) => h !== true);
  }
  if (p.op === 'starts-with' || p.op === 'not-starts-with') {
    if (typeof v !== 'string' || typeof p.value !== 'string') return true;
    return v.startsWith(p.value) === (p.op === 'starts-with');
  }
  if (!('value' in p)) return true;
  const c = compareValues(kind, v, p.value);
  if (c === undefined) return true;
  switch (p.op) {
    case 'lt': return c < 0;
    case 'lt-eq': return c <= 0;
    case 'gt': return c > 0;
    case 'gt-eq': return c >= 0;
    case 'eq': return c === 0;
    case 'not-eq': return c !== 0;
  }
}

// Projections depend only on the predicate and the partition field: computed once per plan.
const projections = new WeakMap<object, Map<SpecField, Projected | 'true'>>();

function projected(e: Exclude<BoundExpr, { op: 'true' | 'false' | 'unknown' | 'and' | 'or' }>, f: SpecField, source: PrimitiveKind): Projected | 'true' {
  let byField = projections.get(e);
  if (!byField) {
    byField = new Map();
    projections.set(e, byField);
  }
  let p = byField.get(f);
  if (p === undefined) {
    p = project(e, f, source);
    byField.set(f, p);
  }
  return p;
}

function evalPartition(e: BoundExpr, fields: SpecField[], values: Stored[]): boolean {
  switch (e.op) {
    case 'true':
    case 'unknown':
      return true;
    case 'false':
      return false;
    case 'and':
      return evalPartition(e.left, fields, values) && evalPartition(e.right, fields, values);
    case 'or':
      return evalPartition(e.left, fields, values) || evalPartition(e.right, fields, values);
    default: {
      const source = e.term.field.kind;
      if (!source) return true;
      // every partition field of this column must admit the row (each projection is inclusive)
      for (const f of fields) {
        if (f.sourceId !== e.term.field.id) continue;
        const p = projected(e, f, source);
        if (p !== 'true' && !evalProjected(p, values[f.index])) return false;
      }
      return true;
    }
  }
}

const specFieldsCache = new WeakMap<PartitionSpec, WeakMap<SchemaFields, SpecField[]>>();

function specFields(spec: PartitionSpec, fields: SchemaFields): SpecField[] {
  let bySchema = specFieldsCache.get(spec);
  if (!bySchema) {
    bySchema = new WeakMap();
    specFieldsCache.set(spec, bySchema);
  }
  let out = bySchema.get(fields);
  if (!out) {
    out = [];
    spec.fields.forEach((pf, index) => {
      const transform = parseTransform(pf.transform);
      const source = fields.byId.get(pf['source-id'])?.kind;
      const kind = transform && source && resultKind(transform, source);
      if (!transform || !kind) return;
      out!.push({ index, fieldId: pf['field-id'], transform, text: pf.transform.trim().toLowerCase(), sourceId: pf['source-id'], kind });
    });
    bySchema.set(fields, out);
  }
  return out;
}

/**
 * Whether a file with these partition values might hold matching rows. `partition` is in the
 * manifest's order; values are matched to the spec's fields by partition field id, else by
 * position.
 */
export function partitionMightMatch(filter: BoundExpr, spec: PartitionSpec | undefined, partition: PartitionValue[], fields: SchemaFields): boolean {
  if (!spec || spec.fields.length === 0) return true;
  const known = specFields(spec, fields);
  if (known.length === 0) return true;
  const byPosition = partition.every((p) => p.fieldId === undefined);
  const values: Stored[] = [];
  for (const f of known) {
    const stored = byPosition ? partition[f.index] : partition.find((p) => p.fieldId === f.fieldId);
    values[f.index] = stored ? fromAvroValue(f.kind, stored.value) : undefined;
  }
  return evalPartition(filter, known, values);
}
