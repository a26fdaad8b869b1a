// The catalog's state at one log sequence: namespaces, table and view pointers, idempotency
// records and pending purges. Applying an effect checks its precondition first and changes
// nothing when it fails, so `tryApply` doubles as the conflict check for a batch being built.
import { assert, assertNever } from '../util/index.js';
import { BUILTIN_ROLES } from './effects.js';
import type {
  Effect, EncryptionRecord, GrantRecord, IdempotencyRecord, Levels, PrincipalRecord, Privilege, RoleRecord, Securable, SigningKeyRecord, Txn,
} from './effects.js';

export interface NamespaceRecord {
  levels: Levels;
  properties: Record<string, string>;
}

export interface PointerRecord {
  ns: Levels;
  name: string;
  metadataLocation: string;
}

export interface PurgeRecord {
  id: string;
  metadataLocation: string;
  deleteData: boolean;
}

export const nsKey = (levels: Levels): string => levels.join('\u001f');
export const entityKey = (levels: Levels, name: string): string => `${nsKey(levels)}\u0000${name}`;

/** One key per securable; a namespace's key is a prefix of nothing else's (kinds are tagged). */
export function securableKey(on: Securable): string {
  switch (on.kind) {
    case 'catalog':
      return 'c';
    case 'namespace':
      return `n${nsKey(on.ns)}`;
    case 'table':
      return `t${entityKey(on.ns, on.name)}`;
    case 'view':
      return `v${entityKey(on.ns, on.name)}`;
  }
}

/** A role's grants in memory: privileges per securable key. */
export interface RoleState {
  readonly name: string;
  readonly createdMs: number;
  readonly grants: Map<string, { on: Securable; privileges: Set<Privilege> }>;
}

export class CatalogState {
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly tables = new Map<string, PointerRecord>();
  readonly views = new Map<string, PointerRecord>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly purges = new Map<string, PurgeRecord>();
  /** set once encryption is enabled or the keys change after creation (see layout CatalogIdentity) */
  encryption: EncryptionRecord | undefined;
  /** built-in principals by name, and their names by client id */
  readonly principals = new Map<string, PrincipalRecord>();
  readonly principalsByClientId = new Map<string, string>();
  readonly signingKeys = new Map<string, SigningKeyRecord>();
  /** custom roles and their grants (docs/design/authorization.md) */
  readonly roles = new Map<string, RoleState>();
  /** roles holding a grant on each securable key: dropping or renaming it takes its grants along */
  private readonly grantHolders = new Map<string, Set<string>>();
  /** child namespaces and entities per namespace, for listing and the not-empty check */
  private readonly children = new Map<string, Set<string>>();
  private readonly tablesIn = new Map<string, Set<string>>();
  private readonly viewsIn = new Map<string, Set<string>>();

  hasNamespace(levels: Levels): boolean {
    return this.namespaces.has(nsKey(levels));
  }

  childNamespaces(parent: Levels): string[] {
    return [...(this.children.get(nsKey(parent)) ?? [])].sort();
  }

  tableNames(levels: Levels): string[] {
    return [...(this.tablesIn.get(nsKey(levels)) ?? [])].sort();
  }

  viewNames(levels: Levels): string[] {
    return [...(this.viewsIn.get(nsKey(levels)) ?? [])].sort();
  }

  table(levels: Levels, name: string): PointerRecord | undefined {
    return this.tables.get(entityKey(levels, name));
  }

  view(levels: Levels, name: string): PointerRecord | undefined {
    return this.views.get(entityKey(levels, name));
  }

  /** Whether a grant may name `on`: it must exist. */
  hasSecurable(on: Securable): boolean {
    switch (on.kind) {
      case 'catalog':
        return true;
      case 'namespace':
        return this.hasNamespace(on.ns);
      case 'table':
        return this.table(on.ns, on.name) !== undefined;
      case 'view':
        return this.view(on.ns, on.name) !== undefined;
    }
  }

  hasGrant(role: string, on: Securable, privilege: Privilege): boolean {
    return this.roles.get(role)?.grants.get(securableKey(on))?.privileges.has(privilege) ?? false;
  }

