// Issue 10.4 as the operator met it: entry 4 deleted, 5..9 present. `floe status` said
// "log chain: verified" and `floe serve` started at head 3; both must refuse and name the hole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '../../src/objectstore/file.js';
import { CatalogStore, logKey, type Prepared } from '../../src/store/index.js';

const ENTRY = ['--import', 'tsx', 'src/cli/run.ts'];

function floe(args: string[]) {
  const result = spawnSync(process.execPath, [...ENTRY, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('status and serve refuse a log with a hole, naming the seq and the file', async () => {
  const root = mkdtempSync(join(tmpdir(), 'floe-cli-hole-'));
  const warehouse = mkdtempSync(join(tmpdir(), 'floe-cli-hole-wh-'));
  try {
    const objects = new FileObjectStore(root);
    const store = await CatalogStore.open(objects, { create: true, gcIntervalMs: 0 });
    for (let i = 1; i <= 9; i++) {
      await store.commit(async (): Promise<Prepared<null>> => ({ kind: 'txn', effects: [{ op: 'ns.create', ns: [`n${i}`], properties: {} }], result: null }));
    }
    await store.close();
    await objects.close();
    rmSync(join(root, logKey(4)));
    const hole = join(root, logKey(4));

    const status = floe(['status', '--storage', `file://${root}`]);
    assert.equal(status.code, 1, status.stdout + status.stderr);
    assert.doesNotMatch(status.stdout, /verified/);
    assert.match(status.stderr, /hole at seq 4\b/);
    assert.ok(status.stderr.includes(hole), status.stderr);

    // serve exits before listening: it never answers, so it never acknowledges anything
    const serve = floe(['serve', '--storage', `file://${root}`, '--warehouse', `file://${warehouse}`, '--port', '0']);
    assert.equal(serve.code, 1, serve.stdout + serve.stderr);
    assert.doesNotMatch(serve.stdout + serve.stderr, /serving at/);
    assert.match(serve.stderr, /hole at seq 4\b/);
    assert.ok(serve.stderr.includes(hole), serve.stderr);
    assert.equal(existsSync(hole), false, 'nothing was written into the hole');
    assert.deepEqual(readdirSync(join(root, 'log')).length, 8);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(warehouse, { recursive: true, force: true });
  }
});
