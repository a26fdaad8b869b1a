// The backup archive format (docs/backup-and-restore.md): fixed member names, a manifest
// that lists every content member with its size and sha256, and a SHA256SUMS that
// `sha256sum -c` accepts. Names are matched against this closed list and never used as paths.
import { z } from 'zod';
import { pad } from '../layout.js';

export const BACKUP_FORMAT = 'floe-backup';
export const BACKUP_FORMAT_VERSION = 1;

export const MANIFEST_MEMBER = 'MANIFEST.json';
export const IDENTITY_MEMBER = 'catalog.json';
export const STATE_MEMBER = 'state.json';
export const BASE_MEMBER = 'base.json';
export const SUMS_MEMBER = 'SHA256SUMS';
export const LOG_MEMBER_DIR = 'log/';

export const logMember = (seq: number): string => `${LOG_MEMBER_DIR}${pad(seq)}.json`;
const LOG_MEMBER_PATTERN = /^log\/(\d{20})\.json$/;

export type MemberKind = 'manifest' | 'identity' | 'state' | 'base' | 'sums' | 'log';

/** The kind of a member name, or undefined for any name this format does not have. */
export function memberKind(name: string): MemberKind | undefined {
  switch (name) {
    case MANIFEST_MEMBER:
      return 'manifest';
    case IDENTITY_MEMBER:
      return 'identity';
    case STATE_MEMBER:
      return 'state';
    case BASE_MEMBER:
      return 'base';
    case SUMS_MEMBER:
      return 'sums';
    default:
      return LOG_MEMBER_PATTERN.test(name) ? 'log' : undefined;
  }
}

export function seqOfLogMember(name: string): number | undefined {
  const match = LOG_MEMBER_PATTERN.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Why an archive is not a valid backup; the message names the first problem found. */
export class InvalidBackup extends Error {
  override name = 'InvalidBackup';
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const seqNumber = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const countNumber = z.number().int().min(0);

export const manifestSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().min(1),
  createdAt: z.string().datetime(),
  tool: z.string(),
  source: z.strictObject({
    catalogId: z.string().min(1),
    storage: z.string(),
  }),
  catalogId: z.string().min(1),
  seq: seqNumber,
  entryHash: sha256Hex,
  entryTs: z.number().int().min(0),
  log: z.strictObject({
    included: z.boolean(),
    /** the checkpoint the log is replayed from (0: the empty catalog) */
    baseSeq: seqNumber,
  }),
  counts: z.strictObject({
    namespaces: countNumber,
    tables: countNumber,
    views: countNumber,
    idempotencyRecords: countNumber,
    pendingPurges: countNumber,
    logEntries: countNumber,
  }),
  files: z.array(z.strictObject({ name: z.string(), size: countNumber, sha256: sha256Hex })),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export interface Member {
  name: string;
  bytes: Buffer;
}

/** `sha256sum` text mode: "<hex>  <name>\n" per member, in archive order. */
export function encodeSums(entries: { name: string; sha256: string }[]): Buffer {
  return Buffer.from(entries.map((e) => `${e.sha256}  ${e.name}\n`).join(''), 'utf8');
}

/** Parses SHA256SUMS strictly: exactly the form encodeSums writes, nothing else. */
export function parseSums(bytes: Buffer): { name: string; sha256: string }[] {
  const text = bytes.toString('utf8');
  if (!text.endsWith('\n')) throw new InvalidBackup(`${SUMS_MEMBER} does not end with a newline`);
  const lines = text.slice(0, -1).split('\n');
  return lines.map((line, i) => {
    const match = /^([0-9a-f]{64}) {2}([A-Za-z0-9._/]+)$/.exec(line);
    if (!match) throw new InvalidBackup(`${SUMS_MEMBER} line ${i + 1} is malformed: ${JSON.stringify(line.slice(0, 120))}`);
    return { sha256: match[1]!, name: match[2]! };
  });
}
