// `floe serve`: opens the catalog on the configured storage and serves the REST API.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWarehouseUrl, openCatalog, type Catalog } from '../catalog/index.js';
import { ConfigError, type Settings } from '../config/index.js';
import { buildApp, planAuth } from '../http/index.js';
import { InvalidStorageUrl, openObjectStore, parseStorageUrl } from '../objectstore/index.js';
import { probeBeforeServe } from './probe.js';
import { checkServeRoot } from './root-check.js';
import { readTls } from './tls.js';

export interface ServeHandle {
  url: string;
  warehouseUrl: string;
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

export async function serve(settings: Settings, log: (line: string) => void, options: ServeOptions = {}): Promise<ServeHandle> {
  const storageUrl = settings.storage.object_store_url;
  // before anything is opened: a server that must not run past loopback never starts
  const authPlan = planAuth(settings.auth, settings.server.host);
  const tls = readTls(settings.server);
  if (settings.server.warehouse !== undefined) checkWarehouseUrl(settings.server.warehouse);
  const objects = openObjectStore(storageUrl, settings.storage);
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
  const removeTemp = () => {
    if (tempWarehouse) rmSync(tempWarehouse, { recursive: true, force: true });
  };
  const lifecycle = { draining: false };
  const app = buildApp({
    catalog,
    lifecycle,
    ...(authPlan.auth && { auth: authPlan.auth }),
    ...(tls && { tls }),
    idempotencyKeyLifetime: settings.catalog.idempotency_key_lifetime,
    logger: { level: process.env.FLOE_LOG_LEVEL ?? 'warn' },
    host: settings.server.host,
    allowedHosts: (settings.server.allowed_hosts ?? '').split(/[\s,]+/).filter((h) => h !== ''),
  });
  try {
    await app.listen({ host: settings.server.host, port: settings.server.port });
  } catch (error) {
    await catalog.close();
    removeTemp();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.server.port;
  const host = settings.server.host.includes(':') ? `[${settings.server.host}]` : settings.server.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  const identity = catalog.store.identity;
  const restored = identity.restoredFrom ? `, restored from catalog ${identity.restoredFrom.catalogId} at seq ${identity.restoredFrom.seq}` : '';
  log(`Floe catalog serving at ${url}`);
  log(
    catalog.store.createdIdentity
      ? `  catalog:   created a new catalog ${identity.catalogId}`
      : `  catalog:   opened catalog ${identity.catalogId} (created ${identity.createdAt}${restored})`,
  );
  log(`  storage:   ${catalog.objects.displayUrl} (head seq ${catalog.store.headSeq})`);
  log(`  warehouse: ${catalog.warehouseUrl}${tempWarehouse ? ' (a temp directory, removed on exit)' : ''}`);
  for (const line of authPlan.lines) log(line);
  if (catalog.objects.backend === 'memory') {
    log('  warning:   memory:// keeps the catalog in this process only: everything is lost when it exits');
  }
  return {
    url,
    warehouseUrl: catalog.warehouseUrl,
    reloadTls() {
      const files = readTls(settings.server);
      // bound by buildApp's options: an https server when tls was given at start
      if (!files || !('setSecureContext' in app.server)) return false;
      (app.server as unknown as TlsServer).setSecureContext(files);
      return true;
    },
    async close() {
      try {
        lifecycle.draining = true;
        await app.close();
        await catalog.close();
      } finally {
        removeTemp();
      }
    },
  };
}
