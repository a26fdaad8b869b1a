export * from './result.js';
export * from './assert.js';
export * from './clock.js';
export * from './rng.js';
export * from './clone.js';
export * from './duration.js';
export * from './suggest.js';
export * from './byte-lru.js';
