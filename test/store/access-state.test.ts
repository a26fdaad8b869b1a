// Roles and grants as log effects (docs/design/authorization.md): preconditions, grants that
// follow their securable through drops and renames, the canonical snapshot, the backup shape
// checks and invariants, and footprints that keep security changes out of ambiguous batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invariantProblem, parseCheckpointJson } from '../../src/store/backup/replay.js';
import { BatchFootprint, footprintOf } from '../../src/store/footprint.js';
import { CatalogState, encodeJson, type Effect, type Securable } from '../../src/store/index.js';

const ns = (...levels: string[]): Effect => ({ op: 'ns.create', ns: levels, properties: {} });
const table = (levels: string[], name: string): Effect => ({ op: 'table.create', ns: levels, name, to: `file:///w/${name}/v1.metadata.json` });
const T: Securable = { kind: 'table', ns: ['a'], name: 't' };

function catalog(): CatalogState {
  const state = new CatalogState();
  assert.equal(state.applyEntry({ ts: 1, txns: [{ txn: 'x', effects: [ns('a'), ns('a', 'b'), table(['a'], 't'), { op: 'role.create', name: 'etl', createdMs: 1 }] }] }), undefined);
  return state;
}

test('preconditions: roles are unique and never built in; grants need their role and securable, and exist once', () => {
  const state = catalog();
  assert.equal(state.conflict({ op: 'role.create', name: 'etl', createdMs: 2 }), 'role exists');
  assert.equal(state.conflict({ op: 'role.create', name: 'admin', createdMs: 2 }), 'role is built in');
  assert.equal(state.conflict({ op: 'grant.add', role: 'nobody', on: T, privilege: 'TABLE_DROP' }), 'role missing');
  assert.equal(state.conflict({ op: 'grant.add', role: 'etl', on: { kind: 'table', ns: ['a'], name: 'u' }, privilege: 'TABLE_DROP' }), 'securable missing');
  assert.equal(state.conflict({ op: 'grant.add', role: 'etl', on: { kind: 'view', ns: ['a'], name: 't' }, privilege: 'VIEW_DROP' }), 'securable missing');
  state.apply({ op: 'grant.add', role: 'etl', on: T, privilege: 'TABLE_DROP' });
  assert.equal(state.conflict({ op: 'grant.add', role: 'etl', on: T, privilege: 'TABLE_DROP' }), 'grant exists');
  assert.equal(state.conflict({ op: 'grant.revoke', role: 'etl', on: T, privilege: 'TABLE_READ_DATA' }), 'grant missing');
  state.apply({ op: 'grant.revoke', role: 'etl', on: T, privilege: 'TABLE_DROP' });
  assert.equal(state.roles.get('etl')!.grants.size, 0, 'a securable with no privilege left is no longer listed');
});

test('principal roles: setRoles expects the current list and names only known roles; deleting a role strips it', () => {
  const state = catalog();
  state.apply({ op: 'principal.create', name: 'p', clientId: 'c', secretHash: 'h', roles: ['reader'], createdMs: 1 });
  assert.equal(state.conflict({ op: 'principal.setRoles', name: 'p', expect: ['admin'], roles: ['etl'] }), 'principal roles changed');
  assert.equal(state.conflict({ op: 'principal.setRoles', name: 'p', expect: ['reader'], roles: ['ghost'] }), 'role missing');
  assert.equal(state.conflict({ op: 'principal.setRoles', name: 'q', expect: [], roles: [] }), 'principal missing');
  state.apply({ op: 'principal.setRoles', name: 'p', expect: ['reader'], roles: ['etl', 'reader'] });
  state.apply({ op: 'role.delete', name: 'etl' });
  assert.deepEqual(state.principals.get('p')!.roles, ['reader']);
});

test('grants follow their securable: a drop takes them, a rename moves them, a re-created name starts with none', () => {
  const state = catalog();
  state.apply({ op: 'grant.add', role: 'etl', on: T, privilege: 'TABLE_WRITE_DATA' });
  state.apply({ op: 'grant.add', role: 'etl', on: { kind: 'namespace', ns: ['a', 'b'] }, privilege: 'TABLE_CREATE' });
  state.apply({ op: 'table.rename', from: { ns: ['a'], name: 't' }, to: { ns: ['a', 'b'], name: 't2' } });
  assert.equal(state.hasGrant('etl', T, 'TABLE_WRITE_DATA'), false);
  assert.equal(state.hasGrant('etl', { kind: 'table', ns: ['a', 'b'], name: 't2' }, 'TABLE_WRITE_DATA'), true);
  state.apply({ op: 'table.drop', ns: ['a', 'b'], name: 't2', expect: 'file:///w/t/v1.metadata.json' });
  state.apply(table(['a', 'b'], 't2'));
  assert.equal(state.hasGrant('etl', { kind: 'table', ns: ['a', 'b'], name: 't2' }, 'TABLE_WRITE_DATA'), false);
  state.apply({ op: 'table.drop', ns: ['a', 'b'], name: 't2', expect: 'file:///w/t2/v1.metadata.json' });
  state.apply({ op: 'ns.drop', ns: ['a', 'b'] });
  assert.deepEqual([...state.roles.get('etl')!.grants.keys()], []);
  assert.equal(invariantProblem(state.toSnapshot()), undefined);
});

