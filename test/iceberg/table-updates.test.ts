import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyTableUpdates, type TableApplyContext } from '../../src/iceberg/index.js';
import type { TableMetadata } from '../../src/iceberg/index.js';
import { addSnapshot, baseTable, deepFreeze, setMain, snapshot, T0, unwrap, unwrapErr } from './fixtures/table/helpers.js';

const NOW = T0 + 1_000_000;
const ctx: TableApplyContext = { nowMs: NOW };
const apply = (base: TableMetadata | undefined, updates: unknown[], c: TableApplyContext = ctx) => applyTableUpdates(base, updates, c);
const applyOk = (base: TableMetadata | undefined, updates: unknown[], c: TableApplyContext = ctx) => unwrap(apply(base, updates, c)).metadata;
const frozen = (opts?: Parameters<typeof baseTable>[0]) => deepFreeze(baseTable(opts));

const schemaB = {
  type: 'struct', 'schema-id': 77,
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'data', type: 'string', required: false },
    { id: 3, name: 'extra', type: 'int', required: false },
  ],
};

describe('applyTableUpdates: validation', () => {
  it('unknown, view-only and malformed updates are invalid and leave base untouched', () => {
    const base = frozen();
    for (const u of [{ action: 'frobnicate' }, { action: 'add-view-version', 'view-version': {} }, { action: 'set-current-schema' }, { nope: 1 }, 'x']) {
      assert.equal(unwrapErr(apply(base, [u])).kind, 'invalid', JSON.stringify(u));
    }
  });

  it('a failure after successful updates changes nothing (base deep-frozen)', () => {
    const base = frozen();
    const before = structuredClone(base);
    const e = unwrapErr(apply(base, [{ action: 'set-properties', updates: { a: 'b' } }, { action: 'set-current-schema', 'schema-id': 42 }]));
    assert.equal(e.message, 'Cannot set current schema to unknown schema: 42');
    assert.deepEqual(base, before);
  });
});

describe('applyTableUpdates: no-op detection', () => {
  it('identical updates report changed=false and return the base', () => {
    const base = frozen();
    const r = unwrap(apply(base, [
      { action: 'set-properties', updates: { 'write.parquet.compression-codec': 'zstd' } },
      { action: 'remove-properties', removals: ['absent'] },
      { action: 'set-location', location: 's3://b/ns/t/' },
      { action: 'assign-uuid', uuid: base['table-uuid'] },
      { action: 'upgrade-format-version', 'format-version': 2 },
      { action: 'set-current-schema', 'schema-id': 0 },
      { action: 'remove-statistics', 'snapshot-id': 5 },
    ], { nowMs: NOW, baseMetadataLocation: 's3://b/ns/t/metadata/00000-a.metadata.json' }));
    assert.equal(r.changed, false);
    assert.equal(r.metadata, base);
  });

  it('an identical set-snapshot-ref is a no-op', () => {
    const withSnap = deepFreeze(applyOk(frozen(), [addSnapshot(snapshot(1, { seq: 1 })), setMain(1)]));
    const r = unwrap(apply(withSnap, [setMain(1)]));
    assert.equal(r.changed, false);
  });
});

