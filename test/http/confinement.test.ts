// Nothing outside its place (issue 9): a real server over a file:// warehouse nested deep in a
// temp directory, canary files next to it. Hostile names, crafted metadata (statistics,
// metadata-log, manifests listing foreign files), register of files the server must not read,
// and overlapping table locations. After each test the whole temp tree is walked: nothing may
// appear outside the warehouse, and every canary must survive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { REGISTER_FILE_BYTES_MAX } from '../../src/config/limits.js';
import { isWellFormed } from '../../src/objectstore/index.js';
import { avroFile, entry, listEntry, MANIFEST_LIST_V2, MANIFEST_V2, put, snapshot } from '../fixtures/avro-table.js';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type TestServer } from './harness.js';

// the warehouse eight levels down, so that a traversal of up to eight '..' lands inside `parent`
const parent = mkdtempSync(join(tmpdir(), 'floe-confine-'));
const warehouseDir = join(parent, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'wh');
mkdirSync(warehouseDir, { recursive: true });
const W = `file://${warehouseDir}`;

const CANARY = 'canary: must survive';
const canaries = ['stats', 'partition-stats', 'metadata-log', 'manifest-list', 'data', 'deleted-data', 'manifest'].map((name) => join(parent, `canary-${name}`));
const canaryUrl = (name: string) => `file://${join(parent, `canary-${name}`)}`;

let server: TestServer;
const logged: string[] = [];
const originalWarn = console.warn;

before(async () => {
  for (const file of canaries) writeFileSync(file, CANARY);
  // refused deletes are reported with console.warn: collected so the test can check them
  console.warn = (...args: unknown[]) => void logged.push(args.join(' '));
  server = await startServer({ warehouse: W });
  assert.equal((await server.request('POST', '/v1/namespaces', { namespace: ['db'] })).status, 200);
});
after(async () => {
  console.warn = originalWarn;
  await server.close();
  rmSync(parent, { recursive: true, force: true });
});
assertContractAfterAll();

/** Every file and directory under the temp parent, relative to it. */
function tree(): string[] {
  return (readdirSync(parent, { recursive: true }) as string[]).map(String).sort();
}
const warehouseRel = relative(parent, warehouseDir);
const outsideWarehouse = (entries: string[]) =>
  entries.filter((e) => e !== warehouseRel && !e.startsWith(warehouseRel + '/') && !warehouseRel.startsWith(e + '/') && e !== 'a');

function assertCanariesIntact(): void {
  for (const file of canaries) assert.equal(readFileSync(file, 'utf8'), CANARY, `canary ${file} survives`);
}

function assertConfined(before: string[]): void {
  const appeared = tree().filter((e) => !before.includes(e));
  assert.deepEqual(outsideWarehouse(appeared), [], 'nothing appears outside the warehouse');
  assertCanariesIntact();
}

/** The file a file:// location names, read literally as the server does (fileURLToPath would decode and resolve it). */
const rawPath = (location: string) => {
  assert.ok(location.startsWith('file:///'), location);
  return location.slice('file://'.length);
};

const nsPath = (levels: string[]) => encodeURIComponent(levels.join('\u001f'));

// ---- names -------------------------------------------------------------------------------------

/** Names that are never path steps: 400 everywhere. */
const REFUSED = ['.', '..', 'a\\b', '..\\..\\x', '\\', 'a\u0000b', '\u0000', '\uD800', 'x\uDC00y', '\uDBFF', ''];
/** Names that are fine as names but must stay one literal segment inside the warehouse. */
const CONFINED = [
  '../../x', '../../../../../../../../x', '%2E%2E', '%2e%2e', '..%2F..%2Fx', '%2E%2E%2F%2E%2E%2Fx', '.%2E', '%2E.', '...', '..;',
  '/', '/etc', '//', 'a/b', '../', '/..', '~', '~root', '%', '%%', '%00', '%2F', '%252E%252E', 'a%2F..%2F..%2Fx', ' ..', '.. ',
  '*', '?', '#', 'a?b#c', 'file:', 'file:///etc/passwd', 'C:', ':', 'ä', '𝔘', '\u202e..', 'con', 'nul', '.hidden',
  // longer than a file name may be once encoded: 400, never a storage failure
  'x'.repeat(300), 'é'.repeat(512), '.'.repeat(1024),
];

