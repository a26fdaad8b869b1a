// EACCES creating the log entry's temp file: nothing was written, so the commit is a definite
// failure (CommitUnavailable → 503), not "commit state unknown". Directory modes do not stop
// root, so as root the scenario runs in a child process as an unprivileged user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NOBODY = 65534;

test('a read-only log directory: the commit is unavailable (503), nothing written, and works after chmod back', () => {
  const root = mkdtempSync(join(tmpdir(), 'floe-eacces-'));
  try {
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(root, NOBODY, NOBODY);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/store/fixtures/readonly-log.ts', root], {
      encoding: 'utf8', timeout: 60_000, ...(asRoot && { uid: NOBODY, gid: NOBODY }),
    });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
    assert.notEqual(result.uid, 0, 'ran unprivileged, so the mode applies');
    assert.equal(result.refused.answer, 'unavailable', JSON.stringify(result.refused));
    assert.match(result.refused.message, /commit not applied: writing log\/00000000000000000002\.json failed \(EACCES/);
    assert.equal(result.refused.retryAfterSeconds, 1);
    assert.deepEqual(result.logWhileReadOnly, ['00000000000000000001.json'], 'nothing was written');
    assert.equal(result.after, 'b');
    assert.equal(result.head, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
