// Scan filter evaluation: single-value decoding, literals, transforms (against the spec's
// Appendix B hash values), expression parsing/binding, inclusive metrics evaluation and
// partition projection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyTransform, bindFilter, bucketHash, compareValues, decodeSingleValue, literalFor, metricsMightMatch,
  parseFilter, parseTransform, partitionMightMatch, primitiveKind, rewriteNot, schemaFields,
  type BoundExpr, type FileMetrics, type PartitionValue, type PrimitiveKind,
} from '../../src/iceberg/index.js';
import type { PartitionSpec, Schema } from '../../src/iceberg/index.js';

const kind = (t: string): PrimitiveKind => primitiveKind(t)!;

// ---- values -----------------------------------------------------------------------------------

const le32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
const le64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b; };
const f32 = (n: number) => { const b = Buffer.alloc(4); b.writeFloatLE(n); return b; };
const f64 = (n: number) => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return b; };

test('bounds decode from the binary single-value form of each type', () => {
  assert.equal(decodeSingleValue(kind('boolean'), Buffer.from([1])), true);
  assert.equal(decodeSingleValue(kind('int'), le32(-7)), -7);
  assert.equal(decodeSingleValue(kind('long'), le64(1n << 60n)), 1n << 60n);
  assert.equal(decodeSingleValue(kind('long'), le32(-3)), -3n, 'int bounds of a column promoted to long');
  assert.equal(decodeSingleValue(kind('float'), f32(1.5)), 1.5);
  assert.equal(decodeSingleValue(kind('double'), f64(-2.25)), -2.25);
  assert.equal(decodeSingleValue(kind('date'), le32(17486)), 17486);
  assert.equal(decodeSingleValue(kind('timestamptz'), le64(1_510_871_468_000_000n)), 1_510_871_468_000_000n);
  assert.equal(decodeSingleValue(kind('string'), Buffer.from('héllo')), 'héllo');
  assert.equal(decodeSingleValue(kind('string'), Buffer.from([0xff, 0xfe])), undefined, 'invalid UTF-8 is no bound');
  assert.deepEqual(decodeSingleValue(kind('decimal(9,2)'), Buffer.from([0x05, 0x8c])), { unscaled: 1420n, scale: 2 });
  assert.deepEqual(decodeSingleValue(kind('decimal(9,2)'), Buffer.from([0xfa, 0x74])), { unscaled: -1420n, scale: 2 });
  assert.equal(decodeSingleValue(kind('int'), le64(1n)), undefined, 'wrong width');
});