test('hostile names are refused with 400 or stay inside the warehouse', async () => {
  const before = tree();
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => void (ok || problems.push(what));
  for (const name of REFUSED) {
    // whatever is accepted is used to write, so the tree walk below sees where it would land
    for (const levels of [[name], ['db', name]]) {
      const ns = await server.request('POST', '/v1/namespaces', { namespace: levels });
      expect(ns.status === 400, `namespace ${JSON.stringify(levels)}: ${ns.status}`);
      if (ns.status === 200 && isWellFormed(name)) await server.request('POST', `/v1/namespaces/${nsPath(levels)}/tables`, { name: 't', schema: SIMPLE_SCHEMA });
    }
    const table = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA });
    expect(table.status === 400 && table.body?.error?.type === 'BadRequestException', `table ${JSON.stringify(name)}: ${table.status}`);
  }
  for (const name of CONFINED) {
    const ns = await server.request('POST', '/v1/namespaces', { namespace: [name] });
    assert.ok(ns.status === 200 || ns.status === 400, `namespace ${JSON.stringify(name)}: ${ns.status} ${ns.text}`);
    if (ns.status === 200) {
      const t = await server.request('POST', `/v1/namespaces/${nsPath([name])}/tables`, { name: 't', schema: SIMPLE_SCHEMA });
      assert.ok(t.status === 200 || t.status === 400, `table in namespace ${JSON.stringify(name)}: ${t.text}`);
      if (t.status === 200) {
        expect(rawPath(t.body['metadata-location']).startsWith(warehouseDir + '/'), t.body['metadata-location']);
        expect(existsSync(rawPath(t.body['metadata-location'])), `not written where the location says: ${t.body['metadata-location']}`);
      }
      const nested = await server.request('POST', '/v1/namespaces', { namespace: [name, name] });
      assert.ok(nested.status === 200 || nested.status === 400, nested.text);
      const t2 = await server.request('POST', `/v1/namespaces/${nsPath([name, name])}/tables`, { name, schema: SIMPLE_SCHEMA });
      assert.ok(t2.status === 200 || t2.status === 400 || (nested.status === 400 && t2.status === 404), t2.text);
    }
    const table = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA });
    assert.ok(table.status === 200 || table.status === 400, `table ${JSON.stringify(name)}: ${table.status} ${table.text}`);
    if (table.status === 200) {
      expect(rawPath(table.body['metadata-location']).startsWith(warehouseDir + '/'), table.body['metadata-location']);
      expect(existsSync(rawPath(table.body['metadata-location'])), `not written where the location says: ${table.body['metadata-location']}`);
      // and it can be loaded again: a name that cannot be is no name at all
      const load = await server.request('GET', `/v1/namespaces/db/tables/${encodeURIComponent(name)}`);
      assert.equal(load.status, 200, `load ${JSON.stringify(name)}: ${load.text}`);
    }
  }
  assertConfined(before);
  assert.deepEqual(problems, []);
});

test('a location that decodes or normalises to a traversal is refused', async () => {
  const before = tree();
  const hostile = [
    `${W}/db/%2E%2E/%2E%2E/x`, `${W}/db/../../x`, `${W}/db/./x`, `${W}/db//x`, `${W}/db/..%2F..%2Fx/..`, `${W}/db/.%2e/x`,
    `${W}/db\\..\\..\\x`,  `${W}/db/x%00`, `${W}/db/x%5Cy`, `${W}/db/x%0a`, `${W}/db/x\u0000y`, `file://${parent}/elsewhere`, 'file:///tmp', 'memory://x/y', `${W}/db/x?y`,
  ];
  for (const location of hostile) {
    const res = await server.request('POST', '/v1/namespaces/db/tables', { name: 'loc', schema: SIMPLE_SCHEMA, location });
    expectError(res, 400, 'BadRequestException');
  }
  assertConfined(before);
});

// ---- purge and delete-after-commit --------------------------------------------------------------

