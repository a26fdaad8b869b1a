// Every single-byte flip, truncation and member rename of an archive must be detected, and
// hostile archives (traversal names, links, giant members, truncated gzip) refused — all
// without writing a member anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import {
  buildMembers, packMembers, readMembers, readSnapshot, validateArchive, writeArchive, type Member,
} from '../../src/store/backup/index.js';
import { commitEffects, memoryBackend, openCatalog } from './helpers.js';

async function smallArchive(withLog = true): Promise<{ bytes: Buffer; members: Member[] }> {
  const source = await memoryBackend.fresh();
  const store = await openCatalog(source.objects, { checkpointInterval: 2 });
  await commitEffects(store, [{ op: 'ns.create', ns: ['a'], properties: { k: 'v' } }]);
  await commitEffects(store, [{ op: 'table.create', ns: ['a'], name: 't', to: 'file:///wh/a/t/metadata/00000-x.metadata.json' }]);
  await store.idle(); // the checkpoint at seq 2
  await commitEffects(store, [{ op: 'view.create', ns: ['a'], name: 'v', to: 'file:///wh/a/v/metadata/00000-x.metadata.json' }]);
  await store.close();
  const outcome = await readSnapshot(source.objects, { kind: 'head' });
  assert.equal(outcome.kind, 'snapshot');
  if (outcome.kind !== 'snapshot') throw new Error('unreachable');
  const { members } = buildMembers(outcome.snapshot, { withLog, createdAt: new Date(), tool: 'test' });
  return { bytes: await collect(packMembers(members, new Date())), members };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function problemOf(bytes: Buffer, chunkBytes = bytes.length): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  const outcome = await validateArchive(Readable.from(chunks.length ? chunks : [Buffer.alloc(0)]));
  return outcome.kind === 'invalid' ? outcome.problem : undefined;
}

test('the untouched archive is valid, whatever the read chunking', async () => {
  const { bytes } = await smallArchive();
  for (const chunk of [bytes.length, 4096, 513, 100, 7]) assert.equal(await problemOf(bytes, chunk), undefined);
});

test('every single-byte flip of an uncompressed archive is detected', async () => {
  const { bytes } = await smallArchive();
  const undetected: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0xff, 0x01]) {
      const flipped = Buffer.from(bytes);
      flipped[i] = flipped[i]! ^ mask;
      if ((await problemOf(flipped)) === undefined) undetected.push(i);
    }
  }
  assert.deepEqual(undetected, [], `flips at ${undetected.slice(0, 10).join(', ')} went unnoticed (archive ${bytes.length} bytes)`);
});

test('every truncation is detected', async () => {
  const { bytes } = await smallArchive();
  const undetected: number[] = [];
  for (let length = 0; length < bytes.length; length++) {
    if ((await problemOf(bytes.subarray(0, length))) === undefined) undetected.push(length);
  }
  assert.deepEqual(undetected, []);
});

test('every member rename and every swap of two names is detected', async () => {
  const { members } = await smallArchive();
  const names = members.map((m) => m.name);
  const candidates = [...new Set([...names, 'log/00000000000000000099.json', 'log/00000000000000000001.json', 'base.json', 'manifest.json', 'SHA256SUMS.txt'])];
  for (let i = 0; i < members.length; i++) {
    for (const name of candidates) {
      if (name === members[i]!.name) continue;
      const renamed = members.map((m, j) => (j === i ? { ...m, name } : m));
      // renaming onto an existing name duplicates it; swapping is covered below
      const problem = await problemOf(await collect(packMembers(renamed, new Date())));
      assert.ok(problem, `renaming ${members[i]!.name} to ${name} went unnoticed`);
    }
    for (let j = i + 1; j < members.length; j++) {
      const swapped = members.map((m, k) => (k === i ? { ...m, name: members[j]!.name } : k === j ? { ...m, name: members[i]!.name } : m));
      assert.ok(await problemOf(await collect(packMembers(swapped, new Date()))), `swapping ${members[i]!.name} and ${members[j]!.name} went unnoticed`);
    }
  }
});

test('dropping or reordering members is detected', async () => {
  const { members } = await smallArchive();
  for (let i = 0; i < members.length; i++) {
    assert.ok(await problemOf(await collect(packMembers(members.filter((_, j) => j !== i), new Date()))), `dropping ${members[i]!.name}`);
  }
  const reordered = [members[0]!, members[2]!, members[1]!, ...members.slice(3)];
  assert.ok(await problemOf(await collect(packMembers(reordered, new Date()))));
});

