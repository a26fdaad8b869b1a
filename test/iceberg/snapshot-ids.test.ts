// int64 snapshot ids (Java and PyIceberg pick random 63-bit ids, beyond 2^53) survive every step
// exactly: JSON text → parseJson → updates / requirements → tableMetadataToJson → stringifyJson.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { decodeMetadataFile, encodeMetadataFile } from '../../src/iceberg/metadata-files.js';
import { checkTableRequirements } from '../../src/iceberg/index.js';
import { parseTableMetadata, tableMetadataToJson, type TableMetadata } from '../../src/iceberg/index.js';
import { applyTableUpdates } from '../../src/iceberg/index.js';
import { parseJson, stringifyJson } from '../../src/util/json.js';
import { addSnapshot, baseTable, deepFreeze, setMain, snapshot, T0, unwrap, unwrapErr } from './fixtures/table/helpers.js';

const A = '9223372036854775807'; // Long.MAX_VALUE
const B = '8744736658442914487';
const NOW = T0 + 1_000_000;

/** The JSON text a client sends; big literals are written as text so nothing rounds them here. */
const commitText = (json: string): unknown[] => parseJson(json) as unknown[];

/** Writes md as a metadata file would be written, reads it back, and checks nothing changed. */
function roundTrip(md: TableMetadata): { text: string; md: TableMetadata } {
  const text = stringifyJson(tableMetadataToJson(md));
  const back = unwrap(parseTableMetadata(parseJson(text)));
  assert.deepEqual(back, md);
  return { text, md: back };
}

function snapshotText(id: string, opts: { parent?: string; seq: number; version: number; firstRowId?: number }): string {
  const lineage = opts.version >= 3 ? `,"first-row-id":${opts.firstRowId ?? 0},"added-rows":10` : '';
  const parent = opts.parent === undefined ? '' : `,"parent-snapshot-id":${opts.parent}`;
  const seq = opts.version === 1 ? '' : `,"sequence-number":${opts.seq}`;
  return `{"snapshot-id":${id}${parent}${seq},"timestamp-ms":${T0 + opts.seq},` +
    `"manifest-list":"s3://b/ns/t/metadata/snap-${id}.avro","summary":{"operation":"append"},"schema-id":0${lineage}}`;
}