test('literals convert exactly or not at all', () => {
  assert.equal(literalFor(kind('int'), 5), 5);
  assert.equal(literalFor(kind('int'), 2.5), undefined);
  assert.equal(literalFor(kind('int'), 2 ** 31), undefined);
  assert.equal(literalFor(kind('long'), 9007199254740993n), 9007199254740993n);
  assert.equal(literalFor(kind('float'), 0.5), 0.5);
  assert.equal(literalFor(kind('float'), 0.1), undefined, '0.1 is not a float');
  assert.equal(literalFor(kind('date'), '2017-11-16'), 17486);
  assert.equal(literalFor(kind('date'), '2017-02-30'), undefined);
  assert.equal(literalFor(kind('time'), '22:31:08'), 81_068_000_000n);
  assert.equal(literalFor(kind('timestamp'), '2017-11-16T22:31:08'), 1_510_871_468_000_000n);
  assert.equal(literalFor(kind('timestamp'), '2017-11-16T22:31:08+00:00'), undefined, 'no offset for timestamp');
  assert.equal(literalFor(kind('timestamptz'), '2017-11-16T14:31:08-08:00'), 1_510_871_468_000_000n);
  assert.equal(literalFor(kind('timestamptz_ns'), '2017-11-16T22:31:08.000001001+00:00'), 1_510_871_468_000_001_001n);
  assert.deepEqual(literalFor(kind('decimal(9,2)'), '14.20'), { unscaled: 1420n, scale: 2 });
  assert.deepEqual(literalFor(kind('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7'), Buffer.from('f79c3e09677c4bbda4793f349cb785e7', 'hex'));
  assert.deepEqual(literalFor(kind('binary'), '0A0b'), Buffer.from([10, 11]));
  assert.equal(literalFor(kind('fixed[3]'), '0A0B'), undefined, 'fixed length must match');
});

test('comparisons: Java float order, decimals as rationals, unknown where orders may differ', () => {
  assert.equal(compareValues('double', -0, 0), -1);
  assert.equal(compareValues('double', Number.NaN, Number.POSITIVE_INFINITY), 1);
  assert.equal(compareValues('decimal', { unscaled: 15n, scale: 1 }, { unscaled: 150n, scale: 2 }), 0);
  assert.equal(compareValues('decimal', { unscaled: 1234n, scale: 3 }, { unscaled: 123n, scale: 2 }), 1);
  assert.equal(compareValues('string', 'abc', 'abd'), -1);
  assert.equal(compareValues('string', 'a\u{1F600}', 'a\uFFFD'), undefined, 'UTF-16 and code point order differ here');
  assert.equal(compareValues('binary', Buffer.from([0x80]), Buffer.from([0x7f])), 1, 'unsigned bytes');
  assert.equal(compareValues('uuid', Buffer.alloc(16, 1), Buffer.alloc(16, 2)), undefined);
});

// ---- transforms -------------------------------------------------------------------------------

test('bucket hashes match the spec (Appendix B)', () => {
  const hash = (t: string, v: unknown) => bucketHash(kind(t), literalFor(kind(t), v)!);
  assert.equal(hash('int', 34), 2017239379);
  assert.equal(hash('long', 34), 2017239379);
  assert.equal(hash('decimal(9,2)', '14.20'), -500754589);
  assert.equal(hash('date', '2017-11-16'), -653330422);
  assert.equal(hash('time', '22:31:08'), -662762989);
  assert.equal(hash('timestamp', '2017-11-16T22:31:08'), -2047944441);
  assert.equal(hash('timestamptz', '2017-11-16T14:31:08-08:00'), -2047944441);
  assert.equal(hash('string', 'iceberg'), 1210000089);
  assert.equal(hash('uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'), 1488055340);
  assert.equal(hash('fixed[4]', '00010203'), -188683207);
  assert.equal(hash('binary', '00010203'), -188683207);
});

test('truncate and time transforms (floor semantics)', () => {
  const apply = (t: string, type: string, v: unknown) => applyTransform(parseTransform(t)!, kind(type), literalFor(kind(type), v)!);
  assert.equal(apply('truncate[10]', 'int', 1), 0);
  assert.equal(apply('truncate[10]', 'int', -1), -10);
  assert.equal(apply('truncate[10]', 'long', -1), -10n);
  assert.deepEqual(apply('truncate[50]', 'decimal(9,2)', '10.65'), { unscaled: 1050n, scale: 2 });
  assert.equal(apply('truncate[3]', 'string', 'iceberg'), 'ice');
  assert.equal(apply('truncate[2]', 'string', '\u{1F600}\u{1F601}x'), '\u{1F600}\u{1F601}', 'code points, not UTF-16 units');
  assert.equal(apply('day', 'date', '2017-11-16'), 17486);
  assert.equal(apply('month', 'date', '2017-11-16'), (2017 - 1970) * 12 + 10);
  assert.equal(apply('year', 'timestamp', '2017-11-16T22:31:08'), 47);
  assert.equal(apply('hour', 'timestamptz', '1970-01-01T01:00:00+00:00'), 1);
  assert.equal(apply('day', 'timestamp', '1969-12-31T23:59:59.999999'), -1);
  assert.equal(apply('bucket[16]', 'int', 34), 2017239379 % 16);
});

// ---- expressions ------------------------------------------------------------------------------

const SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'data', type: 'string', required: false },
    { id: 3, name: 'ts', type: 'timestamptz', required: false },
    { id: 4, name: 'x', type: 'double', required: false },
    { id: 5, name: 'price', type: 'decimal(9,2)', required: false },
    { id: 6, name: 'nested', type: { type: 'struct', fields: [{ id: 7, name: 'Inner', type: 'int', required: false }] }, required: false },
    { id: 8, name: 'tags', type: { type: 'list', 'element-id': 9, element: 'string', 'element-required': false }, required: false },
    { id: 10, name: 'f', type: 'float', required: false },
  ],
};
const FIELDS = schemaFields(SCHEMA);

