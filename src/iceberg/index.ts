export * from './errors.js';
export * from './table-metadata.js';
export * from './table-create.js';
export * from './table-updates.js';
export * from './requirements.js';
export * from './metadata-files.js';
export * from './view-metadata.js';
export * from './manifests.js';
