// validate-backup: the archive's structure, every checksum, the manifest, the state (parses,
// re-encodes to the same bytes, holds the catalog invariants) and, when the log is included,
// the replay of the chain from the base checkpoint to exactly the manifest's state.
import { STORE_FORMAT, sha256, type CatalogIdentity, type Checkpoint, type LogEntry } from '../layout.js';
import { CHECKPOINT_VERSION, encodeJson, ENTRY_VERSION } from '../layout.js';
import { CatalogState } from '../state.js';
import {
  BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BASE_MEMBER, IDENTITY_MEMBER, InvalidBackup, MANIFEST_MEMBER, STATE_MEMBER, SUMS_MEMBER, logMember,
  manifestSchema, memberKind, parseSums, type BackupManifest, type Member,
} from './format.js';
import { BACKUP_FETCH_PARALLEL_MAX } from '../../config/index.js';
import { invariantProblem, metadataLocations, parseCheckpointJson, replayEntry } from './replay.js';
import { readMembers } from './tar.js';

export interface ValidBackup {
  manifest: BackupManifest;
  identityBytes: Buffer;
  identity: CatalogIdentity;
  /** the state at manifest.seq, as restore writes it */
  checkpoint: Checkpoint;
  memberCount: number;
  locationsChecked: number;
}

export type LocationCheck = (location: string) => Promise<'found' | 'missing' | { unknown: string }>;

export type ValidateOutcome = { kind: 'valid'; backup: ValidBackup } | { kind: 'invalid'; problem: string };

export interface ValidateOptions {
  /** when given, every table and view metadata-location must exist */
  checkLocation?: LocationCheck;
}

export async function validateArchive(source: AsyncIterable<Buffer>, options: ValidateOptions = {}): Promise<ValidateOutcome> {
  try {
    const members = await readMembers(source);
    const backup = checkMembers(members);
    if (options.checkLocation) backup.locationsChecked = await checkLocations(backup.checkpoint, options.checkLocation);
    return { kind: 'valid', backup };
  } catch (error) {
    if (error instanceof InvalidBackup) return { kind: 'invalid', problem: error.message };
    throw error;
  }
}

/** Everything but the locations: pure, in memory. Throws InvalidBackup. */
export function checkMembers(members: Member[]): ValidBackup {
  const byName = new Map(members.map((m) => [m.name, m.bytes]));
  checkSums(members, byName);
  const manifest = parseManifest(byName.get(MANIFEST_MEMBER)!);
  checkListedFiles(manifest, members);

  const identityBytes = required(byName, IDENTITY_MEMBER);
  const identity = parseIdentity(identityBytes);
  if (identity.catalogId !== manifest.catalogId) throw new InvalidBackup(`${IDENTITY_MEMBER} is catalog ${identity.catalogId}, the manifest says ${manifest.catalogId}`);

  const { built: _built, ...checkpoint } = parseStateMember(STATE_MEMBER, required(byName, STATE_MEMBER), manifest.catalogId);
  if (checkpoint.seq !== manifest.seq) throw new InvalidBackup(`${STATE_MEMBER} is at seq ${checkpoint.seq}, the manifest says ${manifest.seq}`);
  if (checkpoint.entryHash !== manifest.entryHash) throw new InvalidBackup(`${STATE_MEMBER} entry hash differs from the manifest's`);
  if (checkpoint.ts !== manifest.entryTs) throw new InvalidBackup(`${STATE_MEMBER} timestamp differs from the manifest's`);
  if (manifest.seq === 0 && manifest.entryHash !== sha256(identityBytes)) {
    throw new InvalidBackup(`a backup at seq 0 must chain on ${IDENTITY_MEMBER}, but the entry hash differs`);
  }
  // the state is canonical and duplicate-free by now, so list lengths are the counts
  const st = checkpoint.state;
  const counts = { namespaces: st.namespaces.length, tables: st.tables.length, views: st.views.length, idempotencyRecords: st.idempotency.length, pendingPurges: st.purges.length };
  for (const [key, value] of Object.entries(counts) as [keyof typeof counts, number][]) {
    if (manifest.counts[key] !== value) throw new InvalidBackup(`the manifest counts ${manifest.counts[key]} ${key}, ${STATE_MEMBER} has ${value}`);
  }
  if (manifest.log.included) {
    checkLog(manifest, byName, checkpoint, identityBytes);
  } else {
    if (byName.has(BASE_MEMBER) || members.some((m) => memberKind(m.name) === 'log')) throw new InvalidBackup('log members present but the manifest says the log is not included');
    if (manifest.counts.logEntries !== 0) throw new InvalidBackup('the manifest counts log entries but includes no log');
  }
  return { manifest, identityBytes, identity, checkpoint, memberCount: members.length, locationsChecked: 0 };
}

