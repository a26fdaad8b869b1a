// Request logs and metrics of a real server (Fastify on a real port) with its log lines captured:
// one line per request with id, route template, status and latency; 4xx at info, 5xx at error
// with the cause; x-request-id honoured when valid and always echoed; /metrics exposes exactly the
// METRICS catalogue plus Node's defaults; engine reports become floe_engine_* metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openCatalog } from '../../src/catalog/index.js';
import { loadSettings } from '../../src/config/index.js';
import { PromMetrics, buildAdminApp, buildApp, createLogger, createTelemetry } from '../../src/http/index.js';
import { BoundedLabel } from '../../src/http/metrics.js';
import { MemoryObjectStore, type ObjectStore } from '../../src/objectstore/index.js';
import { ENGINE_REPORT_TABLES_MAX, METRICS, type Telemetry } from '../../src/util/telemetry.js';
import { outage } from '../http/outage.js';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

async function serve(objects: ObjectStore = new MemoryObjectStore(), level: 'info' | 'debug' = 'info', extraRoutes?: (app: FastifyInstance) => void) {
  const warehouseDir = mkdtempSync(join(tmpdir(), 'floe-ops-'));
  const settings = loadSettings({ env: {}, flags: { object_store_url: 'memory://' } });
  const catalog = await openCatalog({ settings, warehouseUrl: `file://${warehouseDir}`, objects });
  const lines: Line[] = [];
  const log = createLogger({ level, format: 'json', destination: { write: (text: string) => void lines.push(JSON.parse(text) as Line) } });
  const metrics = new PromMetrics();
  const lifecycle = { draining: false };
  const app = buildApp({ catalog, log, metrics, lifecycle });
  extraRoutes?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = buildAdminApp({ catalog, lifecycle, metrics, log, host: '127.0.0.1', allowedHosts: [] });
  await admin.listen({ host: '127.0.0.1', port: 0 });
  const urlOf = (server: typeof app) => {
    const address = server.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  const url = urlOf(app);
  return {
    url,
    adminUrl: urlOf(admin),
    lines,
    lifecycle,
    async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(url + path, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    },
    requestLines: () => lines.filter((l) => l.msg === 'request' || l.msg === 'request failed'),
    async close() {
      await app.close();
      await admin.close();
      await catalog.close();
      rmSync(warehouseDir, { recursive: true, force: true });
    },
  };
}

const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] };

test('one line per request: id honoured or generated and echoed, route template, status, latency; 4xx at info', async () => {
  const server = await serve();
  try {
    const created = await server.call('POST', '/v1/namespaces', { namespace: ['sales'] }, { 'x-request-id': 'trace-0001' });
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('x-request-id'), 'trace-0001');
    const missing = await server.call('GET', '/v1/namespaces/nope', undefined, { 'x-request-id': 'not a valid id!' });
    assert.equal(missing.status, 404);
    const generated = missing.headers.get('x-request-id');
    assert.match(generated ?? '', /^[0-9a-f-]{36}$/, 'an invalid id is replaced by a generated one');

    for (const id of ['trace-0001', generated]) {
      assert.equal(server.lines.filter((l) => l.requestId === id).length, 1, `exactly one line for request ${id}`);
    }
    const [first, second] = server.requestLines();
    assert.equal(first!.requestId, 'trace-0001');
    assert.equal(first!.route, '/v1/namespaces');
    assert.equal(first!.method, 'POST');
    assert.equal(first!.status, 200);
    assert.equal(first!.level, 30);
    assert.equal(typeof first!.ms, 'number');
    assert.equal(second!.requestId, generated);
    assert.equal(second!.route, '/v1/namespaces/:namespace', 'the template, not the raw path');
    assert.ok(!Object.values(second!).includes('/v1/namespaces/nope'), 'no raw path in the line');
    assert.equal(second!.status, 404);
    assert.equal(second!.level, 30, '4xx at info');
    assert.equal(second!.error, 'NoSuchNamespaceException');

    const unknown = await server.call('GET', '/no/such/route');
    assert.equal(unknown.status, 404);
    assert.equal(server.requestLines().at(-1)!.route, 'unmatched');
  } finally {
    await server.close();
  }
});

test('5xx at error with the cause, counted in floe_http_unavailable_total', async () => {
  const objects = await outage();
  const server = await serve(objects);
  try {
    objects.down = true;
    const refused = await server.call('POST', '/v1/namespaces', { namespace: ['x'] });
    assert.equal(refused.status, 503);
    const line = server.requestLines().at(-1)!;
    assert.equal(line.level, 50, '5xx at error');
    assert.equal(line.status, 503);
    assert.match(JSON.stringify(line.err), /ECONNREFUSED|cannot|unavailable/i, 'the cause is in the line');
    objects.down = false;
    const text = await (await fetch(server.url + '/metrics')).text();
    assert.match(text, /^floe_http_unavailable_total\{route="\/v1\/namespaces"\} 1$/m);
  } finally {
    await server.close();
  }
});

