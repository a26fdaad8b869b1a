// Who may do what (docs/design/authorization.md). Roles hold privileges on the catalog, a
// namespace (covering its children and everything they contain), a table or a view; principals
// hold roles. Deny by default. Pure functions of the catalog state and the principal, so every
// replica decides alike on the same log sequence. A decision is a few map lookups per role:
// no allocation proportional to the catalog.
import { BUILTIN_ROLES, PRIVILEGES, securableKey, type CatalogState, type Levels, type Privilege, type Securable } from '../store/index.js';
import { errors, type CatalogError } from './errors.js';
import type { Principal, RequestContext } from './request-context.js';

/** A set of privileges as bits, in PRIVILEGES order (18 of them: fits a small integer). */
export type PrivilegeMask = number;

const BIT = new Map<Privilege, number>(PRIVILEGES.map((p, i) => [p, 1 << i]));
const bitOf = (privilege: Privilege): number => BIT.get(privilege)!;

/** What holding a privilege also gives: writing data needs reading it, reading data needs the metadata. */
const IMPLIES: Partial<Record<Privilege, readonly Privilege[]>> = {
  NAMESPACE_WRITE_PROPERTIES: ['NAMESPACE_READ_PROPERTIES'],
  TABLE_WRITE_DATA: ['TABLE_READ_DATA', 'TABLE_WRITE_METADATA'],
  TABLE_READ_DATA: ['TABLE_READ_METADATA'],
  TABLE_WRITE_METADATA: ['TABLE_READ_METADATA'],
  VIEW_WRITE_METADATA: ['VIEW_READ_METADATA'],
};

function closure(privilege: Privilege): PrivilegeMask {
  let mask = bitOf(privilege);
  for (const implied of IMPLIES[privilege] ?? []) mask |= closure(implied);
  return mask;
}

const CLOSURE = new Map<Privilege, PrivilegeMask>(PRIVILEGES.map((p) => [p, closure(p)]));

export function maskOf(privileges: Iterable<Privilege>): PrivilegeMask {
  let mask = 0;
  for (const p of privileges) mask |= CLOSURE.get(p)!;
  return mask;
}

export const ALL_PRIVILEGES: PrivilegeMask = maskOf(PRIVILEGES);

export function privilegesIn(mask: PrivilegeMask): Privilege[] {
  return PRIVILEGES.filter((p) => (mask & bitOf(p)) !== 0);
}

export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

/** The built-in roles' grants, all on the catalog. */
export const BUILTIN_ROLE_PRIVILEGES: Readonly<Record<BuiltinRole, readonly Privilege[]>> = {
  admin: PRIVILEGES,
  writer: PRIVILEGES.filter((p) => p !== 'CATALOG_MANAGE_ACCESS'),
  reader: ['NAMESPACE_LIST', 'NAMESPACE_READ_PROPERTIES', 'TABLE_LIST', 'TABLE_READ_DATA', 'VIEW_LIST', 'VIEW_READ_METADATA'],
};

const BUILTIN_MASK = new Map<string, PrivilegeMask>(BUILTIN_ROLES.map((r) => [r, maskOf(BUILTIN_ROLE_PRIVILEGES[r])]));

export const isBuiltinRole = (name: string): name is BuiltinRole => BUILTIN_MASK.has(name);

const TABLE_PRIVILEGES = maskOf(PRIVILEGES.filter((p) => p.startsWith('TABLE_')));
const VIEW_PRIVILEGES = maskOf(PRIVILEGES.filter((p) => p.startsWith('VIEW_')));
const NAMESPACE_PRIVILEGES = maskOf(PRIVILEGES.filter((p) => p.startsWith('NAMESPACE_')));

/**
 * The keys a grant may sit on to cover `on`, most specific first: the securable itself, its
 * namespaces from the innermost out, the catalog.
 */