/** SHA256SUMS is the last member and lists every other member, in order, with its hash. */
function checkSums(members: Member[], byName: Map<string, Buffer>): void {
  const last = members[members.length - 1];
  if (!last || last.name !== SUMS_MEMBER) throw new InvalidBackup(`${SUMS_MEMBER} is missing or not the last member`);
  if (members[0]?.name !== MANIFEST_MEMBER) throw new InvalidBackup(`${MANIFEST_MEMBER} is missing or not the first member`);
  const lines = parseSums(last.bytes);
  const listed = new Set(lines.map((l) => l.name));
  for (const m of members.slice(0, -1)) {
    if (!listed.has(m.name)) throw new InvalidBackup(`member ${m.name} is not listed in ${SUMS_MEMBER}`);
  }
  lines.forEach((line, i) => {
    const bytes = byName.get(line.name);
    if (!bytes || line.name === SUMS_MEMBER) throw new InvalidBackup(`${SUMS_MEMBER} lists ${line.name}, which is not in the archive`);
    if (sha256(bytes) !== line.sha256) throw new InvalidBackup(`checksum mismatch for ${line.name}`);
    if (members[i]!.name !== line.name) throw new InvalidBackup(`${SUMS_MEMBER} line ${i + 1} is out of archive order`);
  });
  if (lines.length !== members.length - 1) throw new InvalidBackup(`${SUMS_MEMBER} lists ${lines.length} members, the archive has ${members.length - 1}`);
}