test('an unexpected error: 500 to the client, one error line with the cause and its stack', async () => {
  const server = await serve(new MemoryObjectStore(), 'info', (app) => {
    app.get('/test/boom', async () => {
      throw new TypeError('planted bug');
    });
  });
  try {
    const answer = await server.call('GET', '/test/boom', undefined, { 'x-request-id': 'boom-1' });
    assert.equal(answer.status, 500);
    assert.doesNotMatch(answer.text, /planted bug/, 'the cause stays in the log');
    const lines = server.lines.filter((l) => l.requestId === 'boom-1');
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]!.level, 50);
    assert.equal(lines[0]!.route, '/test/boom');
    const err = lines[0]!.err as { type: string; message: string; stack: string };
    assert.equal(err.type, 'TypeError');
    assert.equal(err.message, 'planted bug');
    assert.match(err.stack, /observability\.test\.ts/);
  } finally {
    await server.close();
  }
});

test('probes and scrapes that succeed log at debug, so they do not drown the request log', async () => {
  const server = await serve();
  try {
    assert.equal((await server.call('GET', '/ready')).status, 200);
    assert.equal((await server.call('GET', '/metrics')).status, 200);
    assert.deepEqual(server.requestLines(), []);
    server.lifecycle.draining = true;
    assert.equal((await server.call('GET', '/ready')).status, 503);
    assert.equal(server.requestLines().length, 1, 'a failing probe is logged');
  } finally {
    await server.close();
  }
});

test('request start at debug: a request in flight can be found in the log', async () => {
  const server = await serve(new MemoryObjectStore(), 'debug');
  try {
    await server.call('GET', '/v1/config', undefined, { 'x-request-id': 'dbg-1' });
    const started = server.lines.find((l) => l.msg === 'request started' && l.requestId === 'dbg-1');
    assert.ok(started, JSON.stringify(server.lines));
    assert.equal(started.level, 20);
  } finally {
    await server.close();
  }
});

test('/metrics: every catalogue metric with its help, Node defaults, the request histogram by route template', async () => {
  const server = await serve();
  try {
    await server.call('POST', '/v1/namespaces', { namespace: ['m'] });
    await server.call('GET', '/v1/namespaces/m');
    for (const base of [server.url, server.adminUrl]) {
      const response = await fetch(base + '/metrics');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      for (const [name, spec] of Object.entries(METRICS)) {
        assert.ok(text.includes(`# HELP ${name} ${spec.help}`), `${name} exported with its help`);
        assert.ok(text.includes(`# TYPE ${name} ${spec.kind}`), `${name} is a ${spec.kind}`);
      }
      assert.match(text, /^nodejs_eventloop_lag_seconds /m);
      assert.match(text, /^nodejs_heap_size_used_bytes /m);
      assert.match(text, /^floe_http_request_duration_seconds_count\{method="GET",route="\/v1\/namespaces\/:namespace",status="200"\} 1$/m);
    }
    // the admin listener also has the probes
    assert.equal((await fetch(server.adminUrl + '/ready')).status, 200);
    server.lifecycle.draining = true;
    assert.equal((await fetch(server.adminUrl + '/ready')).status, 503);
    assert.equal((await fetch(server.adminUrl + '/health')).status, 200);
  } finally {
    await server.close();
  }
});

