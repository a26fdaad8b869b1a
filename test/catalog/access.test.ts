// The authorizer (src/catalog/access.ts): deny by default, built-in roles, inheritance down the
// namespace tree, implied privileges, data access levels, and list filters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, type Principal } from '../../src/catalog/index.js';
import { CatalogState, PRIVILEGES, type Effect, type Privilege, type Securable } from '../../src/store/index.js';

/** An OIDC principal: its roles are those its token names (a built-in one's are read from the state). */
const user = (...roles: string[]): Principal => ({ kind: 'user', name: 'u', roles, source: 'oidc' });
const T: Securable = { kind: 'table', ns: ['a', 'b'], name: 't' };

function catalog(grants: [Securable, Privilege][] = []): CatalogState {
  const state = new CatalogState();
  const effects: Effect[] = [
    { op: 'ns.create', ns: ['a'], properties: {} },
    { op: 'ns.create', ns: ['a', 'b'], properties: {} },
    { op: 'ns.create', ns: ['z'], properties: {} },
    { op: 'table.create', ns: ['a', 'b'], name: 't', to: 'file:///w/t.json' },
    { op: 'table.create', ns: ['a', 'b'], name: 'u', to: 'file:///w/u.json' },
    { op: 'view.create', ns: ['a', 'b'], name: 'v', to: 'file:///w/v.json' },
    { op: 'role.create', name: 'r', createdMs: 1 },
    ...grants.map(([on, privilege]): Effect => ({ op: 'grant.add', role: 'r', on, privilege })),
  ];
  assert.equal(state.applyEntry({ ts: 1, txns: [{ txn: 'x', effects }] }), undefined);
  return state;
}

test('deny by default: a principal without roles, or with unknown ones, may do nothing', () => {
  const state = catalog();
  for (const p of [user(), user('ghost'), user('r')]) {
    assert.equal(access.privilegesOn(state, p, T), 0);
    assert.equal(access.dataAccess(state, p, T as { ns: string[]; name: string }), 'none');
    assert.equal(access.listFilter(state, p, 'namespace', []).kind, 'forbidden');
  }
});

test('anonymous means authentication is off: everything is allowed', () => {
  assert.equal(access.privilegesOn(catalog(), { kind: 'anonymous' }, T), access.ALL_PRIVILEGES);
});

test('built-in roles: admin everything, writer everything but access management, reader reads data and lists', () => {
  const state = catalog();
  assert.equal(access.allows(state, user('admin'), 'CATALOG_MANAGE_ACCESS', { kind: 'catalog' }), true);
  assert.equal(access.allows(state, user('writer'), 'CATALOG_MANAGE_ACCESS', { kind: 'catalog' }), false);
  assert.equal(access.allows(state, user('writer'), 'TABLE_DROP', T), true);
  assert.equal(access.dataAccess(state, user('writer'), { ns: ['a', 'b'], name: 't' }), 'read-write');
  assert.equal(access.dataAccess(state, user('reader'), { ns: ['a', 'b'], name: 't' }), 'read');
  assert.equal(access.allows(state, user('reader'), 'TABLE_READ_METADATA', T), true, 'reading data implies reading metadata');
  assert.equal(access.allows(state, user('reader'), 'TABLE_WRITE_METADATA', T), false);
  assert.equal(access.allows(state, user('reader'), 'NAMESPACE_CREATE', { kind: 'catalog' }), false);
});

test('a namespace grant covers its children and what they contain, never its parent or siblings', () => {
  const state = catalog([[{ kind: 'namespace', ns: ['a'] }, 'TABLE_WRITE_DATA']]);
  const p = user('r');
  assert.equal(access.dataAccess(state, p, { ns: ['a', 'b'], name: 't' }), 'read-write');
  assert.equal(access.allows(state, p, 'TABLE_WRITE_METADATA', T), true, 'writing data implies committing');
  assert.equal(access.allows(state, p, 'TABLE_DROP', T), false);
  assert.equal(access.allows(state, p, 'TABLE_READ_DATA', { kind: 'table', ns: ['z'], name: 't' }), false);
  assert.equal(access.allows(state, p, 'TABLE_READ_DATA', { kind: 'table', ns: ['ab'], name: 't' }), false, 'a prefix of a name is not a parent');
  assert.equal(access.allows(state, p, 'VIEW_READ_METADATA', { kind: 'view', ns: ['a', 'b'], name: 'v' }), false, 'table privileges say nothing of views');
});

test('a table grant covers that table only', () => {
  const state = catalog([[T, 'TABLE_READ_DATA']]);
  assert.equal(access.dataAccess(state, user('r'), { ns: ['a', 'b'], name: 't' }), 'read');
  assert.equal(access.dataAccess(state, user('r'), { ns: ['a', 'b'], name: 'u' }), 'none');
});

