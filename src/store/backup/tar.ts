// Tar in and out. Writing goes through tar-stream's pack. Reading is our own strict ustar
// parser over the byte stream, in memory: members are never written to disk, their names are
// only matched against the format's closed list, sizes are capped before anything is buffered,
// and every byte of the archive is accounted for (header checksums in the exact form our
// writer emits, zero padding, zero trailer), so any single flipped byte is noticed.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { InvalidBackup, memberKind, type Member, type MemberKind } from './format.js';
import {
  ARCHIVE_CONTENT_BYTES_MAX, ARCHIVE_MEMBERS_MAX, ARCHIVE_TRAILER_BYTES_MAX, IDENTITY_MEMBER_BYTES_MAX, LISTING_MEMBER_BYTES_MAX,
  LOG_MEMBER_BYTES_MAX, STATE_MEMBER_BYTES_MAX,
} from '../../config/index.js';

const BLOCK = 512;
const END_OF_ARCHIVE_BYTES = 2 * BLOCK;
const MEMBER_MODE = 0o644;

const MEMBER_BYTES_MAX: Record<MemberKind, number> = {
  manifest: LISTING_MEMBER_BYTES_MAX,
  sums: LISTING_MEMBER_BYTES_MAX,
  identity: IDENTITY_MEMBER_BYTES_MAX,
  state: STATE_MEMBER_BYTES_MAX,
  base: STATE_MEMBER_BYTES_MAX,
  log: LOG_MEMBER_BYTES_MAX,
};