test('flips and truncations of a gzip archive are detected', async () => {
  const { members } = await smallArchive();
  const chunks: Buffer[] = [];
  const sink = new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } });
  await writeArchive(members, { kind: 'stream', stream: sink }, { gzip: true, mtime: new Date() });
  const gz = Buffer.concat(chunks);
  assert.equal(await problemOf(gz), undefined);
  // the gzip header's mtime/xfl/os bytes (4..9) carry no content; everything from the
  // compressed data to the CRC32 and ISIZE trailer is checked
  const positions = [0, 1, 2, 3, ...Array.from({ length: 40 }, (_, k) => 10 + Math.floor(((gz.length - 11) * k) / 39))];
  const tarBytes = gunzipSync(gz);
  for (const i of positions) {
    const flipped = Buffer.from(gz);
    flipped[i] = flipped[i]! ^ 0xff;
    if (await problemOf(flipped)) continue;
    // Deflate has inert bits: a back-reference into the tar's zero padding can point at another
    // run of zeros and decompress to the very same bytes (seen at one position of one archive
    // shape). Such a flip changes nothing in the backup; any flip that changes a byte of the
    // archive must be detected.
    let inert = false;
    try {
      inert = gunzipSync(flipped).equals(tarBytes);
    } catch {
      inert = false;
    }
    assert.ok(inert, `gzip flip at ${i} of ${gz.length} changed the archive and went undetected`);
  }
  for (const length of [0, 1, 10, 20, Math.floor(gz.length / 2), gz.length - 8, gz.length - 1]) {
    const problem = await problemOf(gz.subarray(0, length));
    assert.ok(problem, `gzip truncated to ${length}`);
  }
  assert.match((await problemOf(gz.subarray(0, gz.length - 4)))!, /gzip|truncated/);
  assert.ok(await problemOf(Buffer.concat([gz, Buffer.from('trailing garbage')])));
});

async function hostile(entries: { header: Parameters<ReturnType<typeof pack>['entry']>[0]; body?: string }[]): Promise<Buffer> {
  const tar = pack();
  for (const e of entries) tar.entry(e.header, e.body ?? '');
  tar.finalize();
  return collect(Readable.from(tar as AsyncIterable<Buffer>));
}

test('hostile archives are refused by name or type before any content is used', async () => {
  const { members } = await smallArchive(false);
  const manifest = members[0]!;
  const cases: [string, Buffer, RegExp][] = [
    ['traversal', await hostile([{ header: { name: '../x', type: 'file' }, body: 'x' }]), /unexpected member "..\/x"/],
    ['nested traversal', await hostile([{ header: { name: 'log/../../x', type: 'file' }, body: 'x' }]), /unexpected member/],
    ['absolute', await hostile([{ header: { name: '/etc/passwd', type: 'file' }, body: 'x' }]), /unexpected member "\/etc\/passwd"/],
    ['symlink', await hostile([{ header: { name: 'state.json', type: 'symlink', linkname: '/etc/passwd' } }]), /not a regular file/],
    ['hard link', await hostile([{ header: { name: 'state.json', type: 'link', linkname: '/etc/passwd' } }]), /not a regular file/],
    ['directory', await hostile([{ header: { name: 'log', type: 'directory' } }]), /not a regular file/],
    ['pax long name', await hostile([{ header: { name: `${'a/'.repeat(60)}x`, type: 'file' }, body: 'x' }]), /name prefix|unexpected member|not a regular file/],
    ['duplicate', await hostile([{ header: { name: manifest.name, type: 'file' }, body: 'x' }, { header: { name: manifest.name, type: 'file' }, body: 'x' }]), /appears twice/],
  ];
  for (const [label, bytes, expected] of cases) {
    const problem = await problemOf(bytes);
    assert.ok(problem, label);
    assert.match(problem!, expected, label);
  }
});

test('a member claiming a giant size is refused at its header, also inside gzip', async () => {
  const header = (await collect(packMembers([{ name: 'state.json', bytes: Buffer.from('{}') }], new Date()))).subarray(0, 512);
  const giant = Buffer.from(header);
  giant.write((2 * 1024 ** 3).toString(8).padStart(11, '0') + ' ', 124, 'latin1');
  giant.write('        ', 148, 'latin1');
  let sum = 0;
  for (const byte of giant) sum += byte;
  giant.write(sum.toString(8).padStart(6, '0') + ' \0', 148, 'latin1');
  const archive = Buffer.concat([giant, Buffer.alloc(4096)]);
  assert.match((await problemOf(archive))!, /is 2147483648 bytes, more than the \d+ allowed/);
  // a gzip bomb of that header and 64 MiB of zeros stops at the header, long before the zeros
  const bomb = gzipSync(Buffer.concat([giant, Buffer.alloc(64 * 1024 * 1024)]));
  assert.match((await problemOf(bomb))!, /more than the \d+ allowed/);
});

test('readMembers keeps everything in memory: a traversal archive creates no file', async () => {
  const { mkdtempSync, readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'floe-hostile-'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await assert.rejects(readMembers(Readable.from([await hostile([{ header: { name: '../escaped', type: 'file' }, body: 'x' }])])), /unexpected member/);
  } finally {
    process.chdir(cwd);
  }
  assert.deepEqual(readdirSync(dir), []);
  assert.ok(!readdirSync(join(dir, '..')).includes('escaped'));
});