  /** Why `effect` cannot apply to this state, or undefined when it can. */
  conflict(effect: Effect): string | undefined {
    switch (effect.op) {
      case 'ns.create':
        if (this.hasNamespace(effect.ns)) return 'namespace exists';
        if (effect.ns.length > 1 && !this.hasNamespace(effect.ns.slice(0, -1))) return 'parent namespace missing';
        return undefined;
      case 'ns.setProperties':
        return this.hasNamespace(effect.ns) ? undefined : 'namespace missing';
      case 'ns.drop': {
        const key = nsKey(effect.ns);
        if (!this.namespaces.has(key)) return 'namespace missing';
        if (this.children.get(key)?.size || this.tablesIn.get(key)?.size || this.viewsIn.get(key)?.size) {
          return 'namespace not empty';
        }
        return undefined;
      }
      case 'table.create':
      case 'view.create':
        if (!this.hasNamespace(effect.ns)) return 'namespace missing';
        if (this.table(effect.ns, effect.name) || this.view(effect.ns, effect.name)) return 'name taken';
        return undefined;
      case 'table.setPointer':
      case 'table.drop':
        return this.table(effect.ns, effect.name)?.metadataLocation === effect.expect ? undefined : 'table pointer moved';
      case 'view.setPointer':
      case 'view.drop':
        return this.view(effect.ns, effect.name)?.metadataLocation === effect.expect ? undefined : 'view pointer moved';
      case 'table.rename':
      case 'view.rename': {
        const source = effect.op === 'table.rename' ? this.table(effect.from.ns, effect.from.name) : this.view(effect.from.ns, effect.from.name);
        if (!source) return 'source missing';
        if (!this.hasNamespace(effect.to.ns)) return 'target namespace missing';
        if (this.table(effect.to.ns, effect.to.name) || this.view(effect.to.ns, effect.to.name)) return 'name taken';
        return undefined;
      }
      case 'purge.request':
        return this.purges.has(effect.id) ? 'purge exists' : undefined;
      case 'purge.done':
        return undefined; // finishing twice is harmless: purge is idempotent
      case 'encryption.set':
        return JSON.stringify(this.encryption ?? null) === JSON.stringify(effect.expect) ? undefined : 'encryption keys changed';
      case 'principal.create':
        if (this.principals.has(effect.name)) return 'principal exists';
        return this.principalsByClientId.has(effect.clientId) ? 'client id taken' : undefined;
      case 'principal.delete':
        return this.principals.get(effect.name)?.clientId === effect.clientId ? undefined : 'principal missing';
      case 'principal.rotateSecret':
        return this.principals.get(effect.name)?.secretHash === effect.expect ? undefined : 'principal secret changed';
      case 'signingKey.add':
        return this.signingKeys.has(effect.kid) ? 'signing key exists' : undefined;
      case 'signingKey.retire': {
        const key = this.signingKeys.get(effect.kid);
        if (!key) return 'signing key missing';
        return key.notAfterMs === undefined ? undefined : 'signing key retired';
      }
      case 'principal.setRoles': {
        const record = this.principals.get(effect.name);
        if (!record) return 'principal missing';
        if (!sameList(record.roles, effect.expect)) return 'principal roles changed';
        return effect.roles.every((r) => isBuiltinRole(r) || this.roles.has(r)) ? undefined : 'role missing';
      }
      case 'role.create':
        if (isBuiltinRole(effect.name)) return 'role is built in';
        return this.roles.has(effect.name) ? 'role exists' : undefined;
      case 'role.delete':
        return this.roles.has(effect.name) ? undefined : 'role missing';
      case 'grant.add':
        if (!this.roles.has(effect.role)) return 'role missing';
        if (!this.hasSecurable(effect.on)) return 'securable missing';
        return this.hasGrant(effect.role, effect.on, effect.privilege) ? 'grant exists' : undefined;
      case 'grant.revoke':
        return this.hasGrant(effect.role, effect.on, effect.privilege) ? undefined : 'grant missing';
      default:
        return assertNever(effect, 'effect');
    }
  }

