// Namespace operations. Nested namespaces require their parent to exist (a deliberate
// choice, like Lakekeeper's: listing by parent is then exact and drop can refuse non-empty).
import { CatalogError, errors } from './errors.js';
import { readBarrier } from './context.js';
import { commit, EMPTY, jsonReply, noop, read, refused, reject, type Operation } from './decision.js';
import { checkProperties, checkPropertiesGrowth } from './input-limits.js';
import { formatNamespace } from './names.js';
import { listJson, paginate, type PageRequest } from './pagination.js';
import { onNamespace, visible } from './guards.js';

export interface NamespaceResult {
  namespace: string[];
  properties: Record<string, string>;
}

const json = (value: unknown) => jsonReply(JSON.stringify(value));

export const listNamespaces = (parent: string[] | undefined, page: PageRequest): Operation =>
  read(async (ctx, req) => {
    await readBarrier(ctx, req.consistency);
    const state = ctx.store.state;
    const levels = parent ?? [];
    const children = visible(state, req, 'namespace', levels, state.childNamespaces(levels));
    if (children instanceof CatalogError) return reject(children);
    if (levels.length > 0 && !state.hasNamespace(levels)) return reject(errors.noSuchNamespace(levels));
    return noop(jsonReply(listJson('namespaces', paginate(children, page, (child) => [...levels, child]))));
  });

export const loadNamespace = (levels: string[]): Operation =>
  read(async (ctx, req) => {
    await readBarrier(ctx, req.consistency);
    const denied = onNamespace('NAMESPACE_READ_PROPERTIES', levels)(ctx.store.state, req);
    if (denied) return reject(denied);
    const record = ctx.store.state.namespaces.get(levels.join('\u001f'));
    if (!record) return reject(errors.noSuchNamespace(levels));
    return noop(json({ namespace: record.levels, properties: record.properties } satisfies NamespaceResult));
  });

export const namespaceExists = (levels: string[]): Operation =>
  read(async (ctx, req) => {
    await readBarrier(ctx, req.consistency);
    const denied = onNamespace('NAMESPACE_READ_PROPERTIES', levels)(ctx.store.state, req);
    if (denied) return reject(denied);
    return noop({ kind: 'empty', status: ctx.store.state.hasNamespace(levels) ? 204 : 404 });
  });

export function createNamespace(levels: string[], properties: Record<string, string>): Operation {
  const tooLarge = checkProperties(properties, 'namespace properties');
  if (tooLarge) return refused(tooLarge);
  return {
    kind: 'write',
    // on the parent, the catalog for a top-level namespace
    authorize: onNamespace('NAMESPACE_CREATE', levels.slice(0, -1)),
    async prepare(_ctx, state) {
      if (state.hasNamespace(levels)) return reject(errors.namespaceExists(levels));
      const parent = levels.slice(0, -1);
      if (parent.length > 0 && !state.hasNamespace(parent)) return reject(errors.noParentNamespace(parent));
      return commit([{ op: 'ns.create', ns: levels, properties }], json({ namespace: levels, properties } satisfies NamespaceResult));
    },
  };
}

export const dropNamespace = (levels: string[]): Operation => ({
  kind: 'write',
  authorize: onNamespace('NAMESPACE_DROP', levels),
  async prepare(_ctx, state) {
    if (!state.hasNamespace(levels)) return reject(errors.noSuchNamespace(levels));
    const tables = state.tableNames(levels).length;
    const views = state.viewNames(levels).length;
    const children = state.childNamespaces(levels).length;
    if (tables + views + children > 0) {
      return reject(new CatalogError(
        'NamespaceNotEmpty',
        `Namespace ${formatNamespace(levels)} is not empty. Contains ${tables} table(s), ${views} view(s) and ${children} namespace(s).`,
      ));
    }
    return commit([{ op: 'ns.drop', ns: levels }], EMPTY);
  },
});

export interface PropertiesUpdate {
  updated: string[];
  removed: string[];
  missing: string[];
}

export function updateNamespaceProperties(levels: string[], updates: Record<string, string>, removals: string[]): Operation {
  const tooLarge = checkProperties(updates, 'updates');
  if (tooLarge) return refused(tooLarge);
  const both = removals.filter((key) => Object.hasOwn(updates, key));
  if (both.length > 0) {
    return refused(new CatalogError('UnprocessableEntity', `Cannot update and remove the same properties: ${both.sort().join(', ')}`));
  }
  return {
    kind: 'write',
    authorize: onNamespace('NAMESPACE_WRITE_PROPERTIES', levels),
    async prepare(_ctx, state) {
      const record = state.namespaces.get(levels.join('\u001f'));
      if (!record) return reject(errors.noSuchNamespace(levels));
      const removed = removals.filter((key) => Object.hasOwn(record.properties, key));
      const missing = removals.filter((key) => !Object.hasOwn(record.properties, key));
      const result: PropertiesUpdate = { updated: Object.keys(updates), removed, missing };
      if (result.updated.length === 0 && removed.length === 0) return noop(json(result));
      const after: Record<string, string> = { ...record.properties, ...updates };
      for (const key of removed) delete after[key];
      const grown = checkPropertiesGrowth(record.properties, after, 'namespace properties');
      if (grown) return reject(grown);
      return commit([{ op: 'ns.setProperties', ns: levels, updates, removals: removed }], json(result));
    },
  };
}
