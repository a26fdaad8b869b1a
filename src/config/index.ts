export * from './settings.js';
export * from './load.js';
export * as limits from './limits.js';
// the bounds by name too, so layers above import them through this index
export * from './limits.js';
