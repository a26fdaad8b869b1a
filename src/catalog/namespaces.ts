// Namespace operations. Nested namespaces require their parent to exist (a deliberate
// choice, like Lakekeeper's: listing by parent is then exact and drop can refuse non-empty).
import { CatalogError } from './errors.js';
import { commit, readBarrier, type CatalogContext } from './context.js';
import { checkProperties, checkPropertiesGrowth } from './input-limits.js';
import { formatNamespace } from './names.js';
import { paginate, type Page, type PageRequest } from './pagination.js';

export interface NamespaceResult {
  namespace: string[];
  properties: Record<string, string>;
}

const noSuchNamespace = (levels: string[]) =>
  new CatalogError('NoSuchNamespace', `Namespace does not exist: ${formatNamespace(levels)}`);

export async function listNamespaces(ctx: CatalogContext, parent: string[] | undefined, page: PageRequest): Promise<Page<string[]>> {
  await readBarrier(ctx);
  const state = ctx.store.state;
  const levels = parent ?? [];
  if (levels.length > 0 && !state.hasNamespace(levels)) throw noSuchNamespace(levels);
  return paginate(state.childNamespaces(levels), page, (child) => [...levels, child]);
}

export async function loadNamespace(ctx: CatalogContext, levels: string[]): Promise<NamespaceResult> {
  await readBarrier(ctx);
  const record = ctx.store.state.namespaces.get(levels.join('\u001f'));
  if (!record) throw noSuchNamespace(levels);
  return { namespace: record.levels, properties: record.properties };
}

export async function namespaceExists(ctx: CatalogContext, levels: string[]): Promise<boolean> {
  await readBarrier(ctx);
  return ctx.store.state.hasNamespace(levels);
}

export function createNamespace(ctx: CatalogContext, levels: string[], properties: Record<string, string>): Promise<NamespaceResult> {
  checkProperties(properties, 'namespace properties');
  return commit(ctx, async (state) => {
    if (state.hasNamespace(levels)) {
      return { kind: 'reject', error: new CatalogError('AlreadyExists', `Namespace already exists: ${formatNamespace(levels)}`) };
    }
    const parent = levels.slice(0, -1);
    if (parent.length > 0 && !state.hasNamespace(parent)) {
      // the spec declares no 404 for createNamespace: a missing parent is a bad request
      const message = `Namespace does not exist: ${formatNamespace(parent)} (create the parent namespace first)`;
      return { kind: 'reject', error: new CatalogError('BadRequest', message) };
    }
    return {
      kind: 'txn',
      effects: [{ op: 'ns.create', ns: levels, properties }],
      result: { namespace: levels, properties },
    };
  });
}

export function dropNamespace(ctx: CatalogContext, levels: string[]): Promise<void> {
  return commit(ctx, async (state) => {
    if (!state.hasNamespace(levels)) return { kind: 'reject', error: noSuchNamespace(levels) };
    const tables = state.tableNames(levels).length;
    const views = state.viewNames(levels).length;
    const children = state.childNamespaces(levels).length;
    if (tables + views + children > 0) {
      const error = new CatalogError(
        'NamespaceNotEmpty',
        `Namespace ${formatNamespace(levels)} is not empty. Contains ${tables} table(s), ${views} view(s) and ${children} namespace(s).`,
      );
      return { kind: 'reject', error };
    }
    return { kind: 'txn', effects: [{ op: 'ns.drop', ns: levels }], result: undefined };
  });
}

export interface PropertiesUpdate {
  updated: string[];
  removed: string[];
  missing: string[];
}

export function updateNamespaceProperties(
  ctx: CatalogContext,
  levels: string[],
  updates: Record<string, string>,
  removals: string[],
): Promise<PropertiesUpdate> {
  checkProperties(updates, 'updates');
  const both = removals.filter((key) => Object.hasOwn(updates, key));
  if (both.length > 0) {
    return Promise.reject(
      new CatalogError('UnprocessableEntity', `Cannot update and remove the same properties: ${both.sort().join(', ')}`),
    );
  }
  return commit(ctx, async (state) => {
    const record = state.namespaces.get(levels.join('\u001f'));
    if (!record) return { kind: 'reject', error: noSuchNamespace(levels) };
    const removed = removals.filter((key) => Object.hasOwn(record.properties, key));
    const missing = removals.filter((key) => !Object.hasOwn(record.properties, key));
    const result = { updated: Object.keys(updates), removed, missing };
    if (result.updated.length === 0 && removed.length === 0) return { kind: 'noop', result };
    const after: Record<string, string> = { ...record.properties, ...updates };
    for (const key of removed) delete after[key];
    checkPropertiesGrowth(record.properties, after, 'namespace properties');
    return { kind: 'txn', effects: [{ op: 'ns.setProperties', ns: levels, updates, removals: removed }], result };
  });
}