  /** Applies a checked effect; callers must have seen `conflict(effect) === undefined`. */
  apply(effect: Effect): void {
    switch (effect.op) {
      case 'ns.create':
        this.namespaces.set(nsKey(effect.ns), { levels: [...effect.ns], properties: { ...effect.properties } });
        if (effect.ns.length > 0) this.index(this.children, effect.ns.slice(0, -1), effect.ns[effect.ns.length - 1]!, true);
        return;
      case 'ns.setProperties': {
        const record = this.namespaces.get(nsKey(effect.ns));
        assert(record !== undefined, `setProperties of namespace ${nsKey(effect.ns)} that conflict() saw exist`);
        const properties = { ...record.properties };
        for (const key of effect.removals) delete properties[key];
        Object.assign(properties, effect.updates);
        this.namespaces.set(nsKey(effect.ns), { levels: record.levels, properties });
        return;
      }
      case 'ns.drop':
        this.namespaces.delete(nsKey(effect.ns));
        this.dropGrantsOn(securableKey({ kind: 'namespace', ns: effect.ns }));
        if (effect.ns.length > 0) this.index(this.children, effect.ns.slice(0, -1), effect.ns[effect.ns.length - 1]!, false);
        return;
      case 'table.create':
      case 'table.setPointer':
        this.setPointer(this.tables, this.tablesIn, effect.ns, effect.name, effect.to);
        return;
      case 'view.create':
      case 'view.setPointer':
        this.setPointer(this.views, this.viewsIn, effect.ns, effect.name, effect.to);
        return;
      case 'table.drop':
        this.removePointer(this.tables, this.tablesIn, effect.ns, effect.name);
        this.dropGrantsOn(securableKey({ kind: 'table', ns: effect.ns, name: effect.name }));
        return;
      case 'view.drop':
        this.removePointer(this.views, this.viewsIn, effect.ns, effect.name);
        this.dropGrantsOn(securableKey({ kind: 'view', ns: effect.ns, name: effect.name }));
        return;
      case 'table.rename':
      case 'view.rename': {
        const [map, index] = effect.op === 'table.rename' ? [this.tables, this.tablesIn] : [this.views, this.viewsIn];
        const source = map.get(entityKey(effect.from.ns, effect.from.name));
        assert(source !== undefined, `rename of ${entityKey(effect.from.ns, effect.from.name)} that conflict() saw exist`);
        this.removePointer(map, index, effect.from.ns, effect.from.name);
        this.setPointer(map, index, effect.to.ns, effect.to.name, source.metadataLocation);
        const kind = effect.op === 'table.rename' ? 'table' : 'view';
        this.moveGrants({ kind, ...effect.from }, { kind, ...effect.to });
        return;
      }
      case 'purge.request':
        this.purges.set(effect.id, { id: effect.id, metadataLocation: effect.metadataLocation, deleteData: effect.deleteData });
        return;
      case 'purge.done':
        this.purges.delete(effect.id);
        return;
      case 'encryption.set':
        this.encryption = structuredClone(effect.to);
        return;
      case 'principal.create':
        this.principals.set(effect.name, {
          name: effect.name, clientId: effect.clientId, secretHash: effect.secretHash, roles: [...effect.roles], createdMs: effect.createdMs,
        });
        this.principalsByClientId.set(effect.clientId, effect.name);
        return;
      case 'principal.delete':
        this.principals.delete(effect.name);
        this.principalsByClientId.delete(effect.clientId);
        return;
      case 'principal.rotateSecret': {
        const record = this.principals.get(effect.name);
        assert(record !== undefined, `rotateSecret of principal ${effect.name} that conflict() saw exist`);
        this.principals.set(effect.name, { ...record, secretHash: effect.secretHash });
        return;
      }
      case 'signingKey.add':
        this.signingKeys.set(effect.kid, {
          kid: effect.kid, alg: effect.alg, publicJwk: { ...effect.publicJwk }, privateJwk: { ...effect.privateJwk }, createdMs: effect.createdMs,
        });
        return;
      case 'signingKey.retire': {
        const key = this.signingKeys.get(effect.kid);
        assert(key !== undefined, `retire of signing key ${effect.kid} that conflict() saw exist`);
        this.signingKeys.set(effect.kid, { ...key, notAfterMs: effect.notAfterMs });
        return;
      }
      case 'principal.setRoles': {
        const record = this.principals.get(effect.name);
        assert(record !== undefined, `setRoles of principal ${effect.name} that conflict() saw exist`);
        this.principals.set(effect.name, { ...record, roles: [...effect.roles] });
        return;
      }
      case 'role.create':
        this.roles.set(effect.name, { name: effect.name, createdMs: effect.createdMs, grants: new Map() });
        return;
      case 'role.delete': {
        const role = this.roles.get(effect.name);
        assert(role !== undefined, `delete of role ${effect.name} that conflict() saw exist`);
        for (const key of role.grants.keys()) this.holders(key, effect.name, false);
        this.roles.delete(effect.name);
        for (const [name, record] of this.principals) {
          if (record.roles.includes(effect.name)) this.principals.set(name, { ...record, roles: record.roles.filter((r) => r !== effect.name) });
        }
        return;
      }
      case 'grant.add': {
        const role = this.roles.get(effect.role);
        assert(role !== undefined, `grant to role ${effect.role} that conflict() saw exist`);
        const key = securableKey(effect.on);
        let grant = role.grants.get(key);
        if (!grant) role.grants.set(key, (grant = { on: structuredClone(effect.on), privileges: new Set() }));
        grant.privileges.add(effect.privilege);
        this.holders(key, effect.role, true);
        return;
      }
      case 'grant.revoke': {
        const role = this.roles.get(effect.role);
        const key = securableKey(effect.on);
        const grant = role?.grants.get(key);
        assert(role !== undefined && grant !== undefined, `revoke from role ${effect.role} that conflict() saw hold it`);
        grant.privileges.delete(effect.privilege);
        if (grant.privileges.size === 0) {
          role.grants.delete(key);
          this.holders(key, effect.role, false);
        }
        return;
      }
      default:
        return assertNever(effect, 'effect');
    }
  }

