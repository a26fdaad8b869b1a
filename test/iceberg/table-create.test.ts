import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTableMetadata } from '../../src/iceberg/index.js';
import { T0, unwrap, unwrapErr } from './fixtures/table/helpers.js';

const ctx = { location: 's3://b/ns/t/', nowMs: T0, uuid: 'u-1' };

// CatalogTests.testCreateTableWithVariantColumn shape, with deliberately scrambled client ids.
const variantRequest = (version: string) => ({
  name: 't',
  schema: {
    type: 'struct',
    'identifier-field-ids': [50],
    fields: [
      { id: 50, name: 'id', type: 'int', required: true },
      { id: 40, name: 'data', type: 'string', required: false },
      { id: 30, name: 'list_data', type: { type: 'list', 'element-id': 31, element: 'variant', 'element-required': false }, required: false },
      { id: 20, name: 'map_data', type: { type: 'map', 'key-id': 21, key: 'string', 'value-id': 22, value: 'variant', 'value-required': false }, required: false },
      { id: 10, name: 'struct_data', type: { type: 'struct', fields: [{ id: 11, name: 'v', type: 'variant', required: false }] }, required: false },
    ],
  },
  'partition-spec': { 'spec-id': 7, fields: [{ 'source-id': 40, 'field-id': 5, name: 'data_trunc', transform: 'truncate[4]' }, { 'source-id': 50, name: 'id_b', transform: 'bucket[8]' }] },
  'write-order': { 'order-id': 9, fields: [{ 'source-id': 40, transform: 'identity', direction: 'desc', 'null-order': 'nulls-last' }] },
  properties: { 'format-version': version, uuid: 'drop-me', 'current-snapshot-id': '5', owner: 'me' },
});

