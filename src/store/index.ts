export * from './effects.js';
export * from './errors.js';
export * from './state.js';
export * from './layout.js';
export * from './catalog-store.js';
export * from './hint.js';
export * from './gc/index.js';
export * from './encryption/index.js';
