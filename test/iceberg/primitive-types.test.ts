import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTableMetadata } from '../../src/iceberg/index.js';

const create = (type: unknown) =>
  newTableMetadata(
    { name: 't', schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'c', type, required: false }] }, properties: { 'format-version': '3' } },
    { location: 'file:///wh/t', nowMs: 1_700_000_000_000, uuid: '00000000-0000-4000-8000-000000000000' },
  );

test('every primitive type of the spec is accepted', () => {
  for (const type of ['boolean', 'int', 'long', 'float', 'double', 'decimal(9,2)', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'fixed[16]', 'binary', 'variant']) {
    assert.equal(create(type).ok, true, type);
  }
});

test('unknown primitive names are invalid', () => {
  for (const type of ['varchar', 'Long', 'decimal(9)', 'fixed', 'int64', '']) {
    const result = create(type);
    assert.equal(result.ok, false, type);
    if (!result.ok) assert.equal(result.error.kind, 'invalid');
  }
});