function bind(json: unknown, caseSensitive = true): BoundExpr {
  const parsed = parseFilter(json);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  const bound = bindFilter(rewriteNot(parsed.value), FIELDS, caseSensitive);
  assert.ok(bound.ok, bound.ok ? '' : bound.error.message);
  return bound.value;
}

test('filters parse in the legacy and the current spec forms and bind to the schema', () => {
  const legacy = bind({ type: 'lt', term: 'id', value: 5 });
  const current = bind({ type: 'lt', left: { type: 'reference', name: 'id' }, right: { type: 'literal', value: 5 } });
  const flipped = bind({ type: 'gt', left: 5, right: { type: 'reference', name: 'id' } });
  const byId = bind({ type: 'lt', term: { type: 'reference', id: 1 }, value: 5 });
  for (const e of [legacy, current, flipped, byId]) {
    assert.equal(e.op, 'lt');
    if (e.op === 'lt') {
      assert.equal(e.term.field.id, 1);
      assert.equal(e.value, 5n);
    }
  }
  assert.equal(bind({ type: 'eq', term: 'nested.Inner', value: 1 }).op, 'eq');
  assert.equal(bind({ type: 'eq', term: 'NESTED.inner', value: 1 }, false).op, 'eq');
  assert.equal(bind({ type: 'in', term: 'id', values: { type: 'literals', values: [1, 2], 'data-type': 'long' } }).op, 'in');
  assert.equal(bind({ type: 'eq', left: { type: 'apply', function: 'f', arguments: [] }, right: 1 }).op, 'unknown');
  // valid in the spec, but constant or opaque: nothing to prune with
  assert.equal(bind({ type: 'lt', left: 1, right: 2 }).op, 'unknown');
  assert.equal(bind({ type: 'eq', left: { type: 'reference', name: 'id' }, right: { type: 'reference', name: 'data' } }).op, 'unknown');
  assert.equal(bind({ type: 'is-null', child: 'abc' }).op, 'unknown');
  assert.equal(bind(true).op, 'true');
  assert.equal(bind({ type: 'false' }).op, 'false');
});

test('NOT is pushed down to the predicates', () => {
  const e = bind({ type: 'not', child: { type: 'and', left: { type: 'lt', term: 'id', value: 5 }, right: { type: 'in', term: 'data', values: ['a'] } } });
  assert.equal(e.op, 'or');
  if (e.op === 'or') {
    assert.equal(e.left.op, 'gt-eq');
    assert.equal(e.right.op, 'not-in');
  }
  assert.equal(bind({ type: 'not', child: { type: 'not', child: { type: 'starts-with', term: 'data', value: 'a' } } }).op, 'starts-with');
});

test('malformed filters and unknown fields are refused', () => {
  const refused = (json: unknown, message: RegExp, caseSensitive = true) => {
    const parsed = parseFilter(json);
    const result = parsed.ok ? bindFilter(rewriteNot(parsed.value), FIELDS, caseSensitive) : parsed;
    assert.equal(result.ok, false, JSON.stringify(json));
    if (!result.ok) assert.match(result.error.message, message);
  };
  refused({ type: 'lt', term: 'nope', value: 1 }, /Cannot find field 'nope'/);
  refused({ type: 'eq', term: 'NESTED.inner', value: 1 }, /Cannot find field/);
  refused({ type: 'lt', term: 'id' }, /missing or invalid value/);
  refused({ type: 'lt', left: { type: 'reference', name: 'id' } }, /right operand/);
  refused({ type: 'lt' }, /needs a value or left and right operands/);
  refused({ type: 'is-null', term: 'id', value: 1 }, /has a value/);
  refused({ type: 'in', term: 'id', values: 3 }, /array/);
  refused({ type: 'frobnicate' }, /unknown expression type/);
  refused('id < 5', /non-object/);
  let deep: unknown = true;
  for (let i = 0; i < 1100; i++) deep = { type: 'not', child: deep };
  refused(deep, /nested deeper/);
});