test('engine ScanReports and CommitReports become metrics by table, and a debug line', async () => {
  const server = await serve(new MemoryObjectStore(), 'debug');
  try {
    await server.call('POST', '/v1/namespaces', { namespace: ['db'] });
    assert.equal((await server.call('POST', '/v1/namespaces/db/tables', { name: 'events', schema })).status, 200);
    const scan = {
      'report-type': 'scan-report', 'table-name': 'cat.db.events', 'snapshot-id': 1, filter: true, 'schema-id': 0,
      'projected-field-ids': [1], 'projected-field-names': ['id'],
      metrics: {
        'total-planning-duration': { count: 1, 'time-unit': 'nanoseconds', 'total-duration': 2_500_000_000 },
        'result-data-files': { unit: 'count', value: 7 },
        'result-delete-files': { unit: 'count', value: 1 },
        'total-file-size-bytes': { unit: 'bytes', value: 4096 },
      },
    };
    const commit = {
      'report-type': 'commit-report', 'table-name': 'cat.db.events', 'snapshot-id': 2, 'sequence-number': 2, operation: 'append',
      metrics: {
        'total-duration': { count: 1, 'time-unit': 'milliseconds', 'total-duration': 300 },
        attempts: { unit: 'count', value: 2 },
        'added-data-files': { unit: 'count', value: 3 },
        'added-records': { unit: 'count', value: 1000 },
        'added-files-size-bytes': { unit: 'bytes', value: 123 },
      },
    };
    assert.equal((await server.call('POST', '/v1/namespaces/db/tables/events/metrics', scan)).status, 204);
    assert.equal((await server.call('POST', '/v1/namespaces/db/tables/events/metrics', commit)).status, 204);
    // malformed metrics are skipped, never refused: the answer does not change
    const odd = { 'report-type': 'commit-report', operation: 'something-new', metrics: { attempts: { value: 'x' }, 'total-duration': 5 } };
    assert.equal((await server.call('POST', '/v1/namespaces/db/tables/events/metrics', odd)).status, 204);
    assert.equal((await server.call('POST', '/v1/namespaces/db/tables/nope/metrics', scan)).status, 404);

    const text = await (await fetch(server.url + '/metrics')).text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      assert.ok(line, `${series} in\n${text}`);
      return Number(line.slice(series.length + 1));
    };
    assert.equal(value('floe_engine_scan_reports_total{table="db.events"}'), 1);
    assert.equal(value('floe_engine_scan_result_data_files_total{table="db.events"}'), 7);
    assert.equal(value('floe_engine_scan_result_delete_files_total{table="db.events"}'), 1);
    assert.equal(value('floe_engine_scan_file_bytes_total{table="db.events"}'), 4096);
    assert.equal(value('floe_engine_scan_planning_duration_seconds_sum{table="db.events"}'), 2.5);
    assert.equal(value('floe_engine_commit_reports_total{table="db.events",operation="append"}'), 1);
    assert.equal(value('floe_engine_commit_reports_total{table="db.events",operation="other"}'), 1);
    assert.equal(value('floe_engine_commit_duration_seconds_sum{table="db.events"}'), 0.3);
    assert.equal(value('floe_engine_commit_attempts_total{table="db.events"}'), 2);
    assert.equal(value('floe_engine_commit_added_data_files_total{table="db.events"}'), 3);
    assert.equal(value('floe_engine_commit_added_records_total{table="db.events"}'), 1000);
    assert.equal(value('floe_engine_commit_added_bytes_total{table="db.events"}'), 123);
    const reports = server.lines.filter((l) => l.msg === 'engine report');
    assert.equal(reports.length, 3);
    assert.ok(reports.every((l) => l.level === 20 && l.table === 'db.events'));
  } finally {
    await server.close();
  }
});

test('the table label is bounded: tables past ENGINE_REPORT_TABLES_MAX count as _other', () => {
  const label = new BoundedLabel(ENGINE_REPORT_TABLES_MAX);
  for (let i = 0; i < ENGINE_REPORT_TABLES_MAX; i++) assert.equal(label.value(`t${i}`), `t${i}`);
  assert.equal(label.value('one.too.many'), '_other');
  assert.equal(label.value('t0'), 't0', 'tables seen before keep their label');
});

test('createTelemetry: the pino logger and the prom-client registry behind the Telemetry every layer uses', async () => {
  const lines: Line[] = [];
  const metrics = new PromMetrics({ defaults: false });
  const telemetry: Telemetry = createTelemetry(
    createLogger({ level: 'info', format: 'json', destination: { write: (text: string) => void lines.push(JSON.parse(text) as Line) } }),
    metrics,
  );
  telemetry.log.child({ component: 'store' }).warn({ url: 's3://AKIA:planted@bucket/x', job: 'gc' }, 'gc failed');
  assert.deepEqual(
    { component: lines[0]!.component, url: lines[0]!.url, job: lines[0]!.job, msg: lines[0]!.msg, level: lines[0]!.level },
    { component: 'store', url: 's3://[redacted]@bucket/x', job: 'gc', msg: 'gc failed', level: 40 },
  );
  telemetry.log.error(new RangeError('bad range at s3://AKIA:planted@bucket/y') as unknown as object, 'with a message');
  (telemetry.log as unknown as { error(e: Error): void }).error(new Error('alone'));
  assert.equal((lines[1]!.err as { type: string }).type, 'RangeError');
  assert.equal((lines[1]!.err as { message: string }).message, 'bad range at s3://[redacted]@bucket/y');
  assert.equal(lines[1]!.msg, 'with a message');
  assert.equal(lines[2]!.msg, 'alone');
  assert.equal((lines[2]!.err as { type: string }).type, 'Error');
  telemetry.metrics.set('floe_log_head_seq', 7);
  telemetry.metrics.inc('floe_background_failures_total', { job: 'gc' });
  telemetry.metrics.observe('floe_commit_batch_size', 3);
  // gauges read from state are refreshed right before each scrape
  let queue = 0;
  metrics.beforeScrape(() => telemetry.metrics.set('floe_purge_queue_length', ++queue));
  const text = await metrics.text();
  assert.match(text, /^floe_log_head_seq 7$/m);
  assert.match(text, /^floe_background_failures_total\{job="gc"\} 1$/m);
  assert.match(text, /^floe_commit_batch_size_count 1$/m);
  assert.match(text, /^floe_purge_queue_length 1$/m);
  assert.match(await metrics.text(), /^floe_purge_queue_length 2$/m);
  assert.doesNotMatch(text, /^nodejs_/m, 'no process metrics when defaults are off');
});
