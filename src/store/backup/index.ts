// Backup, validate-backup and restore of a catalog store (docs/backup-and-restore.md).
export * from './format.js';
export * from './limits.js';
export { readSnapshot, type CatalogSnapshot, type SnapshotOutcome, type SnapshotTarget } from './snapshot.js';
export { buildMembers, writeArchive, openArchiveInput, stateCheckpoint, type ArchiveTarget, type WriteOutcome } from './archive.js';
export { validateArchive, checkMembers, type ValidBackup, type ValidateOutcome, type LocationCheck } from './validate.js';
export { restoreBackup, type RestoreOutcome, type RestoreOptions } from './restore.js';
export { readMembers, packMembers } from './tar.js';
