// Tables: metadata types and wire validators, the metadata file reader/writer, create, the
// builder that applies updates, and the commit requirements.
export * from './types.js';
export * from './metadata.js';
export * from './create.js';
export * from './updates.js';
export * from './requirements.js';
export { TABLE_UPDATE_ACTIONS, type TableUpdateAction } from './wire.js';