// ---- metrics ----------------------------------------------------------------------------------

const kv = <V>(entries: [number, V][]) => entries.map(([key, value]) => ({ key, value }));

/** A file of 10 rows: id in [10, 20], data in ["b", "d"] with 2 nulls, x all NaN, price [1.00, 2.50]. */
const FILE: FileMetrics = {
  recordCount: 10n,
  valueCounts: kv([[1, 10n], [2, 10n], [4, 10n], [5, 10n]]),
  nullValueCounts: kv([[1, 0n], [2, 2n], [4, 0n], [5, 0n]]),
  nanValueCounts: kv([[4, 10n]]),
  lowerBounds: kv([[1, le64(10n)], [2, Buffer.from('b')], [5, Buffer.from([0x00, 0x64])]]),
  upperBounds: kv([[1, le64(20n)], [2, Buffer.from('d')], [5, Buffer.from([0x00, 0xfa])]]),
};

const might = (json: unknown, file: FileMetrics = FILE) => metricsMightMatch(bind(json), file);

test('inclusive metrics: ranges, equality, sets, nulls, NaN and missing bounds', () => {
  assert.equal(might({ type: 'lt', term: 'id', value: 10 }), false);
  assert.equal(might({ type: 'lt-eq', term: 'id', value: 10 }), true);
  assert.equal(might({ type: 'gt', term: 'id', value: 20 }), false);
  assert.equal(might({ type: 'gt-eq', term: 'id', value: 20 }), true);
  assert.equal(might({ type: 'eq', term: 'id', value: 21 }), false);
  assert.equal(might({ type: 'eq', term: 'id', value: 15 }), true);
  assert.equal(might({ type: 'not-eq', term: 'id', value: 15 }), true);
  assert.equal(might({ type: 'in', term: 'id', values: [1, 2, 30] }), false);
  assert.equal(might({ type: 'in', term: 'id', values: [1, 12] }), true);
  assert.equal(might({ type: 'not-in', term: 'id', values: [10, 20] }), true, 'bounds need not be values');
  assert.equal(might({ type: 'not', child: { type: 'gt-eq', term: 'id', value: 10 } }), false);
  assert.equal(might({ type: 'and', left: { type: 'gt', term: 'id', value: 12 }, right: { type: 'lt', term: 'id', value: 5 } }), false);
  assert.equal(might({ type: 'or', left: { type: 'gt', term: 'id', value: 30 }, right: { type: 'lt', term: 'id', value: 11 } }), true);
  // decimals compare exactly whatever the literal's scale
  assert.equal(might({ type: 'gt', term: 'price', value: '2.5' }), false);
  assert.equal(might({ type: 'lt', term: 'price', value: '1.005' }), true);
  assert.equal(might({ type: 'lt', term: 'price', value: '0.999' }), false);
  // nulls
  assert.equal(might({ type: 'is-null', term: 'id' }), false);
  assert.equal(might({ type: 'is-null', term: 'data' }), true);
  assert.equal(might({ type: 'not-null', term: 'data' }), true);
  const allNull: FileMetrics = { recordCount: 3n, valueCounts: kv([[2, 3n]]), nullValueCounts: kv([[2, 3n]]) };
  assert.equal(might({ type: 'not-null', term: 'data' }, allNull), false);
  assert.equal(might({ type: 'eq', term: 'data', value: 'x' }, allNull), false);
  assert.equal(might({ type: 'starts-with', term: 'data', value: 'x' }, allNull), false);
  assert.equal(might({ type: 'not-eq', term: 'data', value: 'x' }, allNull), true);
  // NaN
  assert.equal(might({ type: 'is-nan', term: 'x' }), true);
  assert.equal(might({ type: 'not-nan', term: 'x' }), false);
  assert.equal(might({ type: 'lt', term: 'x', value: 1 }), false, 'only NaNs: no value is < 1');
  const noNaN: FileMetrics = { recordCount: 3n, valueCounts: kv([[4, 3n]]), nanValueCounts: kv([[4, 0n]]) };
  assert.equal(might({ type: 'is-nan', term: 'x' }, noNaN), false);
  const nanLower: FileMetrics = { recordCount: 3n, lowerBounds: kv([[4, f64(Number.NaN)]]), upperBounds: kv([[4, f64(Number.NaN)]]) };
  assert.equal(might({ type: 'lt', term: 'x', value: 1 }, nanLower), true, 'a NaN lower bound is unreliable');
  // missing metrics never prune
  const bare: FileMetrics = { recordCount: 5n };
  for (const f of [
    { type: 'lt', term: 'id', value: -100 }, { type: 'eq', term: 'data', value: 'zz' }, { type: 'is-null', term: 'data' },
    { type: 'not-null', term: 'data' }, { type: 'is-nan', term: 'x' }, { type: 'in', term: 'id', values: [1] },
    { type: 'starts-with', term: 'data', value: 'q' },
  ]) assert.equal(might(f, bare), true, JSON.stringify(f));
  assert.equal(might(true, { recordCount: 0n }), false, 'an empty file has no rows');
});