describe('int64 snapshot ids end to end', () => {
  for (const version of [1, 2, 3] as const) {
    it(`v${version}: add-snapshot, set-snapshot-ref, assert-ref-snapshot-id, statistics and remove-snapshots keep ids exact`, () => {
      let md = deepFreeze(baseTable({ version }));
      // commit 1: snapshot A becomes main
      md = deepFreeze(unwrap(applyTableUpdates(md, commitText(`[
        {"action":"add-snapshot","snapshot":${snapshotText(A, { seq: 1, version })}},
        {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${A}}]`), { nowMs: NOW })).metadata);
      assert.equal(md['current-snapshot-id'], BigInt(A));
      let written = roundTrip(md);
      assert.ok(written.text.includes(`"current-snapshot-id":${A},`), 'written as a JSON number, not a string');
      md = deepFreeze(written.md);

      // commit 2: guarded by main == A; B (child of A) becomes main, A gets a tag and statistics
      const guard = commitText(`[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":${A}}]`);
      unwrap(checkTableRequirements(guard, md));
      md = deepFreeze(unwrap(applyTableUpdates(md, commitText(`[
        {"action":"add-snapshot","snapshot":${snapshotText(B, { parent: A, seq: 2, version, firstRowId: 10 })}},
        {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${B}},
        {"action":"set-snapshot-ref","ref-name":"audit","type":"tag","snapshot-id":${A}},
        {"action":"set-statistics","snapshot-id":${A},"statistics":{"snapshot-id":${A},"statistics-path":"s3://b/s.puffin",
          "file-size-in-bytes":1,"file-footer-size-in-bytes":1,"blob-metadata":[{"type":"t","snapshot-id":${A},"sequence-number":1,"fields":[1]}]}},
        {"action":"set-partition-statistics","partition-statistics":{"snapshot-id":${A},"statistics-path":"s3://b/p","file-size-in-bytes":1}}
      ]`), { nowMs: NOW + 1 })).metadata);
      written = roundTrip(md);
      md = deepFreeze(written.md);
      assert.equal(md['current-snapshot-id'], BigInt(B));
      assert.equal(md.refs.main['snapshot-id'], BigInt(B));
      assert.equal(md.refs.audit['snapshot-id'], BigInt(A));
      assert.equal(md.snapshots[1]['parent-snapshot-id'], BigInt(A));
      assert.deepEqual(md['snapshot-log'].map((e) => e['snapshot-id']), [BigInt(A), BigInt(B)]);
      assert.equal(md.statistics[0]['snapshot-id'], BigInt(A));
      assert.equal(md.statistics[0]['blob-metadata'][0]['snapshot-id'], BigInt(A));
      for (const literal of [`"snapshot-id":${B},"parent-snapshot-id":${A}`, `"main":{"type":"branch","snapshot-id":${B}}`]) {
        assert.ok(written.text.includes(literal), literal);
      }
      // the stale guard fails, with both ids exact in the message
      const stale = unwrapErr(checkTableRequirements(guard, md));
      assert.equal(stale.kind, 'conflict');
      assert.equal(stale.message, `Requirement failed: branch main has changed: expected id ${A} != ${B}`);
      const offByOne = commitText(`[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":8744736658442914486}]`);
      assert.equal(unwrapErr(checkTableRequirements(offByOne, md)).kind, 'conflict');
      unwrap(checkTableRequirements(commitText(`[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":${B}}]`), md));

      // commit 3: expire A: its tag, statistics and the log history before the gap go with it
      md = unwrap(applyTableUpdates(md, commitText(`[{"action":"remove-snapshots","snapshot-ids":[${A}]}]`), { nowMs: NOW + 2 })).metadata;
      assert.deepEqual(md.snapshots.map((s) => s['snapshot-id']), [BigInt(B)]);
      assert.deepEqual(Object.keys(md.refs), ['main']);
      assert.deepEqual([md.statistics, md['partition-statistics']], [[], []]);
      assert.deepEqual(md['snapshot-log'].map((e) => e['snapshot-id']), [BigInt(B)]);
      written = roundTrip(md);
      assert.ok(!written.text.includes(`"snapshot-id":${A}`));
      assert.ok(written.text.includes(`"parent-snapshot-id":${A}`), 'the parent link stays');
    });
  }

  it('ids next to each other beyond 2^53 stay distinct (no rounding collision)', () => {
    let md = deepFreeze(baseTable());
    md = unwrap(applyTableUpdates(md, commitText(`[
      {"action":"add-snapshot","snapshot":${snapshotText('8744736658442914487', { seq: 1, version: 2 })}},
      {"action":"add-snapshot","snapshot":${snapshotText('8744736658442914486', { seq: 2, version: 2 })}},
      {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":8744736658442914486}]`), { nowMs: NOW })).metadata;
    assert.deepEqual(md.snapshots.map((s) => s['snapshot-id']), [8744736658442914487n, 8744736658442914486n]);
    const removed = unwrap(applyTableUpdates(md, commitText('[{"action":"remove-snapshots","snapshot-ids":[8744736658442914487]}]'), { nowMs: NOW })).metadata;
    assert.deepEqual(removed.snapshots.map((s) => s['snapshot-id']), [8744736658442914486n]);
  });

  it('number and bigint inputs normalise to one representation; small ids are written as plain numbers', () => {
    const md = unwrap(applyTableUpdates(baseTable(), [addSnapshot(snapshot(7, { seq: 1 })), { ...setMain(7), 'snapshot-id': 7n }], { nowMs: NOW })).metadata;
    assert.equal(md['current-snapshot-id'], 7n);
    assert.equal(md.refs.main['snapshot-id'], 7n);
    unwrap(checkTableRequirements([{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 7 }], md));
    unwrap(checkTableRequirements([{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 7n }], md));
    const text = stringifyJson(tableMetadataToJson(md));
    assert.ok(text.includes('"current-snapshot-id":7,'));
    assert.equal(JSON.parse(text)['current-snapshot-id'], 7, 'readable by any JSON reader');
  });

  it('rejects ids that were already rounded, ids beyond int64, and long fields beyond 2^53', () => {
    const base = deepFreeze(baseTable());
    const rounded = addSnapshot(snapshot(1, { seq: 1 }));
    (rounded.snapshot as Record<string, unknown>)['snapshot-id'] = 8744736658442914000; // unsafe number
    assert.equal(unwrapErr(applyTableUpdates(base, [rounded], { nowMs: NOW })).kind, 'invalid');
    const tooBig = addSnapshot({ ...snapshot(1, { seq: 1 }), 'snapshot-id': 2n ** 63n });
    assert.equal(unwrapErr(applyTableUpdates(base, [tooBig], { nowMs: NOW })).kind, 'invalid');
    assert.equal(unwrapErr(checkTableRequirements([{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 1.5 }], base)).kind, 'invalid');
    const hugeSeq = addSnapshot({ ...snapshot(1), 'sequence-number': 2n ** 60n });
    assert.equal(unwrapErr(applyTableUpdates(base, [hugeSeq], { nowMs: NOW })).kind, 'invalid');
    // a bigint sequence number / row id that is a safe integer is just a number
    const v3 = deepFreeze(baseTable({ version: 3 }));
    const s = { ...snapshot(1), 'sequence-number': 1n, 'first-row-id': 0n, 'added-rows': 5n };
    const md = unwrap(applyTableUpdates(v3, [addSnapshot(s), setMain(1)], { nowMs: NOW })).metadata;
    assert.equal(md.snapshots[0]['sequence-number'], 1);
    assert.equal(md['next-row-id'], 5);
    assert.equal(md['last-sequence-number'], 1);
  });

  it('metadata files (plain and gzip) keep the ids exact', () => {
    const md = unwrap(applyTableUpdates(baseTable(), commitText(`[
      {"action":"add-snapshot","snapshot":${snapshotText(B, { seq: 1, version: 2 })}},
      {"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":${B}}]`), { nowMs: NOW })).metadata;
    for (const name of ['s3://b/t/metadata/00001-u.metadata.json', 's3://b/t/metadata/00001-u.gz.metadata.json']) {
      const bytes = encodeMetadataFile(tableMetadataToJson(md), name);
      const text = (name.includes('.gz.') ? gunzipSync(bytes) : bytes).toString('utf8');
      assert.ok(text.includes(`"current-snapshot-id":${B},`));
      assert.deepEqual(unwrap(parseTableMetadata(unwrap(decodeMetadataFile(bytes)))), md);
    }
  });
});

