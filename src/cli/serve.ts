// `floe serve`: opens the catalog on the configured storage and serves the REST API, logs
// through pino (JSON on stdout, or pretty on a terminal), prints a human banner on stderr (never
// into the JSON stream), exports /metrics, and shuts down gracefully on SIGTERM/SIGINT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWarehouseUrl, openCatalog, type Catalog } from '../catalog/index.js';
import { ConfigError, type Settings } from '../config/index.js';
import type { FastifyInstance } from 'fastify';
import { PromMetrics, buildAdminApp, buildApp, createLogger, defaultLogFormat, shutDown, type PinoLogger } from '../http/index.js';
import { redactString } from '../http/redact.js';
import { InvalidStorageUrl, openObjectStore, parseStorageUrl } from '../objectstore/index.js';
import { probeBeforeServe } from './probe.js';
import { checkServeRoot } from './root-check.js';
import { FLOE_VERSION } from '../util/version.js';

export interface ServeHandle {
  url: string;
  /** the admin listener's URL when [server] admin_port is set */
  adminUrl?: string;
  warehouseUrl: string;
  /** graceful: not ready, stop accepting, finish requests in flight (bounded by shutdown_timeout_ms), close */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** create a new catalog even in a non-empty root that is not a catalog */
  init?: boolean;
}

function checkWarehouseUrl(warehouse: string): void {
  try {
    parseStorageUrl(warehouse);
  } catch (error) {
    if (error instanceof InvalidStorageUrl) throw new ConfigError(`invalid value for warehouse: ${error.message}`);
    throw error;
  }
}

function listeningUrl(app: FastifyInstance, host: string, fallbackPort: number): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : fallbackPort;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Opens the catalog and listens. `banner` gets the human start-up lines (stderr); `log` gets the
 * same facts as one structured line, and every request and the shutdown after it.
 */
export async function serve(settings: Settings, banner: (line: string) => void, log: PinoLogger, options: ServeOptions = {}): Promise<ServeHandle> {
  const storageUrl = settings.storage.object_store_url;
  if (settings.server.warehouse !== undefined) checkWarehouseUrl(settings.server.warehouse);
  const objects = openObjectStore(storageUrl, settings.storage);
  // TODO(issue 13, lead at merge): pass createTelemetry(log, metrics) to openCatalog / the store
  // (its `telemetry` option), and after opening: metrics.beforeScrape(() => catalog.store.reportGauges()).
  const metrics = new PromMetrics();
  let catalog: Catalog;
  // a temp warehouse made for memory:// is ours to remove; a configured one never is
  let tempWarehouse: string | undefined;
  try {
    await probeBeforeServe(objects);
    const verdict = await checkServeRoot(objects, storageUrl, settings.storage, Boolean(options.init));
    const warehouseUrl =
      settings.server.warehouse ?? defaultWarehouseUrl(storageUrl, () => (tempWarehouse = mkdtempSync(join(tmpdir(), 'floe-warehouse-'))));
    catalog = await openCatalog({ settings, warehouseUrl, objects, create: verdict.kind === 'new' });
  } catch (error) {
    await objects.close();
    if (tempWarehouse) rmSync(tempWarehouse, { recursive: true, force: true });
    throw error;
  }
  const release = async () => {
    try {
      await catalog.close();
    } finally {
      if (tempWarehouse) rmSync(tempWarehouse, { recursive: true, force: true });
    }
  };
  const lifecycle = { draining: false };
  const allowedHosts = (settings.server.allowed_hosts ?? '').split(/[\s,]+/).filter((h) => h !== '');
  const app = buildApp({
    catalog,
    lifecycle,
    idempotencyKeyLifetime: settings.catalog.idempotency_key_lifetime,
    log,
    metrics,
    host: settings.server.host,
    allowedHosts,
  });
  const admin =
    settings.server.admin_port === undefined
      ? undefined
      : buildAdminApp({ catalog, lifecycle, metrics, log, host: settings.server.host, allowedHosts });
  try {
    await app.listen({ host: settings.server.host, port: settings.server.port });
    if (admin) await admin.listen({ host: settings.server.host, port: settings.server.admin_port });
  } catch (error) {
    await app.close();
    await admin?.close();
    await release();
    throw error;
  }
  const url = listeningUrl(app, settings.server.host, settings.server.port);
  const adminUrl = admin ? listeningUrl(admin, settings.server.host, settings.server.admin_port ?? 0) : undefined;
  const identity = catalog.store.identity;
  const restored = identity.restoredFrom ? `, restored from catalog ${identity.restoredFrom.catalogId} at seq ${identity.restoredFrom.seq}` : '';
  const lines = [
    `Floe catalog serving at ${url}`,
    ...(adminUrl ? [`  admin:     ${adminUrl} (/health, /ready, /metrics)`] : []),
    catalog.store.createdIdentity
      ? `  catalog:   created a new catalog ${identity.catalogId}`
      : `  catalog:   opened catalog ${identity.catalogId} (created ${identity.createdAt}${restored})`,
    `  storage:   ${catalog.objects.displayUrl} (head seq ${catalog.store.headSeq})`,
    `  warehouse: ${catalog.warehouseUrl}${tempWarehouse ? ' (a temp directory, removed on exit)' : ''}`,
    ...(catalog.objects.backend === 'memory' ? ['  warning:   memory:// keeps the catalog in this process only: everything is lost when it exits'] : []),
  ];
  for (const line of lines) banner(redactString(line));
  log.info(
    {
      url, adminUrl, catalogId: identity.catalogId, created: catalog.store.createdIdentity, storage: catalog.objects.displayUrl,
      headSeq: catalog.store.headSeq, warehouse: catalog.warehouseUrl, version: FLOE_VERSION,
    },
    'serving',
  );
  if (catalog.objects.backend === 'memory') log.warn({}, 'memory:// keeps the catalog in this process only: everything is lost when it exits');
  let closing: Promise<void> | undefined;
  return {
    url,
    adminUrl,
    warehouseUrl: catalog.warehouseUrl,
    close() {
      closing ??= shutDown({ lifecycle, app, admin, release, timeoutMs: settings.server.shutdown_timeout_ms, log });
      return closing;
    },
  };
}

/** How a signal ends the process: the first shuts down gracefully and exits 0, a second exits at once. */
export function stopOnSignals(handle: ServeHandle, log: PinoLogger, exit: (code: number) => void = (code) => process.exit(code)): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now, without waiting for requests in flight');
      exit(1);
      return;
    }
    stopping = true;
    log.info({ signal }, 'signal received');
    handle.close().then(
      () => exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** `floe serve` as the command runs it: logger from the settings, banner on stderr, signals handled. */
export async function runServe(settings: Settings, options: ServeOptions = {}): Promise<void> {
  const log = createLogger({ level: settings.server.log_level, format: settings.server.log_format ?? defaultLogFormat() });
  // the effective configuration, for "which value won?"; secrets are redacted like every line
  log.debug({ settings }, 'settings');
  const handle = await serve(settings, (line) => process.stderr.write(line + '\n'), log, options);
  stopOnSignals(handle, log);
}
