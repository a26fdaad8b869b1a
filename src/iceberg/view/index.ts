// Views: metadata types and wire validators, the metadata file reader/writer, create, the
// builder that applies updates, and the commit requirements.
export type { SqlViewRepresentation, ViewHistoryEntry, ViewMetadata, ViewSchema, ViewSchemaField, ViewVersion } from './wire.js';
export { parseViewMetadata, viewMetadataToJson } from './metadata.js';
export { newViewMetadata } from './create.js';
export { applyViewUpdates } from './updates.js';
export { checkViewRequirements } from './requirements.js';
