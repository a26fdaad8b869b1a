// What every layer may report about itself: log lines and metrics, through one small interface.
// Only the HTTP edge knows pino's transports and prom-client; the store, the object stores and
// the catalog record where things happen and never import either. Every metric is declared once
// here, with its help text, so /metrics, the docs and the code cannot disagree on a name.

/** A pino-compatible subset: structured fields first, then the message. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: object): Logger;
}

type MetricKind = 'counter' | 'gauge' | 'histogram';

interface MetricSpec {
  readonly kind: MetricKind;
  readonly help: string;
  readonly labels: readonly string[];
  /** histogram bucket upper bounds, in the metric's unit */
  readonly buckets?: readonly number[];
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** engine-side work (planning, a commit with its retries) takes longer than a catalog request */
const ENGINE_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;
/** distinct `table` label values of the floe_engine_* metrics per process (label cardinality bound) */
export const ENGINE_REPORT_TABLES_MAX = 200;

/** Every metric Floe exports, by its full name. */
export const METRICS = {
  floe_http_request_duration_seconds: {
    kind: 'histogram', help: 'HTTP request duration by method, route template and status', labels: ['method', 'route', 'status'], buckets: SECONDS,
  },
  floe_commit_duration_seconds: {
    kind: 'histogram', help: 'Time from a commit entering the committer to its outcome', labels: ['outcome'], buckets: SECONDS,
  },
  floe_commit_batch_size: {
    kind: 'histogram', help: 'Commits written together in one log entry', labels: [], buckets: [1, 2, 4, 8, 16, 32, 64, 128],
  },
  floe_commit_races_lost_total: { kind: 'counter', help: 'Log appends that lost the create-if-absent race to another writer', labels: [] },
  floe_commit_unknown_outcomes_total: { kind: 'counter', help: 'Commits answered CommitStateUnknown', labels: [] },
  floe_http_unavailable_total: { kind: 'counter', help: 'Requests answered 503', labels: ['route'] },
  floe_log_head_seq: { kind: 'gauge', help: 'Sequence number of the newest log entry this replica has applied', labels: [] },
  floe_log_probe_age_seconds: { kind: 'gauge', help: 'Seconds since the last successful probe of the log head', labels: [] },
  floe_checkpoint_seq: { kind: 'gauge', help: 'Log sequence number covered by the newest checkpoint', labels: [] },
  floe_checkpoint_age_seconds: { kind: 'gauge', help: 'Seconds since the newest checkpoint was written or loaded', labels: [] },
  floe_background_runs_total: { kind: 'counter', help: 'Background job runs (gc, checkpoint, poll, purge, probe)', labels: ['job'] },
  floe_background_failures_total: { kind: 'counter', help: 'Background job runs that failed (each is also logged)', labels: ['job'] },
  floe_gc_deleted_objects_total: { kind: 'counter', help: 'Objects deleted by the log garbage collector', labels: [] },
  floe_purge_queue_length: { kind: 'gauge', help: 'Purges of dropped tables waiting to run', labels: [] },
  floe_objectstore_requests_total: {
    kind: 'counter', help: 'Object store requests by backend, operation and outcome', labels: ['backend', 'operation', 'outcome'],
  },
  floe_objectstore_request_duration_seconds: {
    kind: 'histogram', help: 'Object store request latency by backend and operation', labels: ['backend', 'operation'], buckets: SECONDS,
  },
  floe_idempotent_replays_total: { kind: 'counter', help: 'Requests answered from a recorded Idempotency-Key outcome', labels: [] },
  // Engine reports (POST .../tables/{table}/metrics). `table` is namespace.table, bounded by
  // ENGINE_REPORT_TABLES_MAX distinct values per process; later tables count under "_other".
  floe_engine_scan_reports_total: { kind: 'counter', help: 'ScanReports received from engines, by table', labels: ['table'] },
  floe_engine_scan_planning_duration_seconds: {
    kind: 'histogram', help: 'Scan planning time engines reported (total-planning-duration), by table', labels: ['table'], buckets: ENGINE_SECONDS,
  },
  floe_engine_scan_result_data_files_total: { kind: 'counter', help: 'Data files engines reported their scans selected (result-data-files), by table', labels: ['table'] },
  floe_engine_scan_result_delete_files_total: { kind: 'counter', help: 'Delete files engines reported their scans selected (result-delete-files), by table', labels: ['table'] },
  floe_engine_scan_file_bytes_total: { kind: 'counter', help: 'Bytes of data files engines reported their scans selected (total-file-size-bytes), by table', labels: ['table'] },
  floe_engine_commit_reports_total: { kind: 'counter', help: 'CommitReports received from engines, by table and operation', labels: ['table', 'operation'] },
  floe_engine_commit_duration_seconds: {
    kind: 'histogram', help: 'Commit time engines reported (total-duration, retries included), by table', labels: ['table'], buckets: ENGINE_SECONDS,
  },
  floe_engine_commit_attempts_total: { kind: 'counter', help: 'Commit attempts engines reported (attempts; above the report count means retries), by table', labels: ['table'] },
  floe_engine_commit_added_data_files_total: { kind: 'counter', help: 'Data files engines reported adding (added-data-files), by table', labels: ['table'] },
  floe_engine_commit_removed_data_files_total: { kind: 'counter', help: 'Data files engines reported removing (removed-data-files), by table', labels: ['table'] },
  floe_engine_commit_added_records_total: { kind: 'counter', help: 'Records engines reported adding (added-records), by table', labels: ['table'] },
  floe_engine_commit_removed_records_total: { kind: 'counter', help: 'Records engines reported removing (removed-records), by table', labels: ['table'] },
  floe_engine_commit_added_bytes_total: { kind: 'counter', help: 'Bytes of files engines reported adding (added-files-size-bytes), by table', labels: ['table'] },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
type NamesOf<K extends MetricKind> = { [N in MetricName]: (typeof METRICS)[N]['kind'] extends K ? N : never }[MetricName];
export type CounterName = NamesOf<'counter'>;
export type GaugeName = NamesOf<'gauge'>;
export type HistogramName = NamesOf<'histogram'>;
export type Labels = Readonly<Record<string, string>>;

export interface Metrics {
  inc(name: CounterName, labels?: Labels, by?: number): void;
  set(name: GaugeName, value: number, labels?: Labels): void;
  observe(name: HistogramName, value: number, labels?: Labels): void;
}

export interface Telemetry {
  readonly log: Logger;
  readonly metrics: Metrics;
}

const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

const noMetrics: Metrics = { inc: () => undefined, set: () => undefined, observe: () => undefined };

/** For tools and tests that have nowhere to report to. */
export const silentTelemetry: Telemetry = { log: silentLogger, metrics: noMetrics };
