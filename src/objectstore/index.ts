export * from './types.js';
export * from './url.js';
export * from './location.js';
export * from './open.js';
export { MemoryObjectStore } from './memory.js';
export { FileObjectStore } from './file.js';
export { PrefixedObjectStore } from './prefixed.js';
export { explainFailure, probeConditionalWrites, type ProbeResult } from './probe.js';
export { BackendError, type BackendFailure } from './errors.js';