describe('applyTableUpdates: schemas, specs, sort orders (§2.4)', () => {
  it('add-schema assigns max+1, grows last-column-id, -1 selects it', () => {
    const md = applyOk(frozen(), [{ action: 'add-schema', schema: schemaB }, { action: 'set-current-schema', 'schema-id': -1 }]);
    assert.deepEqual(md.schemas.map((s) => s['schema-id']), [0, 1]);
    assert.equal(md['current-schema-id'], 1);
    assert.equal(md['last-column-id'], 3);
    assert.equal(md['last-updated-ms'], NOW);
  });

  it('-1 without an added schema/spec/order is an error', () => {
    assert.equal(unwrapErr(apply(frozen(), [{ action: 'set-current-schema', 'schema-id': -1 }])).message, 'Cannot set last added schema: no schema has been added');
    assert.equal(unwrapErr(apply(frozen(), [{ action: 'set-default-spec', 'spec-id': -1 }])).message, 'Cannot set last added spec: no spec has been added');
    assert.equal(unwrapErr(apply(frozen(), [{ action: 'set-default-sort-order', 'sort-order-id': -1 }])).message, 'Cannot set last added sort order: no sort order has been added');
  });

  it('change then revert reuses ids and does not grow the lists', () => {
    const base = frozen();
    const v1 = deepFreeze(applyOk(base, [{ action: 'add-schema', schema: schemaB }, { action: 'set-current-schema', 'schema-id': -1 }]));
    const original = { ...base.schemas[0], 'schema-id': 99 };
    const v2 = applyOk(v1, [{ action: 'add-schema', schema: original }, { action: 'set-current-schema', 'schema-id': -1 }]);
    assert.equal(v2.schemas.length, 2);
    assert.equal(v2['current-schema-id'], 0);
    assert.equal(v2['last-column-id'], 3, 'last-column-id never shrinks');
  });

  it('re-adding an existing schema alone changes nothing', () => {
    const base = frozen();
    const r = unwrap(apply(base, [{ action: 'add-schema', schema: { ...base.schemas[0], 'schema-id': 5 } }]));
    assert.equal(r.changed, false);
  });

  it('identifier-field-ids make schemas different', () => {
    const withIds = { ...frozen().schemas[0], 'identifier-field-ids': [1] };
    const md = applyOk(frozen(), [{ action: 'add-schema', schema: withIds }]);
    assert.equal(md.schemas.length, 2);
  });

  it('ignores the deprecated last-column-id: dropping the newest column keeps last-column-id (Java 1.8+)', () => {
    // what a Java client sends for ALTER TABLE DROP COLUMN data: the schema without field 2,
    // with last-column-id = its highest id (1), below the table's last-column-id (2)
    const dropped = { type: 'struct', 'schema-id': 1, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };
    const md = applyOk(frozen(), [{ action: 'add-schema', schema: dropped, 'last-column-id': 1 }, { action: 'set-current-schema', 'schema-id': -1 }]);
    assert.equal(md['last-column-id'], 2, 'max(current, highest field id)');
    assert.equal(md['current-schema-id'], 1);
    assert.deepEqual(md.schemas[1]!.fields.map((f) => f.id), [1]);
    // a larger value is ignored too: the highest field id decides
    assert.equal(applyOk(frozen(), [{ action: 'add-schema', schema: schemaB, 'last-column-id': 10 }])['last-column-id'], 3);
  });

  it('rejects v3 types on v2', () => {
    const variant = { type: 'struct', fields: [{ id: 3, name: 'v', type: 'variant', required: false }] };
    assert.match(unwrapErr(apply(frozen(), [{ action: 'add-schema', schema: variant }])).message, /Invalid type for v: variant is not supported until v3/);
    assert.equal(applyOk(frozen({ version: 3 }), [{ action: 'add-schema', schema: variant }]).schemas.length, 2);
  });

  it('add-spec: new id, compatible spec reused, last-partition-id is the max', () => {
    const base = frozen({ partitioned: true });
    const spec = { fields: [{ 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[4]' }] };
    const md = deepFreeze(applyOk(base, [{ action: 'add-spec', spec }, { action: 'set-default-spec', 'spec-id': -1 }]));
    assert.equal(md['default-spec-id'], 1);
    assert.equal(md['last-partition-id'], 1001);
    const back = unwrap(apply(md, [{ action: 'add-spec', spec: { fields: [{ 'source-id': 2, 'field-id': 1000, name: 'data_bucket', transform: 'bucket[16]' }] } }, { action: 'set-default-spec', 'spec-id': -1 }])).metadata;
    assert.equal(back['partition-specs'].length, 2);
    assert.equal(back['default-spec-id'], 0);
  });

  it('add-spec: missing field ids continue after last-partition-id on v2, v1 needs sequential ids', () => {
    const md = applyOk(frozen({ partitioned: true }), [{ action: 'add-spec', spec: { fields: [{ 'source-id': 1, name: 'id_b', transform: 'bucket[2]' }] } }]);
    assert.equal(md['partition-specs'][1].fields[0]['field-id'], 1001);
    const v1 = frozen({ version: 1, partitioned: true });
    const e = unwrapErr(apply(v1, [{ action: 'add-spec', spec: { fields: [{ 'source-id': 1, 'field-id': 1005, name: 'x', transform: 'identity' }] } }]));
    assert.match(e.message, /^Spec does not use sequential IDs that are required in v1/);
    const okV1 = applyOk(v1, [{ action: 'add-spec', spec: { fields: [{ 'source-id': 2, 'field-id': 1000, name: 'd', transform: 'identity' }, { 'source-id': 1, 'field-id': 1001, name: 'x', transform: 'identity' }] } }]);
    assert.equal(okV1['last-partition-id'], 1001);
  });

  it('add-spec on an unknown source column is invalid', () => {
    assert.match(unwrapErr(apply(frozen(), [{ action: 'add-spec', spec: { fields: [{ 'source-id': 9, 'field-id': 1000, name: 'x', transform: 'identity' }] } }])).message, /Cannot find source column/);
  });

  it('add-sort-order: unsorted is 0, sorted counts from 1, same order reused', () => {
    const order = { 'order-id': 5, fields: [{ 'source-id': 2, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }] };
    const md = deepFreeze(applyOk(frozen(), [{ action: 'add-sort-order', 'sort-order': order }, { action: 'set-default-sort-order', 'sort-order-id': -1 }]));
    assert.deepEqual(md['sort-orders'].map((o) => o['order-id']), [0, 1]);
    assert.equal(md['default-sort-order-id'], 1);
    const again = applyOk(md, [{ action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } }, { action: 'set-default-sort-order', 'sort-order-id': -1 }]);
    assert.equal(again['sort-orders'].length, 2);
    assert.equal(again['default-sort-order-id'], 0);
  });

  it('cannot remove the current schema or the default spec; removing others works', () => {
    assert.equal(unwrapErr(apply(frozen(), [{ action: 'remove-schemas', 'schema-ids': [0] }])).message, 'Cannot remove the current schema');
    assert.equal(unwrapErr(apply(frozen(), [{ action: 'remove-partition-specs', 'spec-ids': [0] }])).message, 'Cannot remove the default partition spec');
    const md = deepFreeze(applyOk(frozen(), [{ action: 'add-schema', schema: schemaB }]));
    assert.deepEqual(applyOk(md, [{ action: 'remove-schemas', 'schema-ids': [1] }]).schemas.map((s) => s['schema-id']), [0]);
  });
});

describe('applyTableUpdates: snapshots (§2.6)', () => {
  it('v2 sequence numbers must advance unless the snapshot has no parent (retryable)', () => {
    const md = deepFreeze(applyOk(frozen(), [addSnapshot(snapshot(1, { seq: 1 })), setMain(1)]));
    assert.equal(md['last-sequence-number'], 1);
    const e = unwrapErr(apply(md, [addSnapshot(snapshot(2, { seq: 1, parent: 1 }))]));
    assert.equal(e.kind, 'retryable');
    assert.equal(e.message, 'Cannot add snapshot with sequence number 1 older than last sequence number 1');
    assert.equal(apply(md, [addSnapshot(snapshot(3, { seq: 2, parent: 1 }))]).ok, true);
    assert.equal(unwrapErr(apply(md, [addSnapshot(snapshot(1, { seq: 5 }))])).message, 'Snapshot already exists for id: 1');
    // replace transactions write parentless snapshots; they are exempt from the ordering check
    assert.equal(apply(md, [addSnapshot(snapshot(4, { seq: 1 }))]).ok, true);
  });

  it('v3 row lineage: first-row-id required and >= next-row-id; next-row-id += added-rows', () => {
    const base = frozen({ version: 3 });
    const md = deepFreeze(applyOk(base, [addSnapshot(snapshot(1, { seq: 1, firstRowId: 0, addedRows: 30 })), setMain(1)]));
    assert.equal(md['next-row-id'], 30);
    const behind = unwrapErr(apply(md, [addSnapshot(snapshot(2, { seq: 2, parent: 1, firstRowId: 10, addedRows: 5 }))]));
    assert.equal(behind.kind, 'retryable');
    assert.equal(behind.message, 'Cannot add a snapshot, first-row-id is behind table next-row-id: 10 < 30');
    assert.equal(unwrapErr(apply(md, [addSnapshot(snapshot(2, { seq: 2, parent: 1 }))])).message, 'Cannot add a snapshot: first-row-id is null');
    assert.equal(applyOk(md, [addSnapshot(snapshot(2, { seq: 2, parent: 1, firstRowId: 30, addedRows: 5 }))])['next-row-id'], 35);
  });

  it('set-snapshot-ref main moves current and logs the snapshot timestamp when added now', () => {
    const md = applyOk(frozen(), [addSnapshot(snapshot(1, { seq: 1, ts: T0 + 5 })), setMain(1)]);
    assert.equal(md['current-snapshot-id'], 1n);
    assert.deepEqual(md.refs.main, { type: 'branch', 'snapshot-id': 1n });
    assert.deepEqual(md['snapshot-log'], [{ 'timestamp-ms': T0 + 5, 'snapshot-id': 1n }]);
    assert.equal(md['last-updated-ms'], T0 + 5);
  });

  it('rolling main back to an older snapshot logs "now"', () => {
    const md = deepFreeze(applyOk(frozen(), [addSnapshot(snapshot(1, { seq: 1 })), setMain(1), addSnapshot(snapshot(2, { seq: 2, parent: 1 })), { action: 'set-snapshot-ref', 'ref-name': 'dev', type: 'branch', 'snapshot-id': 2 }]));
    const rolled = applyOk(md, [setMain(2)]);
    assert.deepEqual(rolled['snapshot-log'].at(-1), { 'timestamp-ms': NOW, 'snapshot-id': 2n });
    assert.equal(rolled['last-updated-ms'], NOW);
  });

  it('intermediate snapshots of one commit leave the snapshot-log', () => {
    const md = applyOk(frozen(), [
      addSnapshot(snapshot(1, { seq: 1 })), setMain(1),
      addSnapshot(snapshot(2, { seq: 2, parent: 1 })), setMain(2),
      addSnapshot(snapshot(3, { seq: 3, parent: 2 })), setMain(3),
    ]);
    assert.deepEqual(md['snapshot-log'].map((e) => e['snapshot-id']), [3n]);
    assert.equal(md.snapshots.length, 3);
  });

  it('set-snapshot-ref errors: unknown snapshot, main as a tag', () => {
    assert.equal(unwrapErr(apply(frozen(), [setMain(5)])).message, 'Cannot set main to unknown snapshot: 5');
    const md = deepFreeze(applyOk(frozen(), [addSnapshot(snapshot(1, { seq: 1 }))]));
    assert.equal(unwrapErr(apply(md, [{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'tag', 'snapshot-id': 1 }])).kind, 'invalid');
  });

  it('remove-snapshots drops stats and dangling refs and truncates the log before a gap', () => {
    let md = applyOk(frozen(), [addSnapshot(snapshot(1, { seq: 1 })), setMain(1)]);
    md = applyOk(md, [addSnapshot(snapshot(2, { seq: 2, parent: 1 })), setMain(2)]);
    md = applyOk(md, [addSnapshot(snapshot(3, { seq: 3, parent: 2 })), setMain(3),
      { action: 'set-snapshot-ref', 'ref-name': 'old', type: 'tag', 'snapshot-id': 2 },
      { action: 'set-statistics', statistics: { 'snapshot-id': 2, 'statistics-path': 's3://x/2.puffin', 'file-size-in-bytes': 1, 'file-footer-size-in-bytes': 1, 'blob-metadata': [] } },
      { action: 'set-partition-statistics', 'partition-statistics': { 'snapshot-id': 2, 'statistics-path': 's3://x/p2', 'file-size-in-bytes': 1 } }]);
    deepFreeze(md);
    assert.deepEqual(md['snapshot-log'].map((e) => e['snapshot-id']), [1n, 2n, 3n]);
    const after = applyOk(md, [{ action: 'remove-snapshots', 'snapshot-ids': [2] }]);
    assert.deepEqual(after.snapshots.map((s) => s['snapshot-id']), [1n, 3n]);
    assert.deepEqual(after['snapshot-log'].map((e) => e['snapshot-id']), [3n], 'history before the gap is cleared');
    assert.deepEqual(Object.keys(after.refs), ['main']);
    assert.deepEqual([after.statistics, after['partition-statistics']], [[], []]);
    const gone = applyOk(md, [{ action: 'remove-snapshots', 'snapshot-ids': [1, 2, 3] }]);
    assert.equal(gone['current-snapshot-id'], -1n);
    assert.deepEqual(gone.refs, {});
    assert.deepEqual(gone['snapshot-log'], []);
  });

  it('remove-snapshot-ref main clears the current snapshot', () => {
    const md = deepFreeze(applyOk(frozen(), [addSnapshot(snapshot(1, { seq: 1 })), setMain(1)]));
    const r = applyOk(md, [{ action: 'remove-snapshot-ref', 'ref-name': 'main' }]);
    assert.equal(r['current-snapshot-id'], -1n);
    assert.deepEqual(r.refs, {});
    assert.equal(r.snapshots.length, 1);
  });
});

describe('applyTableUpdates: metadata-log (§2.5, §2.7)', () => {
  const loc = (n: number) => `s3://b/ns/t/metadata/${String(n).padStart(5, '0')}-x.metadata.json`;

  it('appends the base file with the base timestamp', () => {
    const base = frozen();
    const md = applyOk(base, [{ action: 'set-properties', updates: { a: '1' } }], { nowMs: NOW, baseMetadataLocation: loc(0) });
    assert.deepEqual(md['metadata-log'], [{ 'timestamp-ms': base['last-updated-ms'], 'metadata-file': loc(0) }]);
  });

  it('trims to previous-versions-max and reports removed files only with delete-after-commit', () => {
    let md = applyOk(frozen(), [{ action: 'set-properties', updates: { 'write.metadata.previous-versions-max': '2' } }]);
    const removedPerCommit: string[][] = [];
    for (let i = 0; i < 4; i += 1) {
      const r = unwrap(apply(deepFreeze(md), [{ action: 'set-properties', updates: { n: String(i) } }], { nowMs: NOW + i, baseMetadataLocation: loc(i) }));
      removedPerCommit.push(r.removedMetadataFiles);
      md = r.metadata;
    }
    assert.deepEqual(md['metadata-log'].map((e) => e['metadata-file']), [loc(2), loc(3)]);
    assert.deepEqual(removedPerCommit, [[], [], [], []]);
    const r = unwrap(apply(deepFreeze(md), [{ action: 'set-properties', updates: { 'write.metadata.delete-after-commit.enabled': 'true' } }], { nowMs: NOW + 9, baseMetadataLocation: loc(4) }));
    assert.deepEqual(r.metadata['metadata-log'].map((e) => e['metadata-file']), [loc(3), loc(4)]);
    assert.deepEqual(r.removedMetadataFiles, [loc(2)]);
  });

  it('previous-versions-max below 1 still keeps one entry', () => {
    const base = deepFreeze(applyOk(frozen(), [{ action: 'set-properties', updates: { 'write.metadata.previous-versions-max': '0' } }], { nowMs: NOW, baseMetadataLocation: loc(0) }));
    const md = applyOk(base, [{ action: 'set-properties', updates: { b: '1' } }], { nowMs: NOW + 1, baseMetadataLocation: loc(1) });
    assert.deepEqual(md['metadata-log'].map((e) => e['metadata-file']), [loc(1)]);
  });
});

describe('applyTableUpdates: replace transaction (§2.9)', () => {
  it('keeps uuid and snapshot-log, installs the new schema/spec/order', () => {
    const base = deepFreeze(applyOk(frozen({ partitioned: true }), [addSnapshot(snapshot(1, { seq: 1 })), setMain(1)], { nowMs: NOW, baseMetadataLocation: 's3://b/ns/t/metadata/00000-a.metadata.json' }));
    const replaced = applyOk(base, [
      { action: 'remove-snapshot-ref', 'ref-name': 'main' },
      { action: 'add-schema', schema: schemaB }, { action: 'set-current-schema', 'schema-id': 1 },
      { action: 'add-spec', spec: { fields: [] } }, { action: 'set-default-spec', 'spec-id': -1 },
      { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } }, { action: 'set-default-sort-order', 'sort-order-id': -1 },
      { action: 'set-location', location: 's3://b/ns/t' },
      { action: 'set-properties', updates: { replaced: 'yes' } },
    ], { nowMs: NOW + 5, baseMetadataLocation: 's3://b/ns/t/metadata/00001-b.metadata.json' });
    assert.equal(replaced['table-uuid'], base['table-uuid']);
    assert.equal(replaced['current-snapshot-id'], -1n);
    assert.deepEqual(replaced['snapshot-log'], base['snapshot-log']);
    assert.equal(replaced['current-schema-id'], 1);
    assert.equal(replaced['default-spec-id'], 1);
    assert.equal(replaced['metadata-log'].length, 2);
    const withData = applyOk(deepFreeze(replaced), [addSnapshot(snapshot(9, { seq: 2 })), setMain(9)]);
    assert.deepEqual(withData['snapshot-log'].map((e) => e['snapshot-id']), [1n, 9n]);
  });
});

describe('applyTableUpdates: create path (§2.2)', () => {
  const createUpdates = (version: number, extra: unknown[] = []) => [
    { action: 'assign-uuid', uuid: 'c0ffee00-0000-4000-8000-000000000000' },
    { action: 'upgrade-format-version', 'format-version': version },
    { action: 'add-schema', schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] }, 'last-column-id': 1 },
    { action: 'set-current-schema', 'schema-id': -1 },
    { action: 'add-spec', spec: { 'spec-id': 0, fields: [] } },
    { action: 'set-default-spec', 'spec-id': -1 },
    { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } },
    { action: 'set-default-sort-order', 'sort-order-id': -1 },
    { action: 'set-location', location: 's3://b/ns/ctas' },
    { action: 'set-properties', updates: { 'write.parquet.compression-codec': 'zstd' } },
    ...extra,
  ];

  for (const version of [1, 2, 3] as const) {
    it(`builds a v${version} table from updates with an empty metadata-log`, () => {
      const snap = version === 3 ? snapshot(5, { seq: 1, firstRowId: 0, addedRows: 4 }) : snapshot(5, { seq: version === 1 ? undefined : 1 });
      const r = unwrap(apply(undefined, createUpdates(version, [addSnapshot(snap), setMain(5)]), { nowMs: NOW, baseMetadataLocation: 'ignored' }));
      const md = r.metadata;
      assert.equal(r.changed, true);
      assert.equal(md['format-version'], version);
      assert.equal(md['table-uuid'], 'c0ffee00-0000-4000-8000-000000000000');
      assert.equal(md.location, 's3://b/ns/ctas');
      assert.equal(md['last-partition-id'], 999);
      assert.equal(md['current-snapshot-id'], 5n);
      assert.deepEqual(md['metadata-log'], []);
      assert.equal(md['next-row-id'], version === 3 ? 4 : undefined);
      assert.equal(md['last-sequence-number'], version === 1 ? 0 : 1);
    });
  }

  it('without assign-uuid or a location it needs them from the context', () => {
    const updates = createUpdates(2).filter((u) => !['assign-uuid', 'set-location'].includes((u as { action: string }).action));
    assert.equal(apply(undefined, updates).ok, false);
    const md = unwrap(apply(undefined, updates, { nowMs: NOW, newUuid: 'u-2', defaultLocation: 's3://b/d/' })).metadata;
    assert.deepEqual([md['table-uuid'], md.location], ['u-2', 's3://b/d']);
  });

  it('upgrade then downgrade fails with the Java message', () => {
    const e = unwrapErr(apply(frozen({ version: 3 }), [{ action: 'upgrade-format-version', 'format-version': 2 }]));
    assert.equal(e.message, 'Cannot downgrade v3 table to v2');
    const up = applyOk(frozen(), [{ action: 'upgrade-format-version', 'format-version': 3 }]);
    assert.deepEqual([up['format-version'], up['next-row-id']], [3, 0]);
  });
});

