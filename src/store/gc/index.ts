export * from './boundary.js';
export * from './collector.js';
