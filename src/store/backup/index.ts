// Backup, validate-backup and restore of a catalog store (docs/backup-and-restore.md).
export * from './format.js';
// the archive bounds live with every other bound; exported here too, as before
export {
  STATE_MEMBER_BYTES_MAX, LISTING_MEMBER_BYTES_MAX, IDENTITY_MEMBER_BYTES_MAX, LOG_MEMBER_BYTES_MAX, ARCHIVE_LOG_ENTRIES_MAX,
  ARCHIVE_MEMBERS_MAX, ARCHIVE_CONTENT_BYTES_MAX, ARCHIVE_TRAILER_BYTES_MAX, BACKUP_FETCH_PARALLEL_MAX,
} from '../../config/index.js';
export { readSnapshot, type CatalogSnapshot, type SnapshotOutcome, type SnapshotTarget } from './snapshot.js';
export { buildMembers, writeArchive, openArchiveInput, stateCheckpoint, type ArchiveTarget, type WriteOutcome } from './archive.js';
export { validateArchive, checkMembers, type ValidBackup, type ValidateOutcome, type LocationCheck } from './validate.js';
export { restoreBackup, type RestoreOutcome, type RestoreOptions } from './restore.js';
export { readMembers, packMembers } from './tar.js';
