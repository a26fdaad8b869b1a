// Metrics: a prom-client registry holding exactly the METRICS catalogue (util/telemetry.ts) and
// Node's defaults (event-loop lag, heap, GC), the Telemetry the catalog and store report through,
// the HTTP request histogram, GET /metrics, and engine ScanReports/CommitReports turned into
// floe_engine_* metrics.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  ENGINE_REPORT_TABLES_MAX, METRICS, type CounterName, type GaugeName, type HistogramName, type Labels, type Logger,
  type Metrics, type Telemetry,
} from '../util/index.js';
import { PROBE_PATHS } from './probes.js';
import { routeTemplate } from './logging.js';

export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();

  /** `defaults`: Node's process metrics too (off in tests that build many registries) */
  constructor(options: { defaults?: boolean } = {}) {
    for (const [name, spec] of Object.entries(METRICS)) {
      const common = { name, help: spec.help, labelNames: [...spec.labels], registers: [this.registry] };
      if (spec.kind === 'counter') this.counters.set(name, new Counter(common));
      else if (spec.kind === 'gauge') this.gauges.set(name, new Gauge(common));
      else this.histograms.set(name, new Histogram({ ...common, buckets: [...('buckets' in spec ? spec.buckets : [])] }));
    }
    if (options.defaults !== false) collectDefaultMetrics({ register: this.registry });
  }

  inc(name: CounterName, labels: Labels = {}, by = 1): void {
    this.counters.get(name)!.inc(labels, by);
  }

  set(name: GaugeName, value: number, labels: Labels = {}): void {
    this.gauges.get(name)!.set(labels, value);
  }

  observe(name: HistogramName, value: number, labels: Labels = {}): void {
    this.histograms.get(name)!.observe(labels, value);
  }

  private readonly scrapeHooks: Array<() => void> = [];

  /** `report` runs before every scrape: gauges read from state (the store's reportGauges) are current. */
  beforeScrape(report: () => void): void {
    this.scrapeHooks.push(report);
  }

  /** Prometheus text exposition */
  text(): Promise<string> {
    for (const report of this.scrapeHooks) report();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The Telemetry every layer reports through: pino lines and the prom-client registry. */
export function createTelemetry(log: Logger, metrics: Metrics): Telemetry {
  return { log, metrics };
}

/** GET /metrics on `app` (the main port, or the admin listener). */
export function metricsRoute(app: FastifyInstance, metrics: PromMetrics): void {
  app.get(PROBE_PATHS.metrics, async (_request, reply) => {
    const text = await metrics.text();
    return reply.code(200).header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}

const recorders = new WeakMap<FastifyInstance, EngineReports>();

/** The request histogram and 503 counter for every answer `app` sends, and its engine-report recorder. */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  recorders.set(app, new EngineReports(metrics));
  app.addHook('onResponse', async (request, reply) => {
    const route = routeTemplate(request);
    const status = String(reply.statusCode);
    metrics.observe('floe_http_request_duration_seconds', reply.elapsedTime / 1000, { method: request.method, route, status });
    if (reply.statusCode === 503) metrics.inc('floe_http_unavailable_total', { route });
  });
}

/** First `max` distinct values as themselves, every later one as "_other": a label's cardinality stays bounded. */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  value(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return '_other';
    this.seen.add(raw);
    return raw;
  }
}

const NANOS_PER: Record<string, number> = {
  nanoseconds: 1, microseconds: 1e3, milliseconds: 1e6, seconds: 1e9, minutes: 60e9, hours: 3600e9, days: 86_400e9,
};
/** Iceberg's CommitReport operations; anything else is counted as "other" (a bounded label) */
const OPERATIONS = new Set(['append', 'replace', 'overwrite', 'delete']);

type Report = Record<string, unknown>;

function counter(metrics: unknown, name: string): number | undefined {
  const result = (metrics as Record<string, unknown> | undefined)?.[name] as { value?: unknown } | undefined;
  return typeof result?.value === 'number' && Number.isFinite(result.value) && result.value >= 0 ? result.value : undefined;
}

function seconds(metrics: unknown, name: string): number | undefined {
  const timer = (metrics as Record<string, unknown> | undefined)?.[name] as { 'time-unit'?: unknown; 'total-duration'?: unknown } | undefined;
  const nanos = typeof timer?.['time-unit'] === 'string' ? NANOS_PER[timer['time-unit'].toLowerCase()] : undefined;
  const total = timer?.['total-duration'];
  if (nanos === undefined || typeof total !== 'number' || !Number.isFinite(total) || total < 0) return undefined;
  return (total * nanos) / 1e9;
}

/**
 * Engine reports as metrics. A report is advisory: fields that are missing or malformed are
 * skipped, never refused (engines send what their version knows).
 */
export class EngineReports {
  private readonly tables = new BoundedLabel(ENGINE_REPORT_TABLES_MAX);
  constructor(private readonly metrics: Metrics) {}

  record(table: string, report: Report, log: Logger): void {
    const label = { table: this.tables.value(table) };
    const m = report.metrics;
    const add = (name: CounterName, value: number | undefined) => {
      if (value !== undefined) this.metrics.inc(name, label, value);
    };
    const type = report['report-type'];
    if (type === 'scan-report') {
      this.metrics.inc('floe_engine_scan_reports_total', label);
      const planning = seconds(m, 'total-planning-duration');
      if (planning !== undefined) this.metrics.observe('floe_engine_scan_planning_duration_seconds', planning, label);
      add('floe_engine_scan_result_data_files_total', counter(m, 'result-data-files'));
      add('floe_engine_scan_result_delete_files_total', counter(m, 'result-delete-files'));
      add('floe_engine_scan_file_bytes_total', counter(m, 'total-file-size-bytes'));
    } else if (type === 'commit-report') {
      const operation = typeof report.operation === 'string' && OPERATIONS.has(report.operation) ? report.operation : 'other';
      this.metrics.inc('floe_engine_commit_reports_total', { ...label, operation });
      const duration = seconds(m, 'total-duration');
      if (duration !== undefined) this.metrics.observe('floe_engine_commit_duration_seconds', duration, label);
      add('floe_engine_commit_attempts_total', counter(m, 'attempts'));
      add('floe_engine_commit_added_data_files_total', counter(m, 'added-data-files'));
      add('floe_engine_commit_removed_data_files_total', counter(m, 'removed-data-files'));
      add('floe_engine_commit_added_records_total', counter(m, 'added-records'));
      add('floe_engine_commit_removed_records_total', counter(m, 'removed-records'));
      add('floe_engine_commit_added_bytes_total', counter(m, 'added-files-size-bytes'));
    }
    log.debug({ table, reportType: type, snapshotId: report['snapshot-id'], operation: report.operation, metrics: m }, 'engine report');
  }
}

/** The one call the metrics route makes: records the (already validated as an object) report body. */
export function recordEngineReport(request: FastifyRequest, id: { namespace: readonly string[]; name: string }): void {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const table = [...id.namespace, id.name].join('.');
  const recorder = recorders.get(request.server);
  if (recorder) recorder.record(table, body as Report, request.log);
  else request.log.debug({ table, reportType: (body as Report)['report-type'] }, 'engine report');
}
