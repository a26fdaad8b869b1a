// The fuzzer of issue 9 (test/fuzz) in CI: a fixed seed and a bounded count, against the real
// server on a file:// store in a temp dir. `npm run fuzz -- --seed N --requests M` runs longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../fuzz/fuzzer.js';
import { loadSpec } from '../fuzz/spec.js';

const SEED = 9;
const REQUESTS = 3000;

test(`fuzz: ${REQUESTS} requests over every operation of the spec (seed ${SEED})`, { timeout: 10 * 60_000 }, async (t) => {
  const report = await runFuzz({ seed: SEED, requests: REQUESTS });
  // causes another part of issue 9 fixes are counted, never hidden (test/fuzz/known-open.ts)
  for (const [id, count] of Object.entries(report.knownOpen)) t.diagnostic(`known open ${id}: ${count} findings`);
  assert.deepEqual(report.findings, [], `findings; reproduce with: npm run fuzz -- --seed ${SEED} --requests ${REQUESTS}`);

  // the run really covered the spec and got past validation into the catalog
  const missed = loadSpec().operations.map((o) => o.operationId).filter((id) => !report.byOperation[id]);
  assert.deepEqual(missed, [], 'operations the fuzzer never sent');
  assert.ok(report.requests >= REQUESTS);
  for (const id of ['createNamespace', 'createTable', 'updateTable', 'commitTransaction', 'createView', 'loadTable', 'dropTable', 'planTableScan']) {
    assert.ok((report.okByOperation[id] ?? 0) > 0, `no ${id} succeeded: the fuzz never reached the code behind it`);
  }
  const errors = Object.entries(report.byStatus).filter(([status]) => Number(status) >= 400).reduce((n, [, c]) => n + c, 0);
  assert.ok(errors > REQUESTS / 3, 'most requests are hostile');
});