  /**
   * Applies one log entry's txns in order (effects, then idempotency records, then expiry by
   * the entry's timestamp); returns why an effect does not apply, or undefined. Shared by the
   * replicas and by backup replay, so both hold byte-for-byte the same state at a sequence.
   */
  applyEntry(entry: { ts: number; txns: Txn[] }): string | undefined {
    for (const txn of entry.txns) {
      if (typeof txn !== 'object' || txn === null || !Array.isArray(txn.effects)) return 'a txn has no effects list';
      for (const effect of txn.effects) {
        const why = this.conflict(effect);
        if (why) return `${effect.op}: ${why}`;
        this.apply(effect);
      }
      if (txn.idem) this.recordIdempotency(txn.idem);
    }
    this.expireIdempotency(entry.ts);
    return undefined;
  }

  recordIdempotency(record: IdempotencyRecord): void {
    this.idempotency.set(record.key, record);
  }

  /** Forgets records that expired before `nowMs` (an entry timestamp, so replay agrees). */
  expireIdempotency(nowMs: number): void {
    for (const [key, record] of this.idempotency) if (record.expiresAtMs <= nowMs) this.idempotency.delete(key);
  }

  private holders(key: string, role: string, add: boolean): void {
    let roles = this.grantHolders.get(key);
    if (add) {
      if (!roles) this.grantHolders.set(key, (roles = new Set()));
      roles.add(role);
    } else if (roles) {
      roles.delete(role);
      if (roles.size === 0) this.grantHolders.delete(key);
    }
  }

  /** A dropped securable's grants go with it: a new one of the same name starts with none. */
  private dropGrantsOn(key: string): void {
    for (const role of this.grantHolders.get(key) ?? []) this.roles.get(role)?.grants.delete(key);
    this.grantHolders.delete(key);
  }

  /** A renamed table or view keeps its grants under its new name. */
  private moveGrants(from: Securable, to: Securable): void {
    const [fromKey, toKey] = [securableKey(from), securableKey(to)];
    for (const role of this.grantHolders.get(fromKey) ?? []) {
      const grants = this.roles.get(role)!.grants;
      const grant = grants.get(fromKey)!;
      grants.delete(fromKey);
      grants.set(toKey, { on: structuredClone(to), privileges: grant.privileges });
      this.holders(toKey, role, true);
    }
    this.grantHolders.delete(fromKey);
  }

  private setPointer(map: Map<string, PointerRecord>, index: Map<string, Set<string>>, ns: Levels, name: string, to: string) {
    map.set(entityKey(ns, name), { ns: [...ns], name, metadataLocation: to });
    this.index(index, ns, name, true);
  }

  private removePointer(map: Map<string, PointerRecord>, index: Map<string, Set<string>>, ns: Levels, name: string) {
    map.delete(entityKey(ns, name));
    this.index(index, ns, name, false);
  }

