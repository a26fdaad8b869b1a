export * from './errors.js';
export * from './table/index.js';
export { withoutNullish } from './wire/index.js';
export * from './view/index.js';
export * from './metadata-files.js';
export * from './manifests.js';
export * from './scan/index.js';