function coveringKeys(on: Securable): string[] {
  if (on.kind === 'catalog') return ['c'];
  const levels = on.ns;
  const keys = new Array<string>(levels.length + (on.kind === 'namespace' ? 1 : 2));
  let at = keys.length - 1;
  keys[at] = 'c';
  // each enclosing namespace's key extends the next outer one's (n + levels joined by \u001f)
  let key = 'n';
  for (let depth = 0; depth < levels.length; depth++) {
    key = depth === 0 ? key + levels[0] : `${key}\u001f${levels[depth]}`;
    keys[--at] = key;
  }
  if (on.kind !== 'namespace') keys[0] = securableKey(on);
  return keys;
}

/**
 * The roles `principal` holds in `state`: a built-in principal's are those of its log record
 * (the state the decision is made on, not the one its token was verified against: a replica
 * that verified before catching up must not decide on old roles; a deleted one holds none);
 * an OIDC principal's come from its token.
 */
export function rolesIn(state: CatalogState, principal: Extract<Principal, { kind: 'user' }>): readonly string[] {
  if (principal.source === 'oidc') return principal.roles;
  return state.principals.get(principal.name)?.roles ?? [];
}

/** Everything `principal` may do on `on`. Anonymous means authentication is off: nothing is checked. */
export function privilegesOn(state: CatalogState, principal: Principal, on: Securable): PrivilegeMask {
  if (principal.kind === 'anonymous') return ALL_PRIVILEGES;
  let mask = 0;
  let keys: string[] | undefined;
  for (const role of rolesIn(state, principal)) {
    const builtin = BUILTIN_MASK.get(role);
    if (builtin !== undefined) {
      mask |= builtin;
      continue;
    }
    const grants = state.roles.get(role)?.grants;
    if (!grants || grants.size === 0) continue;
    for (const key of (keys ??= coveringKeys(on))) {
      const grant = grants.get(key);
      if (grant) mask |= maskOf(grant.privileges);
    }
  }
  return mask;
}

export function allows(state: CatalogState, principal: Principal, privilege: Privilege, on: Securable): boolean {
  return (privilegesOn(state, principal, on) & bitOf(privilege)) !== 0;
}

export type AccessLevel = 'none' | 'read' | 'read-write';

/** What a principal may do with a table's files: what vended credentials and signing may give. */
export function dataAccess(state: CatalogState, principal: Principal, table: { ns: Levels; name: string }): AccessLevel {
  const mask = privilegesOn(state, principal, { kind: 'table', ...table });
  if (mask & bitOf('TABLE_WRITE_DATA')) return 'read-write';
  return mask & bitOf('TABLE_READ_DATA') ? 'read' : 'none';
}

/** Whether a custom role of `principal` holds a grant on `ns` or anything beneath it. */
function grantsBeneath(state: CatalogState, principal: Extract<Principal, { kind: 'user' }>, ns: Levels): boolean {
  for (const role of rolesIn(state, principal)) {
    for (const grant of state.roles.get(role)?.grants.values() ?? []) {
      const on = grant.on;
      if (on.kind !== 'catalog' && on.ns.length >= ns.length && ns.every((level, i) => on.ns[i] === level)) return true;
    }
  }
  return false;
}

/**
 * Which of a namespace's children a list shows. `all`: the caller holds the list privilege on
 * the parent (or above), or any privilege of the children's kind there; `forbidden`: it holds
 * nothing on or beneath the parent; otherwise only the children it holds something on (or,
 * for namespaces, beneath). Filtering before paging keeps pages full and tokens stable.
 */
export type ListFilter = { kind: 'all' } | { kind: 'forbidden' } | { kind: 'some'; shows(name: string): boolean };

