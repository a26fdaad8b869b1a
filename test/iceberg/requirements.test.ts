import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTableRequirements, isCreateRequest } from '../../src/iceberg/index.js';
import { applyTableUpdates } from '../../src/iceberg/index.js';
import { addSnapshot, baseTable, deepFreeze, setMain, snapshot, T0, unwrap, unwrapErr } from './fixtures/table/helpers.js';

const base = deepFreeze((() => {
  const md = baseTable({ partitioned: true, sorted: true });
  const updates = [
    addSnapshot(snapshot(10, { seq: 1 })), setMain(10),
    { action: 'set-snapshot-ref', 'ref-name': 'tg', type: 'tag', 'snapshot-id': 10 },
  ];
  return unwrap(applyTableUpdates(md, updates, { nowMs: T0 + 100 })).metadata;
})());
const uuid = base['table-uuid'];

const cases: { name: string; req: Record<string, unknown>; fail?: string }[] = [
  { name: 'uuid equal (case-insensitive)', req: { type: 'assert-table-uuid', uuid: uuid.toUpperCase() } },
  { name: 'uuid differs', req: { type: 'assert-table-uuid', uuid: 'other' }, fail: `Requirement failed: UUID does not match: expected other != ${uuid}` },
  { name: 'ref matches', req: { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 10 } },
  { name: 'absent ref asserted absent', req: { type: 'assert-ref-snapshot-id', ref: 'dev', 'snapshot-id': null } },
  { name: 'branch created concurrently', req: { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }, fail: 'Requirement failed: branch main was created concurrently' },
  { name: 'tag created concurrently', req: { type: 'assert-ref-snapshot-id', ref: 'tg' }, fail: 'Requirement failed: tag tg was created concurrently' },
  { name: 'branch changed', req: { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 9 }, fail: 'Requirement failed: branch main has changed: expected id 9 != 10' },
  { name: 'ref missing', req: { type: 'assert-ref-snapshot-id', ref: 'dev', 'snapshot-id': 9 }, fail: 'Requirement failed: branch or tag dev is missing, expected 9' },
  { name: 'last column id ok', req: { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 } },
  { name: 'last column id changed', req: { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 1 }, fail: 'Requirement failed: last assigned field id changed: expected id 1 != 2' },
  { name: 'current schema ok', req: { type: 'assert-current-schema-id', 'current-schema-id': 0 } },
  { name: 'current schema changed', req: { type: 'assert-current-schema-id', 'current-schema-id': 3 }, fail: 'Requirement failed: current schema changed: expected id 3 != 0' },
  { name: 'partition id ok', req: { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 1000 } },
  { name: 'partition id changed', req: { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 }, fail: 'Requirement failed: last assigned partition id changed: expected id 999 != 1000' },
  { name: 'default spec ok', req: { type: 'assert-default-spec-id', 'default-spec-id': 0 } },
  { name: 'default spec changed', req: { type: 'assert-default-spec-id', 'default-spec-id': 1 }, fail: 'Requirement failed: default partition spec changed: expected id 1 != 0' },
  { name: 'sort order ok', req: { type: 'assert-default-sort-order-id', 'default-sort-order-id': 1 } },
  { name: 'sort order changed', req: { type: 'assert-default-sort-order-id', 'default-sort-order-id': 0 }, fail: 'Requirement failed: default sort order changed: expected id 0 != 1' },
  { name: 'assert-create on existing table', req: { type: 'assert-create' }, fail: 'Requirement failed: table already exists' },
];

describe('checkTableRequirements (§1.4)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = checkTableRequirements([c.req], base);
      if (c.fail === undefined) {
        assert.deepEqual(r, { ok: true, value: undefined });
      } else {
        const e = unwrapErr(r);
        assert.equal(e.kind, 'conflict');
        assert.equal(e.message, c.fail);
      }
    });
  }

  it('assert-create passes when the table does not exist', () => {
    assert.equal(checkTableRequirements([{ type: 'assert-create' }], undefined).ok, true);
  });

  it('assert-create with other requirements is a bad request', () => {
    const e = unwrapErr(checkTableRequirements([{ type: 'assert-create' }, { type: 'assert-table-uuid', uuid }], undefined));
    assert.equal(e.kind, 'invalid');
    assert.match(e.message, /^Invalid create requirements: assert-table-uuid/);
  });

  it('unknown or malformed requirements are invalid, even before a failing one', () => {
    const unknown = unwrapErr(checkTableRequirements([{ type: 'assert-next-row-id', 'next-row-id': 1 }], base));
    assert.equal(unknown.kind, 'invalid');
    const malformed = unwrapErr(checkTableRequirements([{ type: 'assert-current-schema-id' }], base));
    assert.equal(malformed.kind, 'invalid');
    assert.equal(unwrapErr(checkTableRequirements([42], base)).kind, 'invalid');
  });

  it('the first failing requirement wins; an empty list passes', () => {
    const e = unwrapErr(checkTableRequirements([
      { type: 'assert-current-schema-id', 'current-schema-id': 0 },
      { type: 'assert-default-spec-id', 'default-spec-id': 5 },
      { type: 'assert-table-uuid', uuid: 'x' },
    ], base));
    assert.match(e.message, /default partition spec changed/);
    assert.equal(checkTableRequirements([], base).ok, true);
  });

  it('a missing table without assert-create is a conflict', () => {
    assert.equal(unwrapErr(checkTableRequirements([{ type: 'assert-table-uuid', uuid }], undefined)).kind, 'conflict');
  });

  it('isCreateRequest', () => {
    assert.equal(isCreateRequest([{ type: 'assert-table-uuid', uuid }, { type: 'assert-create' }]), true);
    assert.equal(isCreateRequest([{ type: 'assert-table-uuid', uuid }]), false);
    assert.equal(isCreateRequest([null, 3]), false);
  });
});