function parseManifest(bytes: Buffer): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidBackup(`${MANIFEST_MEMBER} is not valid JSON (${(error as Error).message})`);
  }
  const header = raw as { format?: unknown; formatVersion?: unknown } | null;
  if (header?.format !== BACKUP_FORMAT) throw new InvalidBackup(`${MANIFEST_MEMBER} is not a Floe backup manifest (format ${JSON.stringify(header?.format)})`);
  if (typeof header.formatVersion === 'number' && header.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new InvalidBackup(`the backup has format version ${header.formatVersion}; this Floe reads up to ${BACKUP_FORMAT_VERSION}: use a newer floe`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidBackup(`${MANIFEST_MEMBER} is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (parsed.data.formatVersion !== BACKUP_FORMAT_VERSION) throw new InvalidBackup(`unsupported backup format version ${parsed.data.formatVersion}`);
  // the manifest is written in one canonical form; anything else was edited
  if (!bytes.equals(Buffer.from(JSON.stringify(raw, null, 2) + '\n'))) throw new InvalidBackup(`${MANIFEST_MEMBER} is not in canonical form`);
  return parsed.data;
}

/** The manifest lists exactly the content members (all but itself and SHA256SUMS), in order. */
function checkListedFiles(manifest: BackupManifest, members: Member[]): void {
  const content = members.slice(1, -1);
  if (manifest.files.length !== content.length) throw new InvalidBackup(`the manifest lists ${manifest.files.length} files, the archive has ${content.length}`);
  manifest.files.forEach((file, i) => {
    const member = content[i]!;
    if (file.name !== member.name) throw new InvalidBackup(`the manifest lists ${file.name} where the archive has ${member.name}`);
    if (file.size !== member.bytes.length) throw new InvalidBackup(`size mismatch for ${file.name}`);
    if (file.sha256 !== sha256(member.bytes)) throw new InvalidBackup(`checksum mismatch for ${file.name} (manifest)`);
  });
}

function parseIdentity(bytes: Buffer): CatalogIdentity {
  try {
    const identity = JSON.parse(bytes.toString('utf8')) as CatalogIdentity;
    if (identity?.format === STORE_FORMAT && typeof identity.catalogId === 'string') return identity;
  } catch {
    // reported below
  }
  throw new InvalidBackup(`${IDENTITY_MEMBER} is not a Floe catalog identity`);
}

/** Parses a checkpoint-shaped member, checks its invariants and that it re-encodes to the same bytes. */
function parseStateMember(name: string, bytes: Buffer, catalogId: string): Checkpoint & { built: CatalogState } {
  const parsed = parseCheckpointJson(bytes);
  if (typeof parsed === 'string') throw new InvalidBackup(`${name} ${parsed}`);
  if (parsed.catalogId !== catalogId) throw new InvalidBackup(`${name} belongs to catalog ${parsed.catalogId}, not ${catalogId}`);
  const broken = invariantProblem(parsed.state);
  if (broken) throw new InvalidBackup(`${name} breaks a catalog invariant: ${broken}`);
  const built = CatalogState.fromSnapshot(parsed.state);
  const canonical = encodeJson({ ...parsed, state: built.toSnapshot() });
  if (!canonical.equals(bytes)) throw new InvalidBackup(`${name} does not re-hash: its state is not in canonical order or form`);
  return Object.assign(parsed, { built });
}

function checkLog(manifest: BackupManifest, byName: Map<string, Buffer>, target: Checkpoint, identityBytes: Buffer): void {
  const base = parseStateMember(BASE_MEMBER, required(byName, BASE_MEMBER), manifest.catalogId);
  if (base.v !== CHECKPOINT_VERSION) throw new InvalidBackup(`${BASE_MEMBER} has an unknown version`);
  if (base.seq !== manifest.log.baseSeq) throw new InvalidBackup(`${BASE_MEMBER} is at seq ${base.seq}, the manifest says ${manifest.log.baseSeq}`);
  if (base.seq > manifest.seq) throw new InvalidBackup(`${BASE_MEMBER} is after the backup's seq`);
  if (base.seq === 0 && base.entryHash !== sha256(identityBytes)) throw new InvalidBackup(`${BASE_MEMBER} at seq 0 must chain on ${IDENTITY_MEMBER}`);
  const entryCount = manifest.seq - base.seq;
  if (manifest.counts.logEntries !== entryCount) throw new InvalidBackup(`the manifest counts ${manifest.counts.logEntries} log entries, seq ${base.seq + 1}..${manifest.seq} needs ${entryCount}`);
  const state = base.built; // built from the base member and not used elsewhere: replay onto it
  let hash = base.entryHash;
  let ts = base.ts;
  for (let seq = base.seq + 1; seq <= manifest.seq; seq++) {
    const name = logMember(seq);
    const bytes = required(byName, name);
    const entry = parseEntry(name, bytes);
    if (entry.seq !== seq) throw new InvalidBackup(`${name} says seq ${entry.seq}`);
    if (entry.prev !== hash) throw new InvalidBackup(`broken chain at ${name}: prev is not the hash of the entry before it`);
    let why: string | undefined;
    try {
      why = replayEntry(state, entry);
    } catch {
      // effects are unvalidated JSON here: a malformed one fails inside the state's methods
      why = 'a malformed effect';
    }
    if (why) throw new InvalidBackup(`${name} does not apply to the replayed state (${why})`);
    hash = sha256(bytes);
    ts = entry.ts;
  }
  if (hash !== manifest.entryHash) throw new InvalidBackup(`the replayed chain ends at a different entry hash than the manifest's`);
  if (ts !== target.ts) throw new InvalidBackup(`the replayed chain ends at a different timestamp than ${STATE_MEMBER}`);
  if (!encodeJson(state.toSnapshot()).equals(encodeJson(target.state))) {
    throw new InvalidBackup(`replaying the log from ${BASE_MEMBER} does not reproduce ${STATE_MEMBER}`);
  }
}

function parseEntry(name: string, bytes: Buffer): LogEntry {
  let entry: LogEntry;
  try {
    entry = JSON.parse(bytes.toString('utf8')) as LogEntry;
  } catch {
    // not swallowed: reported as an invalid backup naming the member
    throw new InvalidBackup(`${name} is not valid JSON`);
  }
  if (
    typeof entry !== 'object' || entry === null || entry.v !== ENTRY_VERSION || !Number.isSafeInteger(entry.seq) ||
    typeof entry.prev !== 'string' || !Number.isFinite(entry.ts) || !Array.isArray(entry.txns)
  ) {
    throw new InvalidBackup(`${name} is malformed or of an unknown version`);
  }
  return entry;
}

function required(byName: Map<string, Buffer>, name: string): Buffer {
  const bytes = byName.get(name);
  if (!bytes) throw new InvalidBackup(`member ${name} is missing`);
  return bytes;
}

async function checkLocations(checkpoint: Checkpoint, check: LocationCheck): Promise<number> {
  const locations = metadataLocations(checkpoint.state);
  for (let i = 0; i < locations.length; i += BACKUP_FETCH_PARALLEL_MAX) {
    const window = locations.slice(i, i + BACKUP_FETCH_PARALLEL_MAX);
    const results = await Promise.all(window.map((l) => check(l)));
    results.forEach((result, j) => {
      if (result === 'missing') throw new InvalidBackup(`metadata-location ${window[j]} does not exist`);
      if (result !== 'found') throw new InvalidBackup(`cannot check metadata-location ${window[j]}: ${result.unknown}`);
    });
  }
  return locations.length;
}
