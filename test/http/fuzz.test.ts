// The fuzzer of issue 9 (test/fuzz) in CI: a fixed seed and a bounded count, against the real
// server on a file:// store in a temp dir. `npm run fuzz -- --seed N --requests M` runs longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, runFuzz, type Finding } from '../fuzz/fuzzer.js';
import { KNOWN_OPEN } from '../fuzz/known-open.js';
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

test('the fuzzer flags what it must, and a known open cause explains only its own findings', () => {
  const req = (method: string) => ({ operationId: 'x', method, path: '/v1/namespaces/db', headers: {} });
  const envelope = (status: number) => JSON.stringify({ error: { message: 'm', type: 'BadRequestException', code: status } });
  const kinds = (method: string, status: number, text: string) => judge(req(method), { status, text, headers: {} }).map((p) => p.kind);
  assert.deepEqual(kinds('GET', 400, envelope(400)), []);
  assert.deepEqual(kinds('GET', 200, '{}'), []);
  assert.deepEqual(kinds('GET', 500, envelope(500)), ['5xx']);
  assert.deepEqual(kinds('GET', 503, envelope(503)), ['5xx']);
  assert.deepEqual(kinds('GET', 400, envelope(404)), ['envelope'], 'code must equal the status');
  assert.deepEqual(kinds('GET', 400, '{"error":"Bad Request","statusCode":400}'), ['envelope']);
  assert.deepEqual(kinds('GET', 404, 'not found'), ['envelope']);
  assert.deepEqual(kinds('HEAD', 404, ''), []);
  assert.deepEqual(kinds('HEAD', 400, envelope(400)), ['head-body']);

  const explained = (finding: Finding) => KNOWN_OPEN.filter((k) => k.matches(finding)).map((k) => k.id);
  const internal = { kind: '5xx' as const, detail: 'status 500', status: 500, request: req('POST') };
  assert.deepEqual(explained({ ...internal, serverError: 'TypeError: raw.split is not a function' }), []);
  assert.deepEqual(explained({ ...internal, serverError: 'RangeError: Maximum call stack size exceeded' }), []);
  assert.deepEqual(explained({ ...internal, serverError: 'InvalidKey: invalid object key length: 1264' }), [], 'no client location: not explained');
  assert.deepEqual(explained({ kind: 'envelope', detail: '', status: 400, request: { ...req('GET'), path: '/v1/namespaces/db%1Fa' } }), []);
  assert.deepEqual(explained({ kind: 'envelope', detail: '', status: 400, request: { ...req('GET'), path: '/v1/namespaces/%zz' } }), []);
  assert.deepEqual(explained({ kind: 'unloadable', detail: 'tables ["db","t"]: 500', response: envelope(500) }), []);
});
