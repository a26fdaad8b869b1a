// `floe serve`: opens the catalog on the configured storage and serves the REST API, logs
// through pino (JSON on stdout, or pretty on a terminal), prints a human banner on stderr (never
// into the JSON stream), exports /metrics, and shuts down gracefully on SIGTERM/SIGINT.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWarehouseUrl, openCatalog, type Catalog } from '../catalog/index.js';
import { ConfigError, type Settings } from '../config/index.js';
import type { FastifyInstance } from 'fastify';
import { PromMetrics, buildAdminApp, buildApp, createLogger, createTelemetry, defaultLogFormat, planAuth, redactString, shutDown, type PinoLogger } from '../http/index.js';
import { InvalidStorageUrl, openObjectStore, parseStorageUrl } from '../objectstore/index.js';
import { probeBeforeServe } from './probe.js';
import { checkServeRoot } from './root-check.js';
import { readTls } from './tls.js';
import { FLOE_VERSION } from '../util/index.js';

export interface ServeHandle {
  url: string;
  /** the admin listener's URL when [server] admin_port is set */
  adminUrl?: string;
  warehouseUrl: string;
  /** graceful: not ready, stop accepting, finish requests in flight (bounded by shutdown_timeout_ms), close */
  close(): Promise<void>;
  /** re-reads [server] tls_cert and tls_key (SIGHUP): new connections get the new pair, open ones stay; false without TLS */
  reloadTls(): boolean;
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

function listeningUrl(app: FastifyInstance, host: string, fallbackPort: number, scheme: 'http' | 'https'): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : fallbackPort;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Opens the catalog and listens. `banner` gets the human start-up lines (stderr); `log` gets the
 * same facts as one structured line, and every request and the shutdown after it.
 */
export async function serve(settings: Settings, banner: (line: string) => void, log: PinoLogger, options: ServeOptions = {}): Promise<ServeHandle> {
  const storageUrl = settings.storage.object_store_url;
  // before anything is opened: a server that must not run past loopback never starts
  const authPlan = planAuth(settings.auth, settings.server.host);
  const tls = readTls(settings.server);
  if (settings.server.warehouse !== undefined) checkWarehouseUrl(settings.server.warehouse);
  const objects = openObjectStore(storageUrl, settings.storage);
  const metrics = new PromMetrics();
  // the store, the catalog and the object stores report through the same logger and registry
  const telemetry = createTelemetry(log, metrics);
  let catalog: Catalog;
  // a temp warehouse made for memory:// is ours to remove; a configured one never is
  let tempWarehouse: string | undefined;
  try {
    await probeBeforeServe(objects);
    const verdict = await checkServeRoot(objects, storageUrl, settings.storage, Boolean(options.init));
    const warehouseUrl =
      settings.server.warehouse ?? defaultWarehouseUrl(storageUrl, () => (tempWarehouse = mkdtempSync(join(tmpdir(), 'floe-warehouse-'))));
    catalog = await openCatalog({ settings, warehouseUrl, objects, create: verdict.kind === 'new', telemetry });
  } catch (error) {
    await objects.close();
    if (tempWarehouse) rmSync(tempWarehouse, { recursive: true, force: true });
    throw error;
  }
  // gauges read from the store's state when Prometheus scrapes, not on every commit
  metrics.beforeScrape(() => catalog.store.reportGauges());
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
    ...(authPlan.auth && { auth: authPlan.auth }),
    ...(tls && { tls }),
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
  const url = listeningUrl(app, settings.server.host, settings.server.port, tls ? 'https' : 'http');
  const adminUrl = admin ? listeningUrl(admin, settings.server.host, settings.server.admin_port ?? 0, 'http') : undefined;
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
    ...authPlan.lines,
    ...(catalog.objects.backend === 'memory' ? ['  warning:   memory:// keeps the catalog in this process only: everything is lost when it exits'] : []),
  ];
  for (const line of lines) banner(redactString(line));
  // anonymous past loopback is warned on every start, in the log too
  for (const line of authPlan.lines) if (line.trimStart().startsWith('warning:')) log.warn({ host: settings.server.host }, line.trim());
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
    reloadTls() {
      const files = readTls(settings.server);
      // bound by buildApp's options: an https server when tls was given at start
      if (!files || !('setSecureContext' in app.server)) return false;
      (app.server as unknown as TlsServer).setSecureContext(files);
      return true;
    },
    close() {
      closing ??= shutDown({ lifecycle, app, admin, release, timeoutMs: settings.server.shutdown_timeout_ms, log });
      return closing;
    },
  };
}

/** How a signal ends the process: the first shuts down gracefully and exits 0, a second exits at once. */
export function stopOnSignals(
  handle: Promise<ServeHandle>,
  log: PinoLogger,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now, without waiting for requests in flight');
      exit(1);
      return;
    }
    stopping = true;
    log.info({ signal }, 'signal received');
    // a signal during start-up waits for the server to be up, then shuts it down the same way
    handle.then((server) => server.close()).then(
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
  const starting = serve(settings, (line) => process.stderr.write(line + '\n'), log, options);
  // installed before the banner is printed: whoever reacts to the banner with SIGTERM gets a
  // graceful shutdown (temp warehouse removed), never the default handler's abrupt exit
  stopOnSignals(starting, log);
  const handle = await starting;
  process.on('SIGHUP', () => {
    try {
      if (handle.reloadTls()) log.info({}, 'TLS certificate and key re-read');
    } catch (error) {
      // the old pair keeps serving: a half-written renewal must not take the server down
      log.error({ err: error }, 'TLS reload failed, still serving the previous certificate');
    }
  });
}