  private index(index: Map<string, Set<string>>, ns: Levels, name: string, add: boolean) {
    const key = nsKey(ns);
    let names = index.get(key);
    if (add) {
      if (!names) index.set(key, (names = new Set()));
      names.add(name);
    } else if (names) {
      names.delete(name);
      if (names.size === 0) index.delete(key);
    }
  }

  counts() {
    return {
      namespaces: this.namespaces.size,
      tables: this.tables.size,
      views: this.views.size,
      idempotencyRecords: this.idempotency.size,
      pendingPurges: this.purges.size,
    };
  }

  /** Canonical JSON-able form: sorted, so equal states give equal bytes (checkpoints, backups). */
  toSnapshot(): StateSnapshot {
    const byKey = <T>(map: Map<string, T>) => [...map.keys()].sort().map((k) => map.get(k)!);
    return {
      namespaces: byKey(this.namespaces).map((n) => ({ levels: n.levels, properties: sortObject(n.properties) })),
      tables: byKey(this.tables),
      views: byKey(this.views),
      idempotency: byKey(this.idempotency),
      purges: byKey(this.purges),
      // absent until encryption is enabled, so plaintext catalogs keep their checkpoint bytes
      ...(this.encryption && { encryption: structuredClone(this.encryption) }),
      // absent while empty, so catalogs without built-in principals keep their checkpoint bytes
      ...(this.principals.size > 0 && { principals: byKey(this.principals).map((p) => ({ ...p, roles: [...p.roles] })) }),
      ...(this.signingKeys.size > 0 && { signingKeys: byKey(this.signingKeys).map((k) => structuredClone(k)) }),
      ...(this.roles.size > 0 && { roles: byKey(this.roles).map(roleRecord) }),
    };
  }

  static fromSnapshot(snapshot: StateSnapshot): CatalogState {
    const state = new CatalogState();
    // parents before children: sorted keys put a namespace before its descendants
    for (const n of [...snapshot.namespaces].sort((a, b) => a.levels.length - b.levels.length)) {
      state.apply({ op: 'ns.create', ns: n.levels, properties: n.properties });
    }
    for (const t of snapshot.tables) state.apply({ op: 'table.create', ns: t.ns, name: t.name, to: t.metadataLocation });
    for (const v of snapshot.views) state.apply({ op: 'view.create', ns: v.ns, name: v.name, to: v.metadataLocation });
    for (const r of snapshot.idempotency) state.recordIdempotency(r);
    for (const p of snapshot.purges) state.purges.set(p.id, p);
    if (snapshot.encryption) state.encryption = structuredClone(snapshot.encryption);
    for (const p of snapshot.principals ?? []) state.apply({ op: 'principal.create', ...p });
    for (const k of snapshot.signingKeys ?? []) {
      const { notAfterMs, ...key } = k;
      state.apply({ op: 'signingKey.add', ...key });
      if (notAfterMs !== undefined) state.apply({ op: 'signingKey.retire', kid: k.kid, notAfterMs });
    }
    for (const r of snapshot.roles ?? []) {
      state.apply({ op: 'role.create', name: r.name, createdMs: r.createdMs });
      for (const g of r.grants) for (const privilege of g.privileges) state.apply({ op: 'grant.add', role: r.name, on: g.on, privilege });
    }
    return state;
  }
}

export interface StateSnapshot {
  namespaces: NamespaceRecord[];
  tables: PointerRecord[];
  views: PointerRecord[];
  idempotency: IdempotencyRecord[];
  purges: PurgeRecord[];
  encryption?: EncryptionRecord;
  principals?: PrincipalRecord[];
  signingKeys?: SigningKeyRecord[];
  roles?: RoleRecord[];
}

function roleRecord(role: RoleState): RoleRecord {
  const keys = [...role.grants.keys()].sort();
  const grants: GrantRecord[] = keys.map((k) => {
    const grant = role.grants.get(k)!;
    return { on: structuredClone(grant.on), privileges: [...grant.privileges].sort() };
  });
  return { name: role.name, createdMs: role.createdMs, grants };
}

const isBuiltinRole = (name: string): boolean => (BUILTIN_ROLES as readonly string[]).includes(name);

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function sortObject(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
