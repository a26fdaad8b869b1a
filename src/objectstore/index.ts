export * from './types.js';
export * from './url.js';
export * from './open.js';
export { MemoryObjectStore } from './memory.js';
export { FileObjectStore } from './file.js';
export { PrefixedObjectStore } from './prefixed.js';
