// `floe serve`: opens the catalog on the configured storage and serves the REST API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWarehouseUrl, openCatalog } from '../catalog/index.js';
import type { Settings } from '../config/index.js';
import { buildApp } from '../http/index.js';
import { probeBeforeServe } from './probe.js';

export interface ServeHandle {
  url: string;
  warehouseUrl: string;
  close(): Promise<void>;
}

export async function serve(settings: Settings, log: (line: string) => void): Promise<ServeHandle> {
  const storageUrl = settings.storage.object_store_url;
  const warehouseUrl =
    settings.server.warehouse ?? defaultWarehouseUrl(storageUrl, () => mkdtempSync(join(tmpdir(), 'floe-warehouse-')));
  const catalog = await openCatalog({ settings, warehouseUrl, checkObjects: probeBeforeServe });
  const app = buildApp({
    catalog,
    idempotencyKeyLifetime: settings.catalog.idempotency_key_lifetime,
    logger: { level: process.env.FLOE_LOG_LEVEL ?? 'warn' },
    host: settings.server.host,
    allowedHosts: (settings.server.allowed_hosts ?? '').split(/[\s,]+/).filter((h) => h !== ''),
  });
  try {
    await app.listen({ host: settings.server.host, port: settings.server.port });
  } catch (error) {
    await catalog.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.server.port;
  const host = settings.server.host.includes(':') ? `[${settings.server.host}]` : settings.server.host;
  const url = `http://${host}:${port}`;
  log(`Floe catalog serving at ${url}`);
  log(`  storage:   ${catalog.objects.displayUrl} (head seq ${catalog.store.headSeq})`);
  log(`  warehouse: ${catalog.warehouseUrl}`);
  return {
    url,
    warehouseUrl: catalog.warehouseUrl,
    async close() {
      await app.close();
      await catalog.close();
    },
  };
}
