// Starts the real server (Fastify on a real port) over a fresh catalog and sends real HTTP
// requests; every response is validated against the OpenAPI spec by the contract checker,
// and a test file ends by asserting that no response violated it.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog, type Catalog } from '../../src/catalog/index.js';
import { loadSettings } from '../../src/config/index.js';
import { buildApp, type AuthOptions } from '../../src/http/index.js';
import type { ObjectStore } from '../../src/objectstore/index.js';
import { contractChecker } from '../contract/openapi.js';
import { jsonRequest } from './client.js';

export interface Response {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience over validated JSON
  text: string;
}

export interface TestServer {
  url: string;
  catalog: Catalog;
  warehouseDir: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startServer(
  options: { storage?: string; warehouse?: string; env?: Record<string, string>; objects?: ObjectStore; auth?: AuthOptions } = {},
): Promise<TestServer> {
  const warehouseDir = mkdtempSync(join(tmpdir(), 'floe-wh-'));
  const settings = loadSettings({ env: { ...(options.env ?? {}) }, flags: { object_store_url: options.storage ?? 'memory://' } });
  const catalog = await openCatalog({ settings, warehouseUrl: options.warehouse ?? `file://${warehouseDir}`, objects: options.objects });
  const app = buildApp({ catalog, ...(options.auth && { auth: options.auth }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const checker = contractChecker();
  return {
    url,
    catalog,
    warehouseDir,
    async request(method, path, body, headers = {}) {
      const response = await jsonRequest(url + path, method, body, headers);
      checker.validateResponse(method, path, response.status, response.body);
      return response;
    },
    async close() {
      await app.close();
      await catalog.close();
    },
  };
}

/** Call once per test file: fails the file if any response broke the spec. */
export function assertContractAfterAll(): void {
  after(() => {
    const { violations } = contractChecker();
    assert.deepEqual(violations, [], `responses violating the OpenAPI spec:\n${JSON.stringify(violations, null, 2)}`);
  });
}

/**
 * The usual setup of a test file: one server for the whole file, started before its tests with
 * namespace `namespace` created, closed after them, and the contract asserted at the end. The
 * returned server forwards to the one started (use it inside tests and hooks, not at load time).
 */
export function serverForFile(namespace = 'db', options: Parameters<typeof startServer>[0] = {}): TestServer {
  let started: TestServer | undefined;
  before(async () => {
    started = await startServer(options);
    await started.request('POST', '/v1/namespaces', { namespace: [namespace] });
  });
  after(() => started?.close());
  assertContractAfterAll();
  const current = (): TestServer => {
    if (!started) throw new Error('the server is started in a before() hook; use it inside tests');
    return started;
  };
  return {
    get url() {
      return current().url;
    },
    get catalog() {
      return current().catalog;
    },
    get warehouseDir() {
      return current().warehouseDir;
    },
    request: (method, path, body, headers) => current().request(method, path, body, headers),
    close: () => current().close(),
  };
}

export const SIMPLE_SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'data', type: 'string', required: false },
  ],
};

export function expectError(response: Response, status: number, type: string, messagePrefix?: string | RegExp): void {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.text}`);
  assert.equal(response.body?.error?.code, status);
  assert.equal(response.body?.error?.type, type, response.text);
  assert.equal(typeof response.body?.error?.message, 'string');
  if (typeof messagePrefix === 'string') assert.ok(response.body.error.message.startsWith(messagePrefix), `message: ${response.body.error.message}`);
  else if (messagePrefix) assert.match(response.body.error.message, messagePrefix);
}

/** A commit body that appends snapshot `id` (parent `id - 1`) to a table at `location` and moves main to it. */
export function appendSnapshotCommit(location: string, id: number): Record<string, unknown> {
  return {
    requirements: [],
    updates: [
      {
        action: 'add-snapshot',
        snapshot: {
          'snapshot-id': id, ...(id > 1 && { 'parent-snapshot-id': id - 1 }), 'sequence-number': id, 'timestamp-ms': Date.now() + id,
          'manifest-list': `${location}/metadata/snap-${id}.avro`, summary: { operation: 'append' }, 'schema-id': 0,
        },
      },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id },
    ],
  };
}
