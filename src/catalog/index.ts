export * from './errors.js';
export * from './names.js';
export * from './context.js';
export * from './pagination.js';
export * from './warehouse.js';
export * from './catalog.js';
export * as namespaces from './namespaces.js';
export * as tables from './tables.js';
