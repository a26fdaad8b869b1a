export * from './settings.js';
export * from './load.js';
export * as limits from './limits.js';