describe('parseJson / stringifyJson', () => {
  it('parseJson: unsafe integers become bigint, everything else is what JSON.parse gives', () => {
    const text = '{"a":8744736658442914487,"b":-9223372036854775808,"c":9007199254740991,"d":1.5,"e":1e20,"f":"9223372036854775807","g":[1,null,true],"h":-0}';
    assert.deepEqual(parseJson(text), {
      a: 8744736658442914487n, b: -9223372036854775808n, c: 9007199254740991, d: 1.5, e: 1e20, f: '9223372036854775807', g: [1, null, true], h: -0,
    });
    assert.equal(parseJson('9007199254740992'), 9007199254740992n);
    assert.deepEqual(parseJson('{"x":[{"y":12345678901234567890}]}'), { x: [{ y: 12345678901234567890n }] });
    const small = '{"k":[1,2,{"z":"s"}],"n":null}';
    assert.deepEqual(parseJson(small), JSON.parse(small));
  });

  it('parseJson: duplicate keys keep the last value and __proto__ is an ordinary key, as with JSON.parse', () => {
    for (const text of ['{"a":1,"a":2,"big":9223372036854775807}', '{"__proto__":{"polluted":1},"big":9223372036854775807}']) {
      const parsed = parseJson(text) as Record<string, unknown>;
      const native = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), Object.keys(native));
      assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
      assert.equal(parsed.big, 9223372036854775807n);
    }
    assert.equal((parseJson('{"a":1,"a":2,"b":9223372036854775807}') as { a: number }).a, 2);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('parseJson: malformed text throws SyntaxError', () => {
    for (const bad of ['{not json', '', '{"a":9223372036854775807', '[1,]']) assert.throws(() => parseJson(bad), SyntaxError, bad);
  });

  it('stringifyJson: bigint as digits; otherwise identical to JSON.stringify', () => {
    assert.equal(stringifyJson({ id: 8744736658442914487n, neg: -9223372036854775808n, list: [1n, 2n] }),
      '{"id":8744736658442914487,"neg":-9223372036854775808,"list":[1,2]}');
    const plain = {
      s: 'tab\t "quote" \u2028 ünïcode \u0000', n: 1.5, nan: Number.NaN, inf: Infinity, neg0: -0, t: true, nul: null,
      undef: undefined, fn: () => 1, sym: Symbol('x'), arr: [undefined, () => 1, 3, { d: new Date(0) }], nested: { a: { b: [[], {}] } },
    };
    assert.equal(stringifyJson(plain), JSON.stringify(plain));
    assert.equal(stringifyJson({ ...plain, big: 1n }), JSON.stringify({ ...plain, big: 1 }));
    assert.equal(stringifyJson([undefined, 5n]), '[null,5]');
    assert.equal(stringifyJson('x'), '"x"');
    assert.equal(stringifyJson(5n), '5');
    assert.throws(() => stringifyJson(undefined), TypeError);
  });

  it('stringifyJson: strings that look like markers stay strings; toJSON and __proto__ work', () => {
    const tricky = { a: '\u0000bigint-x:12', b: '"12"', c: 7n, d: ['\u0000bigint-', 8n] };
    const text = stringifyJson(tricky);
    assert.equal(text, '{"a":"\\u0000bigint-x:12","b":"\\"12\\"","c":7,"d":["\\u0000bigint-",8]}');
    assert.deepEqual(parseJson(text), { ...tricky, c: 7, d: ['\u0000bigint-', 8] });
    const withToJson = { when: new Date(0), custom: { toJSON: () => ({ id: 9223372036854775807n }) }, big: 9223372036854775807n };
    assert.equal(stringifyJson(withToJson), '{"when":"1970-01-01T00:00:00.000Z","custom":{"id":9223372036854775807},"big":9223372036854775807}');
    const proto = parseJson('{"__proto__":{"id":9223372036854775807},"x":1}');
    assert.equal(stringifyJson(proto), '{"__proto__":{"id":9223372036854775807},"x":1}');
    const shared = { id: 9223372036854775807n };
    const input = { a: shared, b: shared };
    assert.equal(stringifyJson(input), '{"a":{"id":9223372036854775807},"b":{"id":9223372036854775807}}');
    assert.equal(input.a.id, 9223372036854775807n, 'the input is not modified');
  });
});