test('signed zeros: bounds of 0.0 admit -0.0 literals and the reverse', () => {
  const zeros = (lower: number, upper: number): FileMetrics => ({ recordCount: 1n, lowerBounds: kv([[4, f64(lower)]]), upperBounds: kv([[4, f64(upper)]]) });
  assert.equal(might({ type: 'eq', term: 'x', value: 0 }, zeros(-0, -0)), true);
  assert.equal(might({ type: 'eq', term: 'x', value: -0 }, zeros(0, 0)), true);
  assert.equal(might({ type: 'lt', term: 'x', value: 0 }, zeros(0, 0)), true);
  assert.equal(might({ type: 'gt', term: 'x', value: 1 }, zeros(0, 0)), false);
});

test('float columns: a literal float cannot hold is read both as written and rounded', () => {
  // the file holds only 0.1f (0.100000001490116…), which Java's eq 0.1 (bound to 0.1f) matches
  const only = (v: number): FileMetrics => ({ recordCount: 1n, lowerBounds: kv([[10, f32(v)]]), upperBounds: kv([[10, f32(v)]]) });
  assert.equal(might({ type: 'eq', term: 'f', value: 0.1 }, only(0.1)), true);
  assert.equal(might({ type: 'in', term: 'f', values: [0.1, 0.3] }, only(0.1)), true);
  assert.equal(might({ type: 'gt', term: 'f', value: 0.1 }, only(0.1)), true, 'in double 0.1f > 0.1');
  assert.equal(might({ type: 'eq', term: 'f', value: 0.2 }, only(0.1)), false);
  assert.equal(might({ type: 'lt', term: 'f', value: 0.1 }, only(0.1)), false);
  assert.equal(might({ type: 'eq', term: 'f', value: 0.5 }, only(0.5)), true);
  assert.equal(might({ type: 'gt', term: 'f', value: 0.5 }, only(0.5)), false);
  const s = spec([[10, 'identity', 1000]]);
  assert.equal(pmight({ type: 'eq', term: 'f', value: 0.1 }, s, part([[1000, Math.fround(0.1)]])), true);
  assert.equal(pmight({ type: 'not-in', term: 'f', values: [0.1] }, s, part([[1000, Math.fround(0.1)]])), true);
  assert.equal(pmight({ type: 'eq', term: 'f', value: 0.2 }, s, part([[1000, Math.fround(0.1)]])), false);
});

test('string prefixes against bounds', () => {
  assert.equal(might({ type: 'starts-with', term: 'data', value: 'a' }), false);
  assert.equal(might({ type: 'starts-with', term: 'data', value: 'e' }), false);
  assert.equal(might({ type: 'starts-with', term: 'data', value: 'c' }), true);
  assert.equal(might({ type: 'starts-with', term: 'data', value: 'bz' }), true);
  const abc: FileMetrics = { recordCount: 2n, nullValueCounts: kv([[2, 0n]]), lowerBounds: kv([[2, Buffer.from('abc')]]), upperBounds: kv([[2, Buffer.from('abd')]]) };
  assert.equal(might({ type: 'not-starts-with', term: 'data', value: 'ab' }, abc), false);
  assert.equal(might({ type: 'not-starts-with', term: 'data', value: 'abc' }, abc), true);
  assert.equal(might({ type: 'not-starts-with', term: 'data', value: 'ab' }, { ...abc, nullValueCounts: kv([[2, 1n]]) }), true, 'nulls do not start with anything');
});