async function commit(name: string, updates: unknown[], ns = 'db') {
  const res = await server.request('POST', `/v1/namespaces/${ns}/tables/${name}`, { requirements: [], updates });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function create(name: string, extra: Record<string, unknown> = {}) {
  const res = await server.request('POST', '/v1/namespaces/db/tables', { name, schema: SIMPLE_SCHEMA, ...extra });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/**
 * A metadata file no server wrote, registered: its metadata-log names a canary and the current
 * metadata file of another live table, with delete-after-commit on and one version kept.
 */
async function registerCrafted(name: string, victimMetadata: string) {
  const made = await create(name);
  const location: string = made.metadata.location;
  const unregistered = await server.request('POST', `/v1/namespaces/db/tables/${name}/unregister`);
  assert.equal(unregistered.status, 200, unregistered.text);
  const metadata = {
    ...made.metadata,
    properties: { 'write.metadata.delete-after-commit.enabled': 'true', 'write.metadata.previous-versions-max': '1' },
    'metadata-log': [
      { 'timestamp-ms': 1, 'metadata-file': canaryUrl('metadata-log') },
      { 'timestamp-ms': 2, 'metadata-file': victimMetadata },
    ],
  };
  const file = `${location}/metadata/00005-crafted.metadata.json`;
  writeFileSync(fileURLToPath(file), JSON.stringify(metadata));
  const registered = await server.request('POST', '/v1/namespaces/db/register', { name, 'metadata-location': file });
  assert.equal(registered.status, 200, registered.text);
  return location;
}

test('delete-after-commit and purge delete nothing outside the table, however the metadata points there', async () => {
  const before = tree();
  const victim = await create('victim');
  const victimMetadata: string = victim['metadata-location'];
  const victimData = `${victim.metadata.location}/data/v.parquet`;
  put(victimData, 'PAR1');

  const loc = await registerCrafted('crafted', victimMetadata);
  // delete-after-commit: the commit drops the oldest metadata-log entries
  const committed = await commit('crafted', [{ action: 'set-properties', updates: { touched: 'yes' } }]);
  assert.equal(committed.metadata['metadata-log'].length, 1, 'the log was trimmed');
  assertCanariesIntact();
  assert.ok(existsSync(fileURLToPath(victimMetadata)), 'the live table\'s metadata file survives delete-after-commit');

  // manifests listing files outside the table, another table's data, and a snapshot whose manifest list is a canary
  const m = (f: string) => `${loc}/metadata/${f}`;
  const own = `${loc}/data/own.parquet`;
  put(own, 'PAR1');
  put(m('m1.avro'), await avroFile(MANIFEST_V2, [
    entry(1, own), entry(1, canaryUrl('data')), entry(2, canaryUrl('deleted-data')), entry(1, victimData),
  ]));
  put(m('snap-1.avro'), await avroFile(MANIFEST_LIST_V2, [listEntry(m('m1.avro'), 0, 1), listEntry(canaryUrl('manifest'), 0, 1)]));
  await commit('crafted', [
    { action: 'add-snapshot', snapshot: snapshot(1, m('snap-1.avro')) },
    { action: 'add-snapshot', snapshot: snapshot(2, canaryUrl('manifest-list'), 1) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1 },
    {
      action: 'set-statistics',
      statistics: { 'snapshot-id': 1, 'statistics-path': canaryUrl('stats'), 'file-size-in-bytes': 4, 'file-footer-size-in-bytes': 4, 'blob-metadata': [] },
    },
    { action: 'set-partition-statistics', 'partition-statistics': { 'snapshot-id': 1, 'statistics-path': canaryUrl('partition-stats'), 'file-size-in-bytes': 4 } },
  ]);
  logged.length = 0;
  const dropped = await server.request('DELETE', '/v1/namespaces/db/tables/crafted?purgeRequested=true');
  assert.equal(dropped.status, 204, dropped.text);
  assert.equal(server.catalog.store.state.purges.size, 0, 'the purge finished: refused files never hold it up');

  assertConfined(before);
  assert.ok(!existsSync(fileURLToPath(own)), 'the table\'s own data file is purged');
  assert.ok(existsSync(fileURLToPath(victimMetadata)) && existsSync(fileURLToPath(victimData)), 'the live table keeps its files');
  assert.equal((await server.request('GET', '/v1/namespaces/db/tables/victim')).status, 200);
  for (const name of ['stats', 'partition-stats', 'data', 'deleted-data']) {
    assert.ok(logged.some((line) => line.includes(`canary-${name}`)), `the skipped ${name} canary is reported: ${logged.join('\n')}`);
  }
});

test('a table whose pointer shares another live table\'s files purges nothing of the other', async () => {
  const before = tree();
  const owner = await create('owner');
  const ownerFiles = [owner['metadata-location'], `${owner.metadata.location}/data/o.parquet`];
  put(ownerFiles[1]!, 'PAR1');
  // the state as an earlier version could leave it: a second name on the same metadata file
  await server.catalog.store.commit(async () => ({
    kind: 'txn', effects: [{ op: 'table.create', ns: ['db'], name: 'alias', to: owner['metadata-location'] }], result: undefined,
  }));
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/alias?purgeRequested=true')).status, 204);
  for (const file of ownerFiles) assert.ok(existsSync(fileURLToPath(file)), `survives: ${file}`);
  assert.equal((await server.request('GET', '/v1/namespaces/db/tables/owner')).status, 200);
  assertConfined(before);
});

// ---- overlapping locations ----------------------------------------------------------------------

test('a table or view location may not overlap a live table\'s: create, register, set-location', async () => {
  const a = await create('ov_a');
  const aLoc: string = a.metadata.location;
  const overlapping = [aLoc, `${aLoc}/`, `${aLoc}/sub`, `${W}/db`];
  for (const location of overlapping) {
    const res = await server.request('POST', '/v1/namespaces/db/tables', { name: 'ov_b', schema: SIMPLE_SCHEMA, location });
    expectError(res, 400, 'BadRequestException', /overlaps the location of table db\./);
  }
  expectError(
    await server.request('POST', '/v1/namespaces/db/tables', { name: 'ov_b', schema: SIMPLE_SCHEMA, location: W }),
    400, 'BadRequestException', /warehouse root itself/,
  );
  expectError(
    await server.request('POST', '/v1/namespaces/db/register', { name: 'ov_c', 'metadata-location': a['metadata-location'] }),
    400, 'BadRequestException', /overlaps the location of table db\.ov_a/,
  );
  const d = await create('ov_d');
  expectError(
    await server.request('POST', '/v1/namespaces/db/tables/ov_d', { requirements: [], updates: [{ action: 'set-location', location: aLoc }] }),
    400, 'BadRequestException', /overlaps the location of table db\.ov_a/,
  );
  // moving within its own location, or to a fresh one, is fine
  await commit('ov_d', [{ action: 'set-location', location: `${W}/db/ov_d_moved` }]);
  assert.equal(d.metadata.location !== `${W}/db/ov_d_moved`, true);
  // a view cannot sit in a table's location either
  const view = await server.request('POST', '/v1/namespaces/db/views', {
    name: 'ov_v', location: `${aLoc}/v`, schema: SIMPLE_SCHEMA, properties: {},
    'view-version': {
      'version-id': 1, 'timestamp-ms': 1_700_000_000_000, 'schema-id': 0, summary: {}, 'default-namespace': ['db'],
      representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }],
    },
  });
  expectError(view, 400, 'BadRequestException', /overlaps the location of table db\.ov_a/);
  // purging the one never destroys the other
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/ov_d?purgeRequested=true')).status, 204);
  assert.ok(existsSync(fileURLToPath(a['metadata-location'])));
});