test('snapshots: roles absent while none exist, round-trip byte for byte, checked by the backup shape and invariants', () => {
  assert.equal('roles' in new CatalogState().toSnapshot(), false);
  const state = catalog();
  state.apply({ op: 'role.create', name: 'analyst', createdMs: 3 });
  state.apply({ op: 'grant.add', role: 'etl', on: T, privilege: 'TABLE_WRITE_DATA' });
  state.apply({ op: 'grant.add', role: 'etl', on: T, privilege: 'TABLE_DROP' });
  state.apply({ op: 'grant.add', role: 'etl', on: { kind: 'catalog' }, privilege: 'NAMESPACE_LIST' });
  const snapshot = state.toSnapshot();
  assert.deepEqual(snapshot.roles!.map((r) => r.name), ['analyst', 'etl']);
  assert.deepEqual(snapshot.roles![1]!.grants.map((g) => g.privileges), [['NAMESPACE_LIST'], ['TABLE_DROP', 'TABLE_WRITE_DATA']]);
  assert.ok(encodeJson(CatalogState.fromSnapshot(snapshot).toSnapshot()).equals(encodeJson(snapshot)));
  const checkpoint = (s: unknown) => Buffer.from(JSON.stringify({ v: 1, catalogId: 'c', seq: 1, entryHash: '0'.repeat(64), ts: 1, state: s }));
  assert.equal(typeof parseCheckpointJson(checkpoint(snapshot)), 'object');
  const etl = snapshot.roles![1]!;
  const withGrant = (grant: unknown) => ({ ...snapshot, roles: [snapshot.roles![0], { ...etl, grants: [grant] }] });
  assert.match(String(parseCheckpointJson(checkpoint(withGrant({ on: T, privileges: ['TABLE_SUPERPOWER'] })))), /privileges must be known/);
  assert.match(String(parseCheckpointJson(checkpoint(withGrant({ on: T, privileges: ['TABLE_WRITE_DATA', 'TABLE_DROP'] })))), /sorted and unique/);
  assert.match(String(parseCheckpointJson(checkpoint(withGrant({ on: { kind: 'bucket' }, privileges: ['TABLE_DROP'] })))), /malformed grant/);
  assert.match(String(invariantProblem({ ...snapshot, tables: [] })), /grant on a table that does not exist/);
  assert.match(String(invariantProblem({ ...snapshot, roles: [{ ...etl, name: 'admin' }] })), /built in/);
});

test('footprints: grants conflict with drops of their securable and with role changes; principals with role deletes', () => {
  const batch = (...effects: Effect[][]) => {
    const b = new BatchFootprint();
    return effects.map((e) => {
      const f = footprintOf(e, undefined);
      if (b.overlaps(f)) return false;
      b.add(f);
      return true;
    });
  };
  const grant: Effect = { op: 'grant.add', role: 'etl', on: T, privilege: 'TABLE_DROP' };
  assert.deepEqual(batch([grant], [{ op: 'table.drop', ns: ['a'], name: 't', expect: 'x' }]), [true, false]);
  assert.deepEqual(batch([grant], [{ op: 'table.setPointer', ns: ['a'], name: 'u', expect: 'x', to: 'y' }]), [true, true]);
  assert.deepEqual(batch([{ op: 'role.delete', name: 'etl' }], [{ op: 'principal.create', name: 'p', clientId: 'c', secretHash: 'h', roles: ['etl'], createdMs: 1 }]), [true, false]);
  assert.deepEqual(batch([{ op: 'principal.create', name: 'p', clientId: 'c', secretHash: 'h', roles: [], createdMs: 1 }], [{ op: 'principal.create', name: 'q', clientId: 'd', secretHash: 'h', roles: [], createdMs: 1 }]), [true, true]);
});