describe('newTableMetadata (§2.1)', () => {
  it('assigns fresh column ids in the AssignFreshIds order (worked example, ids 1–9)', () => {
    const md = unwrap(newTableMetadata(variantRequest('3'), ctx));
    const [id, data, list, map, struct] = md.schemas[0].fields;
    assert.deepEqual([id.id, data.id, list.id, map.id, struct.id], [1, 2, 3, 4, 5]);
    assert.deepEqual(list.type, { type: 'list', 'element-id': 6, element: 'variant', 'element-required': false });
    assert.deepEqual(map.type, { type: 'map', 'key-id': 7, key: 'string', 'value-id': 8, value: 'variant', 'value-required': false });
    assert.deepEqual(struct.type, { type: 'struct', fields: [{ id: 9, name: 'v', type: 'variant', required: false }] });
    assert.equal(md['last-column-id'], 9);
    assert.equal(md.schemas[0]['schema-id'], 0);
    assert.equal(md['current-schema-id'], 0);
    assert.deepEqual(md.schemas[0]['identifier-field-ids'], [1]);
  });

  it('renumbers partition fields from 1000 and remaps source ids; sort order id 1', () => {
    const md = unwrap(newTableMetadata(variantRequest('3'), ctx));
    assert.deepEqual(md['partition-specs'], [{
      'spec-id': 0,
      fields: [
        { 'source-id': 2, 'field-id': 1000, name: 'data_trunc', transform: 'truncate[4]' },
        { 'source-id': 1, 'field-id': 1001, name: 'id_b', transform: 'bucket[8]' },
      ],
    }]);
    assert.equal(md['last-partition-id'], 1001);
    assert.deepEqual(md['sort-orders'], [{ 'order-id': 1, fields: [{ 'source-id': 2, transform: 'identity', direction: 'desc', 'null-order': 'nulls-last' }] }]);
    assert.equal(md['default-sort-order-id'], 1);
  });

  it('unpartitioned and unsorted: last-partition-id 999, order id 0', () => {
    const req = { name: 't', schema: { type: 'struct', fields: [{ id: 1, name: 'a', type: 'long', required: true }] } };
    const md = unwrap(newTableMetadata(req, ctx));
    assert.deepEqual(md['partition-specs'], [{ 'spec-id': 0, fields: [] }]);
    assert.equal(md['last-partition-id'], 999);
    assert.deepEqual(md['sort-orders'], [{ 'order-id': 0, fields: [] }]);
    assert.equal(md['default-sort-order-id'], 0);
    assert.equal(md['format-version'], 2, 'default format version is 2');
    assert.equal(md['next-row-id'], undefined);
  });

  it('drops reserved properties, adds zstd, strips the trailing slash, starts with empty logs', () => {
    const md = unwrap(newTableMetadata(variantRequest('3'), ctx));
    assert.deepEqual(md.properties, { owner: 'me', 'write.parquet.compression-codec': 'zstd' });
    assert.equal(md.location, 's3://b/ns/t');
    assert.equal(md['table-uuid'], 'u-1');
    assert.equal(md['last-updated-ms'], T0);
    assert.equal(md['current-snapshot-id'], -1n);
    assert.deepEqual([md.snapshots, md['snapshot-log'], md['metadata-log'], md.refs], [[], [], [], {}]);
    assert.equal(md['next-row-id'], 0);
    assert.equal(md['format-version'], 3);
  });

  it('keeps a client-chosen compression codec', () => {
    const req = { name: 't', schema: { type: 'struct', fields: [] }, properties: { 'write.parquet.compression-codec': 'snappy' } };
    assert.equal(unwrap(newTableMetadata(req, ctx)).properties['write.parquet.compression-codec'], 'snappy');
  });

  it('rejects v3-only types on v2 with the Java message', () => {
    const e = unwrapErr(newTableMetadata(variantRequest('2'), ctx));
    assert.equal(e.kind, 'invalid');
    assert.match(e.message, /^Invalid schema for v2:\n- Invalid type for list_data\.element: variant is not supported until v3/);
    assert.match(e.message, /Invalid type for struct_data\.v: variant is not supported until v3/);
  });

  it('rejects a non-null initial-default before v3', () => {
    const req = { name: 't', schema: { type: 'struct', fields: [{ id: 1, name: 'a', type: 'int', required: false, 'initial-default': 3 }] } };
    assert.match(unwrapErr(newTableMetadata(req, ctx)).message, /Invalid initial default for a: non-null default \(3\) is not supported until v3/);
    const v3 = { ...req, properties: { 'format-version': '3' } };
    assert.equal(unwrap(newTableMetadata(v3, ctx)).schemas[0].fields[0]['initial-default'], 3);
  });

  it('validates the request', () => {
    assert.equal(unwrapErr(newTableMetadata({ schema: { type: 'struct', fields: [] } }, ctx)).message, 'Invalid table name: null');
    assert.equal(unwrapErr(newTableMetadata({ name: 't' }, ctx)).message, 'Invalid schema: null');
    assert.equal(unwrapErr(newTableMetadata('nope', ctx)).kind, 'invalid');
    const bad = { name: 't', schema: { type: 'struct', fields: [] }, properties: { 'format-version': '4' } };
    assert.equal(unwrapErr(newTableMetadata(bad, ctx)).message, 'Unsupported format version: v4 (supported: v3)');
    const badSource = { name: 't', schema: { type: 'struct', fields: [] }, 'partition-spec': { fields: [{ 'source-id': 3, name: 'x', transform: 'identity' }] } };
    assert.equal(unwrapErr(newTableMetadata(badSource, ctx)).kind, 'invalid');
  });

  it('creates v1 tables when asked', () => {
    const md = unwrap(newTableMetadata({ ...variantRequest('1'), schema: { type: 'struct', fields: [{ id: 4, name: 'a', type: 'long', required: true }] }, 'partition-spec': undefined, 'write-order': undefined }, ctx));
    assert.equal(md['format-version'], 1);
  });

  it('stage-create records created-at from the injected clock', () => {
    const req = { name: 't', schema: { type: 'struct', fields: [] }, 'stage-create': true };
    assert.equal(unwrap(newTableMetadata(req, ctx)).properties['created-at'], new Date(T0).toISOString());
  });
});