test('a location running through a dropped table\'s metadata file is a 400, not a 503 (found by fuzz seed 31)', async () => {
  const gone = await create('ov_gone');
  const file: string = gone['metadata-location'];
  assert.equal((await server.request('DELETE', '/v1/namespaces/db/tables/ov_gone')).status, 204);
  // no live table owns the file any more, so no overlap: the write itself meets a file where it needs a directory
  const table = await server.request('POST', '/v1/namespaces/db/tables', { name: 'through_file', schema: SIMPLE_SCHEMA, location: file });
  expectError(table, 400, 'BadRequestException', /a file already exists where the location needs a directory/);
  const view = await server.request('POST', '/v1/namespaces/db/views', {
    name: 'through_file_v', location: file, schema: SIMPLE_SCHEMA, properties: {},
    'view-version': {
      'version-id': 1, 'timestamp-ms': 1_700_000_000_000, 'schema-id': 0, summary: {}, 'default-namespace': ['db'],
      representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }],
    },
  });
  expectError(view, 400, 'BadRequestException', /a file already exists where the location needs a directory/);
  assert.equal((await server.request('HEAD', '/v1/namespaces/db/tables/through_file')).status, 404);
  assert.ok(existsSync(fileURLToPath(file)), 'the dropped table\'s file is untouched');
});