describe('applyTableUpdates: statistics and encryption keys', () => {
  it('set-statistics replaces per snapshot; add-encryption-key is idempotent', () => {
    const base = deepFreeze(applyOk(frozen({ version: 3 }), [addSnapshot(snapshot(1, { seq: 1, firstRowId: 0, addedRows: 1 })), setMain(1)]));
    const stats = (p: string) => ({ action: 'set-statistics', statistics: { 'snapshot-id': 1, 'statistics-path': p, 'file-size-in-bytes': 1, 'file-footer-size-in-bytes': 1, 'blob-metadata': [] } });
    const md = deepFreeze(applyOk(base, [stats('a'), stats('b')]));
    assert.deepEqual(md.statistics.map((s) => s['statistics-path']), ['b']);
    assert.equal(unwrap(apply(md, [stats('b')])).changed, false);
    const key = { action: 'add-encryption-key', 'encryption-key': { 'key-id': 'k1', 'encrypted-key-metadata': 'AA==' } };
    const withKey = deepFreeze(applyOk(md, [key]));
    assert.equal(unwrap(apply(withKey, [key])).changed, false);
    assert.equal(applyOk(withKey, [{ action: 'remove-encryption-key', 'key-id': 'k1' }])['encryption-keys'], undefined);
  });
});