test('list filters: the list privilege shows all; without it only what the caller holds something on (or beneath)', () => {
  const state = catalog([[T, 'TABLE_READ_METADATA']]);
  const p = user('r');
  const top = access.listFilter(state, p, 'namespace', []);
  assert.equal(top.kind, 'some');
  assert.deepEqual(['a', 'z'].filter((n) => top.kind === 'some' && top.shows(n)), ['a'], 'a grant deep inside makes the path visible');
  const tables = access.listFilter(state, p, 'table', ['a', 'b']);
  assert.deepEqual(['t', 'u'].filter((n) => tables.kind === 'some' && tables.shows(n)), ['t']);
  const views = access.listFilter(state, p, 'view', ['a', 'b']);
  assert.deepEqual(['v'].filter((n) => views.kind === 'some' && views.shows(n)), []);
  assert.equal(access.listFilter(state, p, 'table', ['z']).kind, 'forbidden');
  assert.equal(access.listFilter(state, user('reader'), 'table', ['z']).kind, 'all');
  const lister = catalog([[{ kind: 'catalog' }, 'NAMESPACE_LIST']]);
  assert.equal(access.listFilter(lister, p, 'namespace', ['a']).kind, 'all');
  assert.equal(access.listFilter(lister, p, 'table', ['a']).kind, 'some', 'listing namespaces shows no table');
});

test('a built-in principal holds the roles of its record in the state decided on, not those it was verified with', () => {
  const state = catalog([[T, 'TABLE_DROP']]);
  const verified: Principal = { kind: 'user', name: 'p', roles: ['admin'], source: 'builtin' };
  assert.equal(access.privilegesOn(state, verified, T), 0, 'no record: a deleted principal holds nothing');
  state.apply({ op: 'principal.create', name: 'p', clientId: 'c', secretHash: 'h', roles: ['r'], createdMs: 1 });
  assert.equal(access.allows(state, verified, 'TABLE_DROP', T), true);
  assert.equal(access.allows(state, verified, 'CATALOG_MANAGE_ACCESS', { kind: 'catalog' }), false, 'the roles the token was verified with do not count');
});

test('a filtered table or view list shows exactly the children the caller holds a privilege of that kind on', () => {
  // seeded: random grants of two roles on the catalog, namespaces, tables and views; the filter
  // (which looks up grants on the children only) must agree with privilegesOn for every child
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor(seed / 65536) % n);
  const outcomes = { shown: 0, hidden: 0 };
  for (let round = 0; round < 200; round++) {
    const state = new CatalogState();
    const names = ['t0', 't1', 't2', 't3'];
    const effects: Effect[] = [
      { op: 'ns.create', ns: ['a'], properties: {} },
      { op: 'ns.create', ns: ['a', 'b'], properties: {} },
      ...names.map((name): Effect => ({ op: 'table.create', ns: ['a', 'b'], name, to: `file:///w/${name}.json` })),
      ...names.map((name): Effect => ({ op: 'view.create', ns: ['a', 'b'], name: `v${name}`, to: `file:///w/v${name}.json` })),
      { op: 'role.create', name: 'r1', createdMs: 1 },
      { op: 'role.create', name: 'r2', createdMs: 1 },
    ];
    const targets: Securable[] = [
      { kind: 'catalog' }, { kind: 'namespace', ns: ['a'] }, { kind: 'namespace', ns: ['a', 'b'] },
      ...names.map((name): Securable => ({ kind: 'table', ns: ['a', 'b'], name })),
      ...names.map((name): Securable => ({ kind: 'view', ns: ['a', 'b'], name: `v${name}` })),
    ];
    const seen = new Set<string>();
    for (let g = 1 + next(6); g > 0; g--) {
      const on = targets[next(targets.length)]!;
      const privilege = PRIVILEGES[next(PRIVILEGES.length)]!;
      const role = next(2) === 0 ? 'r1' : 'r2';
      const key = `${role} ${JSON.stringify(on)} ${privilege}`;
      if (seen.has(key)) continue;
      seen.add(key);
      effects.push({ op: 'grant.add', role, on, privilege });
    }
    assert.equal(state.applyEntry({ ts: 1, txns: [{ txn: 'x', effects }] }), undefined);
    const p = user('r1', 'r2');
    for (const kind of ['table', 'view'] as const) {
      const filter = access.listFilter(state, p, kind, ['a', 'b']);
      if (filter.kind !== 'some') continue;
      const ofKind = access.maskOf(PRIVILEGES.filter((x) => x.startsWith(kind === 'table' ? 'TABLE_' : 'VIEW_')));
      for (const name of kind === 'table' ? names : names.map((n) => `v${n}`)) {
        const expected = (access.privilegesOn(state, p, { kind, ns: ['a', 'b'], name }) & ofKind) !== 0;
        assert.equal(filter.shows(name), expected, `round ${round}: ${kind} ${name} with ${[...seen].join('; ')}`);
        outcomes[expected ? 'shown' : 'hidden']++;
      }
    }
  }
  assert.ok(outcomes.shown > 20 && outcomes.hidden > 20, `both outcomes compared: ${JSON.stringify(outcomes)}`);
});