/** A tar stream of `members` as plain files, all stamped with `mtime`. */
export function packMembers(members: Member[], mtime: Date): Readable {
  const tar = pack();
  // entries are queued synchronously; tar-stream writes them in order as the reader pulls
  for (const m of members) {
    tar.entry({ name: m.name, size: m.bytes.length, mode: MEMBER_MODE, mtime, uid: 0, gid: 0, type: 'file' }, m.bytes);
  }
  tar.finalize();
  // tar-stream 3 streams are streamx streams; wrap so Node's pipeline and zlib see a real Readable
  return Readable.from(tar as AsyncIterable<Buffer>, { objectMode: false });
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Reads every member of a (possibly gzipped, detected by magic bytes) archive into memory.
 * Throws InvalidBackup naming the first structural problem.
 */
export async function readMembers(source: AsyncIterable<Buffer>): Promise<Member[]> {
  const parser = new StrictTarParser();
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new InvalidBackup('the archive is empty');
  const head: Buffer = first.value;
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
  const raw = Readable.from(prepend(head, rest));
  if (head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    const gunzip = createGunzip();
    raw.on('error', (error) => gunzip.destroy(error));
    raw.pipe(gunzip);
    try {
      for await (const chunk of gunzip) parser.push(chunk as Buffer);
    } catch (error) {
      if (error instanceof InvalidBackup) throw error;
      throw new InvalidBackup(`the gzip stream is corrupt or truncated: ${(error as Error).message}`);
    } finally {
      raw.destroy();
      gunzip.destroy();
    }
  } else {
    for await (const chunk of raw) parser.push(chunk as Buffer);
  }
  return parser.end();
}

async function* prepend(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  for await (const chunk of rest) yield chunk;
}

type ParserState =
  | { kind: 'header' }
  | { kind: 'content'; name: string; body: Buffer; filled: number; paddingLeft: number }
  | { kind: 'padding'; left: number }
  | { kind: 'trailer'; zeroBytes: number };

class StrictTarParser {
  private state: ParserState = { kind: 'header' };
  private pending = Buffer.alloc(0);
  private readonly members: Member[] = [];
  private readonly names = new Set<string>();
  private contentBytes = 0;
  private offset = 0;

  push(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      const used = this.step(data);
      if (used === 0) {
        this.pending = Buffer.from(data); // need a whole block
        return;
      }
      this.offset += used;
      data = data.subarray(used);
    }
  }

  /** Consumes some bytes of `data` and returns how many; 0 means "need more". */
  private step(data: Buffer): number {
    const state = this.state;
    switch (state.kind) {
      case 'header': {
        if (data.length < BLOCK) return 0;
        const block = data.subarray(0, BLOCK);
        if (isZero(block)) {
          this.state = { kind: 'trailer', zeroBytes: BLOCK };
          return BLOCK;
        }
        this.header(block);
        return BLOCK;
      }
      case 'content': {
        const take = Math.min(data.length, state.body.length - state.filled);
        data.copy(state.body, state.filled, 0, take);
        state.filled += take;
        if (state.filled === state.body.length) {
          this.members.push({ name: state.name, bytes: state.body });
          this.state = state.paddingLeft > 0 ? { kind: 'padding', left: state.paddingLeft } : { kind: 'header' };
        }
        return take;
      }
      case 'padding': {
        const take = Math.min(data.length, state.left);
        if (!isZero(data.subarray(0, take))) throw this.problem('non-zero padding after a member');
        state.left -= take;
        if (state.left === 0) this.state = { kind: 'header' };
        return take;
      }
      case 'trailer': {
        if (!isZero(data)) throw this.problem('data after the end-of-archive marker');
        state.zeroBytes += data.length;
        if (state.zeroBytes > ARCHIVE_TRAILER_BYTES_MAX) throw this.problem(`more than ${ARCHIVE_TRAILER_BYTES_MAX} bytes of padding at the end`);
        return data.length;
      }
    }
  }

  private header(block: Buffer): void {
    const checksumField = block.subarray(148, 156).toString('latin1');
    // exactly tar-stream's form: six octal digits, space, NUL; a looser parse would let a
    // flipped terminator go unnoticed
    if (!/^[0-7]{6} \0$/.test(checksumField)) throw this.problem('a member header has a malformed checksum field');
    let sum = 8 * 0x20;
    for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
    if (sum !== parseInt(checksumField.slice(0, 6), 8)) throw this.problem('a member header fails its checksum');
    if (block.subarray(257, 265).toString('latin1') !== 'ustar\u000000') throw this.problem('a member header is not ustar');
    const name = cString(block.subarray(0, 100));
    const shown = JSON.stringify(name.slice(0, 120));
    if (block[156] !== 0x30) throw this.problem(`member ${shown} is not a regular file (links, directories and extended headers are refused)`);
    if (block[157] !== 0 || block[345] !== 0) throw this.problem(`member ${shown} has a link name or a name prefix`);
    const kind = memberKind(name);
    if (!kind) throw this.problem(`unexpected member ${shown}`);
    if (this.names.has(name)) throw this.problem(`member ${shown} appears twice`);
    this.names.add(name);
    if (this.names.size > ARCHIVE_MEMBERS_MAX) throw this.problem(`more than ${ARCHIVE_MEMBERS_MAX} members`);
    const sizeField = block.subarray(124, 136).toString('latin1');
    if (!/^[0-7]{11} $/.test(sizeField)) throw this.problem(`member ${shown} has a malformed size field`);
    const size = parseInt(sizeField.slice(0, 11), 8);
    if (size > MEMBER_BYTES_MAX[kind]) throw this.problem(`member ${shown} is ${size} bytes, more than the ${MEMBER_BYTES_MAX[kind]} allowed`);
    this.contentBytes += size;
    if (this.contentBytes > ARCHIVE_CONTENT_BYTES_MAX) throw this.problem(`members exceed ${ARCHIVE_CONTENT_BYTES_MAX} bytes in total`);
    const paddingLeft = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.members.push({ name, bytes: Buffer.alloc(0) });
    this.state = size === 0 ? { kind: 'header' } : { kind: 'content', name, body: Buffer.allocUnsafe(size), filled: 0, paddingLeft };
  }

  end(): Member[] {
    if (this.pending.length > 0) throw this.problem('the archive ends inside a block (truncated)');
    if (this.state.kind !== 'trailer') throw this.problem('the archive is truncated (no end-of-archive marker)');
    if (this.state.zeroBytes < END_OF_ARCHIVE_BYTES) throw this.problem('the end-of-archive marker is incomplete (truncated)');
    if (this.state.zeroBytes % BLOCK !== 0) throw this.problem('the archive length is not a whole number of blocks');
    return this.members;
  }

  private problem(message: string): InvalidBackup {
    return new InvalidBackup(`tar structure at byte ${this.offset}: ${message}`);
  }
}

function isZero(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('latin1');
}
