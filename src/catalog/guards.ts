// The checks operations make (docs/security.md has the table of which operation needs what),
// built on access.ts. Each is a function of the state the operation decides on and the caller,
// so a read checks after its read barrier and a write inside every prepare (a revoke takes
// effect on the next request, on every replica).
import type { CatalogState, Levels, Privilege } from '../store/index.js';
import { authorize, decided, describeSecurable, listFilter, namespaceSecurable, tableSecurable, viewSecurable } from './access.js';
import type { Asker, Authorize } from './decision.js';
import type { CatalogError } from './errors.js';
import type { Identifier } from './names.js';

/** `privilege` on a namespace (the catalog for the top level, []). */
export const onNamespace = (privilege: Privilege, levels: Levels): Authorize => (state, req) =>
  authorize(state, req, privilege, namespaceSecurable(levels));

export const onTable = (privilege: Privilege, id: Identifier): Authorize => (state, req) =>
  authorize(state, req, privilege, tableSecurable(id.namespace, id.name));

export const onView = (privilege: Privilege, id: Identifier): Authorize => (state, req) =>
  authorize(state, req, privilege, viewSecurable(id.namespace, id.name));

/** Every check in turn; the first refusal refuses. */
export const allOf = (...checks: Authorize[]): Authorize => (state, req) => {
  for (const check of checks) {
    const denied = check(state, req);
    if (denied) return denied;
  }
  return undefined;
};

/** A check bound to its caller, for helpers that decide after their own read barrier. */
export type Check = (state: CatalogState) => CatalogError | undefined;

export const bind = (check: Authorize, req: Asker): Check => (state) => check(state, req);

const LIST_PRIVILEGE = { namespace: 'NAMESPACE_LIST', table: 'TABLE_LIST', view: 'VIEW_LIST' } as const satisfies Record<string, Privilege>;

/**
 * The names of a namespace's children the caller may see, in their order (filtered before
 * paging, so pages stay full and page tokens valid), or the 403 when it holds nothing on or
 * beneath the namespace. Notes the decision for the audit line.
 */
export function visible(
  state: CatalogState,
  req: Asker,
  kind: 'namespace' | 'table' | 'view',
  parent: Levels,
  names: string[],
): string[] | CatalogError {
  const filter = listFilter(state, req.principal, kind, parent);
  const denied = decided(req, LIST_PRIVILEGE[kind], describeSecurable(namespaceSecurable(parent)), filter.kind !== 'forbidden');
  if (denied) return denied;
  return filter.kind === 'some' ? names.filter((name) => filter.shows(name)) : names;
}