// ---- partitions -------------------------------------------------------------------------------

const spec = (fields: [number, string, number][]): PartitionSpec => ({
  'spec-id': 0,
  fields: fields.map(([sourceId, transform, fieldId]) => ({ 'source-id': sourceId, transform, 'field-id': fieldId, name: `p${fieldId}` })),
});
const part = (values: [number, unknown][]): PartitionValue[] => values.map(([fieldId, value]) => ({ fieldId, value }));
const pmight = (json: unknown, s: PartitionSpec, p: PartitionValue[]) => partitionMightMatch(bind(json), s, p, FIELDS);

test('identity partitions are evaluated exactly', () => {
  const s = spec([[2, 'identity', 1000]]);
  const b = part([[1000, 'b']]);
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'b' }, s, b), true);
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'c' }, s, b), false);
  assert.equal(pmight({ type: 'not-eq', term: 'data', value: 'b' }, s, b), false);
  assert.equal(pmight({ type: 'in', term: 'data', values: ['a', 'c'] }, s, b), false);
  assert.equal(pmight({ type: 'not-in', term: 'data', values: ['a', 'b'] }, s, b), false);
  assert.equal(pmight({ type: 'not-in', term: 'data', values: ['a', 'c'] }, s, b), true);
  assert.equal(pmight({ type: 'starts-with', term: 'data', value: 'x' }, s, b), false);
  assert.equal(pmight({ type: 'not-starts-with', term: 'data', value: 'b' }, s, b), false);
  assert.equal(pmight({ type: 'is-null', term: 'data' }, s, b), false);
  const nul = part([[1000, null]]);
  assert.equal(pmight({ type: 'is-null', term: 'data' }, s, nul), true);
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'b' }, s, nul), false);
  assert.equal(pmight({ type: 'not-eq', term: 'data', value: 'b' }, s, nul), true, 'kept: readers differ on null != x');
  // a predicate on another column says nothing about this partition
  assert.equal(pmight({ type: 'eq', term: 'id', value: 1 }, s, b), true);
});

