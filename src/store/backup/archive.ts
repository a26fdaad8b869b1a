// Builds a backup archive from a snapshot and streams it to a file (never overwriting), to
// stdout, or to an object store key (create-if-absent). The members are built in memory —
// the state already is — so the manifest, which comes first, can list every member's sha256.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ObjectStore } from '../../objectstore/index.js';
import { CHECKPOINT_VERSION, encodeJson, sha256, type Checkpoint } from '../layout.js';
import {
  BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BASE_MEMBER, IDENTITY_MEMBER, MANIFEST_MEMBER, STATE_MEMBER, SUMS_MEMBER, encodeSums, logMember,
  type BackupManifest, type Member,
} from './format.js';
import type { CatalogSnapshot } from './snapshot.js';
import { packMembers } from './tar.js';

export interface ArchiveOptions {
  withLog: boolean;
  createdAt: Date;
  /** e.g. "floe 0.1.0", recorded in the manifest */
  tool: string;
}

/** The state member: a checkpoint (uncompressed), so restore writes it back as one. */
export function stateCheckpoint(snapshot: CatalogSnapshot): Checkpoint {
  return {
    v: CHECKPOINT_VERSION,
    catalogId: snapshot.identity.catalogId,
    seq: snapshot.seq,
    entryHash: snapshot.entryHash,
    ts: snapshot.entryTs,
    state: snapshot.state.toSnapshot(),
  };
}

export function buildMembers(snapshot: CatalogSnapshot, options: ArchiveOptions): { manifest: BackupManifest; members: Member[] } {
  const checkpoint = stateCheckpoint(snapshot);
  const content: Member[] = [
    { name: IDENTITY_MEMBER, bytes: snapshot.identityBytes },
    { name: STATE_MEMBER, bytes: encodeJson(checkpoint) },
  ];
  if (options.withLog) {
    content.push({ name: BASE_MEMBER, bytes: encodeJson(snapshot.base) });
    for (const e of snapshot.entries) content.push({ name: logMember(e.seq), bytes: e.bytes });
  }
  const counts = snapshot.state.counts();
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    createdAt: options.createdAt.toISOString(),
    tool: options.tool,
    source: { catalogId: snapshot.identity.catalogId, storage: snapshot.storage },
    catalogId: snapshot.identity.catalogId,
    seq: snapshot.seq,
    entryHash: snapshot.entryHash,
    entryTs: snapshot.entryTs,
    log: { included: options.withLog, baseSeq: snapshot.base.seq },
    counts: { ...counts, logEntries: options.withLog ? snapshot.entries.length : 0 },
    files: content.map((m) => ({ name: m.name, size: m.bytes.length, sha256: sha256(m.bytes) })),
  };
  const manifestMember: Member = { name: MANIFEST_MEMBER, bytes: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') };
  const listed = [manifestMember, ...content];
  const sums: Member = { name: SUMS_MEMBER, bytes: encodeSums(listed.map((m) => ({ name: m.name, sha256: sha256(m.bytes) }))) };
  return { manifest, members: [...listed, sums] };
}

export interface ArchiveWritten {
  bytes: number;
  sha256: string;
}

export type ArchiveProgress = (bytesWritten: number) => void;

/** The archive's byte stream: tar, gzipped when asked, counted and hashed as it passes. */
function archiveStream(members: Member[], options: { gzip: boolean; mtime: Date; onProgress?: ArchiveProgress }): { stream: Readable; written: () => ArchiveWritten; counter: Transform } {
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onProgress?.(bytes);
      done(null, chunk);
    },
  });
  const tar = packMembers(members, options.mtime);
  // gzip level 6 with Node's zero mtime: equal archives compress to equal bytes
  const stream = options.gzip ? tar.pipe(createGzip({ level: 6 })) : tar;
  let digest: string | undefined;
  // call only once the stream has ended: the digest closes the hash
  return { stream, counter, written: () => ({ bytes, sha256: (digest ??= hash.digest('hex')) }) };
}

export type ArchiveTarget =
  | { kind: 'file'; path: string }
  | { kind: 'stream'; stream: Writable }
  | { kind: 'object'; objects: ObjectStore; key: string };

export type WriteOutcome = { kind: 'written'; written: ArchiveWritten } | { kind: 'exists'; where: string };

/**
 * Writes the archive. A file is written under a temporary name next to it and then hard-linked
 * into place, so the final name never exists half-written and an existing file (even one that
 * appears meanwhile) is never replaced.
 */
export async function writeArchive(
  members: Member[],
  target: ArchiveTarget,
  options: { gzip: boolean; mtime: Date; onProgress?: ArchiveProgress; seal?: (archive: Buffer) => Promise<Buffer> },
): Promise<WriteOutcome> {
  const built = archiveStream(members, options);
  const { counter, written } = built;
  let stream = built.stream;
  if (options.seal) {
    // sealed as a whole (one GCM tag): the members are in memory already, the archive joins them
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    stream = Readable.from([await options.seal(Buffer.concat(chunks))]);
  }
  switch (target.kind) {
    case 'stream':
      await pipeline(stream, counter, target.stream, { end: false });
      return { kind: 'written', written: written() };
    case 'file':
      return writeFileNoClobber(stream, counter, target.path, written);
    case 'object': {
      const chunks: Buffer[] = [];
      for await (const chunk of stream.pipe(counter)) chunks.push(chunk as Buffer);
      const created = await target.objects.putIfAbsent(target.key, Buffer.concat(chunks));
      if (created.kind === 'exists') return { kind: 'exists', where: `${target.objects.displayUrl}/${target.key}` };
      if (created.kind === 'unknown') throw new Error(`cannot write ${target.objects.displayUrl}/${target.key}: ${created.cause.message}`);
      return { kind: 'written', written: written() };
    }
  }
}

async function writeFileNoClobber(stream: Readable, counter: Transform, path: string, written: () => ArchiveWritten): Promise<WriteOutcome> {
  const temp = join(dirname(path), `.${basename(path)}.partial-${randomBytes(6).toString('hex')}`);
  try {
    // 'wx': the temporary name is ours alone; flush: fsync before close, durable before it gets its final name
    await pipeline(stream, counter, createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }));
  } catch (error) {
    // the write's error is the one to report; a partial file left behind has a hidden temp name
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  try {
    await link(temp, path);
  } catch (error) {
    // as above: the link's outcome is the answer, the temp file only clutter
    await unlink(temp).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { kind: 'exists', where: path };
    throw error;
  }
  await unlink(temp);
  return { kind: 'written', written: written() };
}

/** Opens an archive for reading: a file path, or '-' for stdin. */
export function openArchiveInput(path: string): AsyncIterable<Buffer> {
  return path === '-' ? process.stdin : createReadStream(path);
}