export function listFilter(state: CatalogState, principal: Principal, kind: 'namespace' | 'table' | 'view', parent: Levels): ListFilter {
  if (principal.kind === 'anonymous') return { kind: 'all' };
  const onParent = privilegesOn(state, principal, parent.length === 0 ? { kind: 'catalog' } : { kind: 'namespace', ns: parent });
  const wholeKind = kind === 'namespace' ? bitOf('NAMESPACE_LIST') : kind === 'table' ? TABLE_PRIVILEGES : VIEW_PRIVILEGES;
  if (onParent & wholeKind) return { kind: 'all' };
  if (onParent === 0 && !grantsBeneath(state, principal, parent)) return { kind: 'forbidden' };
  switch (kind) {
    case 'namespace':
      return {
        kind: 'some',
        shows: (name) => {
          const ns = [...parent, name];
          return (privilegesOn(state, principal, { kind: 'namespace', ns }) & NAMESPACE_PRIVILEGES) !== 0 || grantsBeneath(state, principal, ns);
        },
      };
    case 'table':
    case 'view':
      return { kind: 'some', shows: entityGrantFilter(state, principal, kind, parent) };
  }
}

/**
 * Whether the caller holds something on a table (or view) of `parent`, when nothing it holds on
 * `parent` or above gives a privilege of that kind: then only grants on the entity itself can,
 * so each name costs one key and a lookup per custom role (a list of 10 000 stays in budget).
 */
function entityGrantFilter(state: CatalogState, principal: Extract<Principal, { kind: 'user' }>, kind: 'table' | 'view', parent: Levels): (name: string) => boolean {
  const ofKind = kind === 'table' ? TABLE_PRIVILEGES : VIEW_PRIVILEGES;
  const grantMaps = rolesIn(state, principal).flatMap((role) => {
    const grants = state.roles.get(role)?.grants;
    return grants && grants.size > 0 ? [grants] : [];
  });
  // the key of the entity named '' is the prefix of every entity key of `parent`
  const prefix = securableKey({ kind, ns: parent, name: '' });
  return (name) => {
    const key = prefix + name;
    for (const grants of grantMaps) {
      const grant = grants.get(key);
      if (grant && (maskOf(grant.privileges) & ofKind) !== 0) return true;
    }
    return false;
  };
}

/** The securable of a table or view by its identifier. */
export const tableSecurable = (ns: Levels, name: string): Securable => ({ kind: 'table', ns, name });
export const viewSecurable = (ns: Levels, name: string): Securable => ({ kind: 'view', ns, name });
export const namespaceSecurable = (ns: Levels): Securable => (ns.length === 0 ? { kind: 'catalog' } : { kind: 'namespace', ns });

/** A readable name for audit lines and errors: catalog, namespace a.b, table a.b.t, view a.b.v. */
export function describeSecurable(on: Securable): string {
  switch (on.kind) {
    case 'catalog':
      return 'catalog';
    case 'namespace':
      return `namespace ${on.ns.join('.')}`;
    case 'table':
    case 'view':
      return `${on.kind} ${[...on.ns, on.name].join('.')}`;
  }
}

/**
 * The check an operation makes before it decides: undefined when `req`'s principal holds
 * `privilege` on `on`, else the 403 to reject with. Notes the decision for the audit line.
 */
export function authorize(state: CatalogState, req: Pick<RequestContext, 'principal' | 'audit'>, privilege: Privilege, on: Securable): CatalogError | undefined {
  return decided(req, privilege, describeSecurable(on), allows(state, req.principal, privilege, on));
}

/**
 * Notes a decision for the audit line (a denial is never overwritten by a later allow) and
 * turns a refusal into its 403: the one place both happen, for checks and list filters alike.
 */
export function decided(req: Pick<RequestContext, 'principal' | 'audit'>, privilege: Privilege, resource: string, allowed: boolean): CatalogError | undefined {
  if (req.audit.decision !== 'deny') Object.assign(req.audit, { action: privilege, resource, decision: allowed ? 'allow' : 'deny' });
  if (allowed) return undefined;
  return errors.forbidden(req.principal.kind === 'user' ? req.principal.name : 'anonymous', privilege, resource);
}
