import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTableMetadata, refsOnly, tableMetadataToJson, type TableMetadata } from '../../src/iceberg/index.js';
import { applyTableUpdates } from '../../src/iceberg/index.js';
import { parseJson, stringifyJson } from '../../src/util/json.js';
import { addSnapshot, baseTable, deepFreeze, setMain, snapshot, T0, unwrap, unwrapErr } from './fixtures/table/helpers.js';

const legacyV1 = JSON.parse(readFileSync(new URL('./fixtures/table/valid/v1-legacy-single-schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function withSnapshots(version: 1 | 2 | 3): TableMetadata {
  const rows = version === 3 ? { firstRowId: 0, addedRows: 3 } : {};
  return unwrap(applyTableUpdates(baseTable({ version, partitioned: true, sorted: true }), [
    addSnapshot(snapshot(1, { seq: version === 1 ? undefined : 1, ...rows })), setMain(1),
    { action: 'set-snapshot-ref', 'ref-name': 'tag1', type: 'tag', 'snapshot-id': 1, 'max-ref-age-ms': 1000 },
  ], { nowMs: T0 + 10, baseMetadataLocation: 's3://b/ns/t/metadata/00000-a.metadata.json' })).metadata;
}

describe('tableMetadataToJson (§2.7)', () => {
  it('v1 writes legacy schema/partition-spec and no last-sequence-number / next-row-id', () => {
    const json = tableMetadataToJson(baseTable({ version: 1, partitioned: true }));
    assert.deepEqual(json.schema, (json.schemas as unknown[])[0]);
    assert.deepEqual(json['partition-spec'], [{ 'source-id': 2, 'field-id': 1000, name: 'data_bucket', transform: 'bucket[16]' }]);
    assert.equal('last-sequence-number' in json, false);
    assert.equal('next-row-id' in json, false);
    assert.equal(json['current-snapshot-id'], -1n);
  });

  it('v2 writes last-sequence-number, -1 for no snapshot, no legacy fields', () => {
    const json = tableMetadataToJson(baseTable({ version: 2 }));
    assert.equal(json['last-sequence-number'], 0);
    assert.equal(json['current-snapshot-id'], -1n);
    assert.equal('schema' in json || 'partition-spec' in json || 'next-row-id' in json, false);
  });

  it('v3 writes next-row-id and null current-snapshot-id', () => {
    const json = tableMetadataToJson(baseTable({ version: 3 }));
    assert.equal(json['next-row-id'], 0);
    assert.equal(json['current-snapshot-id'], null);
    assert.equal(tableMetadataToJson(withSnapshots(3))['current-snapshot-id'], 1n);
  });

  it('always writes the arrays and refs', () => {
    const json = tableMetadataToJson(baseTable());
    for (const k of ['refs', 'snapshots', 'statistics', 'partition-statistics', 'snapshot-log', 'metadata-log']) {
      assert.ok(k in json, k);
    }
    assert.equal('encryption-keys' in json, false);
  });

  for (const version of [1, 2, 3] as const) {
    it(`round-trips v${version}: parse(toJson(md)) deep-equals md, also through JSON text`, () => {
      const md = deepFreeze(withSnapshots(version));
      assert.deepEqual(unwrap(parseTableMetadata(tableMetadataToJson(md))), md);
      const text = stringifyJson(tableMetadataToJson(md));
      assert.match(text, /"current-snapshot-id":1,/, 'ids are JSON numbers');
      assert.deepEqual(unwrap(parseTableMetadata(parseJson(text))), md);
    });
  }
});

describe('parseTableMetadata', () => {
  it('reads v1 legacy schema/partition-spec, synthesises main, defaults optional arrays', () => {
    const md = unwrap(parseTableMetadata(legacyV1));
    assert.equal(md.schemas.length, 1);
    assert.equal(md['current-schema-id'], 0);
    assert.deepEqual(md['partition-specs'], [{ 'spec-id': 0, fields: [{ name: 'x', transform: 'identity', 'source-id': 1, 'field-id': 1000 }] }]);
    assert.equal(md['last-partition-id'], 1000);
    assert.deepEqual(md['sort-orders'], [{ 'order-id': 0, fields: [] }]);
    assert.deepEqual(Object.keys(md.refs), ['main']);
    assert.deepEqual([md['snapshot-log'], md['metadata-log'], md.statistics, md['partition-statistics']], [[], [], [], []]);
    assert.equal(md['last-sequence-number'], 0);
  });

  it('reads int64 ids beyond 2^53 exactly from parseJson text, and writes them back unchanged', () => {
    const text = JSON.stringify(legacyV1).replaceAll('3055729675574597', '3055729675574597004');
    const md = unwrap(parseTableMetadata(parseJson(text)));
    assert.equal(md['current-snapshot-id'], 3055729675574597004n);
    assert.equal(md.refs.main['snapshot-id'], 3055729675574597004n, 'the synthesised main branch');
    assert.ok(md.snapshots.some((s) => s['snapshot-id'] === 3055729675574597004n));
    const written = stringifyJson(tableMetadataToJson(md));
    assert.ok(written.includes('"current-snapshot-id":3055729675574597004,'), written);
    assert.deepEqual(unwrap(parseTableMetadata(parseJson(written))), md);
  });

  it('rejects an id that JSON.parse already rounded (an unsafe number) instead of keeping the wrong id', () => {
    const text = JSON.stringify(legacyV1).replaceAll('3055729675574597', '3055729675574597004');
    assert.equal(unwrapErr(parseTableMetadata(JSON.parse(text))).kind, 'invalid');
  });

  it('accepts null current-snapshot-id and nulls for optional arrays', () => {
    const json = { ...tableMetadataToJson(baseTable({ version: 3 })), 'snapshot-log': null, statistics: null };
    const md = unwrap(parseTableMetadata(json));
    assert.equal(md['current-snapshot-id'], -1n);
    assert.deepEqual(md['snapshot-log'], []);
  });

  it('rejects malformed or inconsistent metadata', () => {
    assert.equal(unwrapErr(parseTableMetadata({ 'format-version': 2 })).kind, 'invalid');
    assert.equal(unwrapErr(parseTableMetadata({ ...legacyV1, 'format-version': 4 })).message, 'Unsupported format version: v4 (supported: v3)');
    const { schemas: _s, ...noSchemas } = tableMetadataToJson(baseTable());
    assert.match(unwrapErr(parseTableMetadata(noSchemas)).message, /schemas must exist in format v2/);
    const dangling = { ...tableMetadataToJson(baseTable()), refs: { main: { type: 'branch', 'snapshot-id': 5 } }, 'current-snapshot-id': 5 };
    assert.equal(unwrapErr(parseTableMetadata(dangling)).kind, 'invalid');
  });
});

describe('refsOnly', () => {
  it('keeps only snapshots referenced by a branch or tag', () => {
    const md = deepFreeze(unwrap(applyTableUpdates(withSnapshots(2), [addSnapshot(snapshot(2, { seq: 2, parent: 1 })), setMain(2), addSnapshot(snapshot(3, { seq: 3, parent: 2 }))], { nowMs: T0 + 20 })).metadata);
    const trimmed = refsOnly(md);
    assert.deepEqual(trimmed.snapshots.map((s) => s['snapshot-id']), [1n, 2n]);
    assert.equal(md.snapshots.length, 3);
    assert.deepEqual(trimmed['snapshot-log'], md['snapshot-log']);
  });
});