// ---- register reads only what it may ------------------------------------------------------------

async function registerRefused(location: string, message: RegExp, secret?: string) {
  const res = await server.request('POST', '/v1/namespaces/db/register', { name: 'reg', 'metadata-location': location });
  expectError(res, 400, 'BadRequestException', message);
  if (secret !== undefined) assert.ok(!res.text.includes(secret), `the answer quotes the file: ${res.text}`);
  const view = await server.request('POST', '/v1/namespaces/db/register-view', { name: 'regv', 'metadata-location': location });
  assert.ok(view.status === 400 || view.status === 404, view.text);
  if (secret !== undefined) assert.ok(!view.text.includes(secret), `the answer quotes the file: ${view.text}`);
}

test('register refuses files outside the warehouse, foreign buckets, links out, and never quotes a file', async () => {
  const secret = 'SECRET-0123456789-do-not-echo';
  writeFileSync(join(parent, 'outside.metadata.json'), JSON.stringify({ 'format-version': secret }));
  const before = tree();
  const hostname = existsSync('/etc/hostname') ? readFileSync('/etc/hostname', 'utf8').trim() : undefined;
  await registerRefused('file:///etc/hostname', /outside the warehouse/, hostname || undefined);
  await registerRefused('file:///proc/self/environ', /outside the warehouse/);
  await registerRefused(canaryUrl('stats'), /outside the warehouse/, CANARY);
  await registerRefused('s3://another-bucket/t/metadata/00000-x.metadata.json', /outside the warehouse/);
  await registerRefused('gs://another-bucket/x.metadata.json', /outside the warehouse/);

  // inside the warehouse: not JSON, not metadata, a link pointing out
  writeFileSync(join(warehouseDir, 'junk.metadata.json'), secret);
  await registerRefused(`${W}/junk.metadata.json`, /not valid JSON/, secret);
  writeFileSync(join(warehouseDir, 'json.metadata.json'), JSON.stringify({ 'format-version': secret }));
  await registerRefused(`${W}/json.metadata.json`, /not a valid table metadata file/, secret);
  symlinkSync(join(parent, 'outside.metadata.json'), join(warehouseDir, 'link.metadata.json'));
  await registerRefused(`${W}/link.metadata.json`, /does not exist/, secret);
  mkdirSync(join(warehouseDir, 'linked'));
  symlinkSync(parent, join(warehouseDir, 'linked', 'dir'));
  await registerRefused(`${W}/linked/dir/outside.metadata.json`, /does not exist/, secret);
  assertConfined(before);
});

test('register of a FIFO answers at once and blocks no other writer', { timeout: 30_000 }, async () => {
  const fifo = join(warehouseDir, 'pipe.metadata.json');
  execFileSync('mkfifo', [fifo]);
  try {
    const pending = server.request('POST', '/v1/namespaces/db/register', { name: 'fifo', 'metadata-location': `${W}/pipe.metadata.json` });
    // a writer meanwhile is not stalled behind it (it would be if the read were in the commit batch)
    const other = await server.request('POST', '/v1/namespaces', { namespace: ['after_fifo'] });
    assert.equal(other.status, 200, other.text);
    expectError(await pending, 400, 'BadRequestException', /does not exist/);
  } finally {
    // before the fix the server blocks in open(2) on the FIFO: a writer end unblocks it
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: nobody is reading, which is the point
    }
  }
});