test('bucket, truncate and time transforms project inclusively', () => {
  const bucket = spec([[1, 'bucket[16]', 1000]]);
  const inBucket = part([[1000, 2017239379 % 16]]);
  assert.equal(pmight({ type: 'eq', term: 'id', value: 34 }, bucket, inBucket), true);
  assert.equal(pmight({ type: 'eq', term: 'id', value: 34 }, bucket, part([[1000, (2017239379 % 16) + 1]])), false);
  assert.equal(pmight({ type: 'lt', term: 'id', value: 34 }, bucket, part([[1000, 0]])), true, 'ranges say nothing about buckets');
  assert.equal(pmight({ type: 'eq', term: { type: 'transform', transform: 'bucket[16]', term: 'id' }, value: 3 }, bucket, part([[1000, 4]])), false);

  const trunc = spec([[2, 'truncate[2]', 1000]]);
  const ab = part([[1000, 'ab']]);
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'abc' }, trunc, ab), true);
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'acc' }, trunc, ab), false);
  assert.equal(pmight({ type: 'starts-with', term: 'data', value: 'a' }, trunc, ab), true);
  assert.equal(pmight({ type: 'starts-with', term: 'data', value: 'b' }, trunc, ab), false);
  assert.equal(pmight({ type: 'starts-with', term: 'data', value: 'abz' }, trunc, ab), true);
  assert.equal(pmight({ type: 'starts-with', term: 'data', value: 'acz' }, trunc, ab), false);
  assert.equal(pmight({ type: 'lt', term: 'data', value: 'ab' }, trunc, ab), true, 'lt "ab" projects to lt-eq "ab"');
  assert.equal(pmight({ type: 'lt', term: 'data', value: 'aa' }, trunc, ab), false);
  assert.equal(pmight({ type: 'gt', term: 'data', value: 'abzz' }, trunc, ab), true);
  assert.equal(pmight({ type: 'not-starts-with', term: 'data', value: 'ab' }, trunc, ab), false);

  const truncInt = spec([[1, 'truncate[10]', 1000]]);
  assert.equal(pmight({ type: 'lt', term: 'id', value: 10 }, truncInt, part([[1000, 10n]])), false, 'lt 10 → lt-eq 0');
  assert.equal(pmight({ type: 'lt', term: 'id', value: 11 }, truncInt, part([[1000, 10n]])), true);
  assert.equal(pmight({ type: 'gt', term: 'id', value: 19 }, truncInt, part([[1000, 10n]])), false, 'gt 19 → gt-eq 20');

  const day = spec([[3, 'day', 1000]]);
  const nov16 = part([[1000, 17486]]);
  assert.equal(pmight({ type: 'eq', term: 'ts', value: '2017-11-16T22:31:08+00:00' }, day, nov16), true);
  assert.equal(pmight({ type: 'eq', term: 'ts', value: '2017-11-17T00:00:00+00:00' }, day, nov16), false);
  assert.equal(pmight({ type: 'lt', term: 'ts', value: '2017-11-16T00:00:00+00:00' }, day, nov16), false);
  assert.equal(pmight({ type: 'lt', term: 'ts', value: '2017-11-16T00:00:00.000001+00:00' }, day, nov16), true);
  assert.equal(pmight({ type: 'gt-eq', term: 'ts', value: '2017-11-17T00:00:00+00:00' }, day, nov16), false);
  assert.equal(pmight({ type: 'in', term: 'ts', values: ['2017-11-15T01:00:00+00:00', '2017-11-18T01:00:00+00:00'] }, day, nov16), false);
  assert.equal(pmight({ type: 'not-eq', term: 'ts', value: '2017-11-16T22:31:08+00:00' }, day, nov16), true);
  // pre-epoch values are never pruned on time transforms (old writers computed them wrongly)
  assert.equal(pmight({ type: 'eq', term: 'ts', value: '1969-12-31T12:00:00+00:00' }, day, part([[1000, 0]])), true);

  const month = spec([[3, 'month', 1000]]);
  assert.equal(pmight({ type: 'gt', term: 'ts', value: '2017-12-01T00:00:00+00:00' }, month, part([[1000, 574]])), false);
  assert.equal(pmight({ type: 'gt', term: 'ts', value: '2017-11-30T23:59:59+00:00' }, month, part([[1000, 574]])), true);
});

test('identity partitions of doubles: signed zeros are never told apart', () => {
  const s = spec([[4, 'identity', 1000]]);
  assert.equal(pmight({ type: 'eq', term: 'x', value: 0 }, s, part([[1000, -0]])), true);
  assert.equal(pmight({ type: 'lt', term: 'x', value: 0 }, s, part([[1000, -0]])), true);
  assert.equal(pmight({ type: 'in', term: 'x', values: [-0, 5] }, s, part([[1000, 0]])), true);
  assert.equal(pmight({ type: 'eq', term: 'x', value: 1.5 }, s, part([[1000, 0]])), false);
  assert.equal(pmight({ type: 'eq', term: 'x', value: 1.5 }, s, part([[1000, 2.5]])), false);
  assert.equal(pmight({ type: 'is-nan', term: 'x' }, s, part([[1000, Number.NaN]])), true);
  assert.equal(pmight({ type: 'not-nan', term: 'x' }, s, part([[1000, Number.NaN]])), false);
});

test('an unreadable partition value or a void transform never prunes', () => {
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'b' }, spec([[2, 'identity', 1000]]), part([[1000, 42]])), true);
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'b' }, spec([[2, 'void', 1000]]), part([[1000, null]])), true);
  assert.equal(pmight({ type: 'eq', term: 'data', value: 'b' }, spec([[2, 'zorder', 1000]]), part([[1000, 'x']])), true);
});
