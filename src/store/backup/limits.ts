// Bounds on what a backup archive may contain. A validator reads archives from anywhere, so
// every member size, the member count and the trailing padding are capped before any byte
// is buffered: a hostile header claiming a 100 GiB member is refused at the header.
import { LOG_ENTRY_BYTES_MAX } from '../../config/index.js';

/** state.json and base.json: 1M tables at ~250 bytes each, with headroom */
export const STATE_MEMBER_BYTES_MAX = 1024 * 1024 * 1024;
/** MANIFEST.json and SHA256SUMS list every member: ~150 bytes per log entry */
export const LISTING_MEMBER_BYTES_MAX = 256 * 1024 * 1024;
export const IDENTITY_MEMBER_BYTES_MAX = 64 * 1024;
export const LOG_MEMBER_BYTES_MAX = LOG_ENTRY_BYTES_MAX;
/** checkpoint_interval is at most 1M, so the log since a checkpoint is too, plus fixed members */
export const ARCHIVE_LOG_ENTRIES_MAX = 1_000_000;
export const ARCHIVE_MEMBERS_MAX = ARCHIVE_LOG_ENTRIES_MAX + 8;
/** the sum of all member contents */
export const ARCHIVE_CONTENT_BYTES_MAX = 16 * 1024 * 1024 * 1024;
/** zero blocks after the end-of-archive marker (tar pads to records of up to 10 KiB; be generous) */
export const ARCHIVE_TRAILER_BYTES_MAX = 1024 * 1024;
/** parallel HEADs for --check-locations and parallel GETs of the log tail */
export const BACKUP_FETCH_PARALLEL_MAX = 16;

if (LISTING_MEMBER_BYTES_MAX < ARCHIVE_MEMBERS_MAX * 120) throw new Error('limits: member listing too small for the member count');
if (STATE_MEMBER_BYTES_MAX * 2 > ARCHIVE_CONTENT_BYTES_MAX) throw new Error('limits: archive smaller than its state members');