test('register of a gzip bomb is refused without inflating it', async () => {
  // a valid gzip stream of a JSON string inflating past the cap, a few hundred KB on disk
  const inflated = Buffer.alloc(REGISTER_FILE_BYTES_MAX + 1024, 0x20);
  inflated[0] = 0x7b; // '{'
  writeFileSync(join(warehouseDir, 'bomb.gz.metadata.json'), gzipSync(inflated, { level: 9 }));
  await registerRefused(`${W}/bomb.gz.metadata.json`, /inflates to more than/);
  // and a file too large on storage is refused before it is read
  writeFileSync(join(warehouseDir, 'huge.metadata.json'), '');
  execFileSync('truncate', ['-s', String(REGISTER_FILE_BYTES_MAX + 1), join(warehouseDir, 'huge.metadata.json')]);
  await registerRefused(`${W}/huge.metadata.json`, /larger than/);
});

test('register reads its file before the commit batch, never inside prepare', async () => {
  const made = await create('outside_batch');
  const file: string = made['metadata-location'];
  assert.equal((await server.request('POST', '/v1/namespaces/db/tables/outside_batch/unregister')).status, 200);
  // instrument the real store and warehouse: count prepares running, and note reads of the file during one
  const store = server.catalog.store;
  const warehouse = server.catalog.warehouse as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const originalCommit = store.commit.bind(store);
  let preparing = 0;
  const readsInPrepare: string[] = [];
  store.commit = ((prepare: Parameters<typeof store.commit>[0], ...rest: unknown[]) =>
    (originalCommit as (...args: unknown[]) => ReturnType<typeof store.commit>)(async (state: unknown, attempt: unknown) => {
      preparing++;
      try {
        return await (prepare as (...args: unknown[]) => Promise<unknown>)(state, attempt);
      } finally {
        preparing--;
      }
    }, ...rest)) as typeof store.commit;
  const patched = ['read', 'readUntrusted', 'readBytes'].filter((name) => typeof warehouse[name] === 'function');
  const originals = patched.map((name) => warehouse[name]!);
  patched.forEach((name, i) => {
    warehouse[name] = (...args: unknown[]) => {
      if (preparing > 0 && args[0] === file) readsInPrepare.push(name);
      return originals[i]!.apply(server.catalog.warehouse, args);
    };
  });
  try {
    const res = await server.request('POST', '/v1/namespaces/db/register', { name: 'outside_batch', 'metadata-location': file });
    assert.equal(res.status, 200, res.text);
  } finally {
    delete (store as unknown as Record<string, unknown>).commit;
    for (const name of patched) delete warehouse[name];
  }
  assert.deepEqual(readsInPrepare, [], 'the file was read inside the commit batch');
});

test('a multi-table commit deletes after commit only inside each table', async () => {
  const before = tree();
  const victim = await create('tx_victim');
  await registerCrafted('tx_crafted', victim['metadata-location']);
  const res = await server.request('POST', '/v1/transactions/commit', {
    'table-changes': [{ identifier: { namespace: ['db'], name: 'tx_crafted' }, requirements: [], updates: [{ action: 'set-properties', updates: { t: 'x' } }] }],
  });
  assert.equal(res.status, 204, res.text);
  const loaded = await server.request('GET', '/v1/namespaces/db/tables/tx_crafted');
  assert.equal(loaded.body.metadata['metadata-log'].length, 1, 'the log was trimmed');
  assert.ok(existsSync(fileURLToPath(victim['metadata-location'])), 'the other table\'s metadata file survives');
  assertConfined(before);
});

test('scan planning reads no manifest list outside the warehouse', async () => {
  await create('plan_out');
  await commit('plan_out', [
    { action: 'add-snapshot', snapshot: snapshot(1, canaryUrl('manifest-list')) },
    { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1 },
  ]);
  const res = await server.request('POST', '/v1/namespaces/db/tables/plan_out/plan', {});
  expectError(res, 400, 'BadRequestException', /outside the warehouse/);
  assert.ok(!res.text.includes(CANARY.slice(0, 10)), res.text);
});
