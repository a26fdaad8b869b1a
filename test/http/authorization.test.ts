// Authorization enforced on every operation of the Iceberg REST spec (read from ../shared at test
// time, so an operation added to the spec fails here until it is given its privileges), over real
// HTTP with [auth] mode builtin: without a token 401; with a principal holding no role, or every
// privilege on the catalog but the ones the operation needs, 403 and nothing changes; with a
// custom role granted exactly those privileges, 2xx. Then: lists filtered before paging, sign and
// credentials by data access, Idempotency-Key replays never crossing principals, revokes and
// grants taking effect on the next request of another replica, and iceberg-js with a token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IcebergRestCatalog } from 'iceberg-js';
import { access, createPrincipal } from '../../src/catalog/index.js';
import { PRIVILEGES, type CatalogStore, type Effect, type Privilege, type Securable } from '../../src/store/index.js';
import { loadSpec } from '../fuzz/spec.js';
import { jsonRequest } from './client.js';
import { assertContractAfterAll, expectError, SIMPLE_SCHEMA, startServer, type Response, type TestServer } from './harness.js';

const OPERATIONS = loadSpec().operations;
const AUTH = { builtin: {}, metricsRequireAuth: true };
const dir = mkdtempSync(join(tmpdir(), 'floe-authz-'));
const storage = `file://${dir}/catalog`;
const AWS: Record<string, string> = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const savedEnv: Record<string, string | undefined> = {};

let server: TestServer;
let store: CatalogStore;
let adminToken: string;
let testerToken: string;
let roleCount = 0;

assertContractAfterAll();

async function tokenOf(s: TestServer, made: { clientId: string; clientSecret: string }): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: made.clientId, client_secret: made.clientSecret, scope: 'catalog' }).toString();
  const answer = await s.request('POST', '/v1/oauth/tokens', form, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(answer.status, 200, answer.text);
  return (answer.body as { access_token: string }).access_token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const asAdmin = (method: string, path: string, body?: unknown) => server.request(method, path, body, bearer(adminToken));

async function ok(response: Response | Promise<Response>, status = 200): Promise<Response> {
  const got = await response;
  assert.equal(got.status, status, got.text);
  return got;
}

async function commitEffects(s: CatalogStore, effects: Effect[]): Promise<void> {
  await s.commit(async () => ({ kind: 'txn', effects, result: undefined }));
}

/** Makes `principal` hold exactly one new custom role granted exactly `grants` (none: no role at all). */
async function holdExactly(principal: string, grants: [Privilege, Securable][], s: CatalogStore = store): Promise<string> {
  const role = `role${++roleCount}`;
  await s.commit(async (state) => ({
    kind: 'txn',
    effects: [
      { op: 'role.create', name: role, createdMs: 1 },
      ...grants.map(([privilege, on]): Effect => ({ op: 'grant.add', role, on, privilege })),
      // the newest state's roles (the principal may have been made through another replica)
      { op: 'principal.setRoles', name: principal, expect: [...state.principals.get(principal)!.roles], roles: grants.length === 0 ? [] : [role] },
    ],
    result: undefined,
  }));
  return role;
}

const catalog: Securable = { kind: 'catalog' };
const ns = (...levels: string[]): Securable => ({ kind: 'namespace', ns: levels });
const table = (levels: string[], name: string): Securable => ({ kind: 'table', ns: levels, name });
const view = (levels: string[], name: string): Securable => ({ kind: 'view', ns: levels, name });

const viewVersion = (namespace: string) => ({
  'version-id': 1,
  'timestamp-ms': 1_700_000_000_000,
  'schema-id': 0,
  summary: { 'engine-name': 'spark' },
  representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }],
  'default-namespace': [namespace],
});
const viewBody = (namespace: string, name: string, properties: Record<string, string> = {}) =>
  ({ name, schema: SIMPLE_SCHEMA, 'view-version': viewVersion(namespace), properties });

/** One request of a case, against its own namespace `n` (made fresh for each case). */
interface Case {
  /** the privileges the request needs, on what */
  needs: (n: string) => [Privilege, Securable][];
  method: string;
  path: (n: string, extra: Record<string, string>) => string;
  body?: (n: string, extra: Record<string, string>) => unknown;
  /** the answer with the grant */
  status: number;
  /** the error type with the grant, when it is not a 2xx (said why at the case) */
  type?: string;
  /** what the principal that lacks the grant holds (default: every privilege on the catalog that gives none of `needs`) */
  lacking?: (n: string) => [Privilege, Securable][];
  /** set from the case's name when it is sent */
  operationId?: string;
  /** more fixtures, made by the admin; their values are handed to path and body */
  setup?: (n: string) => Promise<Record<string, string>>;
}

const T = (n: string, name = 't') => `/v1/namespaces/${n}/tables/${name}`;
const V = (n: string, name = 'v') => `/v1/namespaces/${n}/views/${name}`;
const setProperties = { requirements: [], updates: [{ action: 'set-properties', updates: { owner: 'someone' } }] };

async function planOf(n: string): Promise<Record<string, string>> {
  const plan = await ok(asAdmin('POST', `${T(n)}/plan`, {}));
  return { plan: plan.body['plan-id'] as string };
}

const CASES: Record<string, Case> = {
  getConfig: { needs: () => [], method: 'GET', path: () => '/v1/config', status: 200 },
  listNamespaces: {
    needs: (n) => [['NAMESPACE_LIST', ns(n)]], method: 'GET', path: (n) => `/v1/namespaces?parent=${n}`, status: 200,
    lacking: () => [['NAMESPACE_LIST', ns('elsewhere')]],
  },
  createNamespace: { needs: (n) => [['NAMESPACE_CREATE', ns(n)]], method: 'POST', path: () => '/v1/namespaces', body: (n) => ({ namespace: [n, 'child'] }), status: 200 },
  loadNamespaceMetadata: { needs: (n) => [['NAMESPACE_READ_PROPERTIES', ns(n)]], method: 'GET', path: (n) => `/v1/namespaces/${n}`, status: 200 },
  namespaceExists: { needs: (n) => [['NAMESPACE_READ_PROPERTIES', ns(n)]], method: 'HEAD', path: (n) => `/v1/namespaces/${n}`, status: 204 },
  dropNamespace: { needs: (n) => [['NAMESPACE_DROP', ns(n, 'empty')]], method: 'DELETE', path: (n) => `/v1/namespaces/${n}%1Fempty`, status: 204 },
  updateProperties: {
    needs: (n) => [['NAMESPACE_WRITE_PROPERTIES', ns(n)]], method: 'POST', path: (n) => `/v1/namespaces/${n}/properties`,
    body: () => ({ updates: { owner: 'someone' }, removals: [] }), status: 200,
  },
  listTables: {
    needs: (n) => [['TABLE_LIST', ns(n)]], method: 'GET', path: (n) => `/v1/namespaces/${n}/tables`, status: 200,
    lacking: () => [['TABLE_LIST', ns('elsewhere')]],
  },
  createTable: { needs: (n) => [['TABLE_CREATE', ns(n)]], method: 'POST', path: (n) => `/v1/namespaces/${n}/tables`, body: () => ({ name: 'new', schema: SIMPLE_SCHEMA }), status: 200 },
  planTableScan: { needs: (n) => [['TABLE_READ_DATA', table([n], 't')]], method: 'POST', path: (n) => `${T(n)}/plan`, body: () => ({}), status: 200 },
  fetchPlanningResult: { needs: (n) => [['TABLE_READ_DATA', table([n], 't')]], method: 'GET', path: (n, x) => `${T(n)}/plan/${x.plan}`, status: 200, setup: planOf },
  cancelPlanning: { needs: (n) => [['TABLE_READ_DATA', table([n], 't')]], method: 'DELETE', path: (n, x) => `${T(n)}/plan/${x.plan}`, status: 204, setup: planOf },
  // plan tasks exist only for plans too large to answer inline: a made-up task past the check is NoSuchPlanTask
  fetchScanTasks: {
    needs: (n) => [['TABLE_READ_DATA', table([n], 't')]], method: 'POST', path: (n) => `${T(n)}/tasks`, body: () => ({ 'plan-task': 'made-up' }),
    status: 404, type: 'NoSuchPlanTaskException',
  },
  registerTable: {
    needs: (n) => [['TABLE_CREATE', ns(n)]], method: 'POST', path: (n) => `/v1/namespaces/${n}/register`,
    body: (_n, x) => ({ name: 'again', 'metadata-location': x.location }), status: 200,
    async setup(n) {
      const created = await ok(asAdmin('POST', `/v1/namespaces/${n}/tables`, { name: 'gone', schema: SIMPLE_SCHEMA }));
      await ok(asAdmin('POST', `${T(n, 'gone')}/unregister`));
      return { location: created.body['metadata-location'] as string };
    },
  },
  loadTable: { needs: (n) => [['TABLE_READ_METADATA', table([n], 't')]], method: 'GET', path: (n) => T(n), status: 200 },
  tableExists: { needs: (n) => [['TABLE_READ_METADATA', table([n], 't')]], method: 'HEAD', path: (n) => T(n), status: 204 },
  updateTable: { needs: (n) => [['TABLE_WRITE_METADATA', table([n], 't')]], method: 'POST', path: (n) => T(n), body: () => setProperties, status: 200 },
  dropTable: { needs: (n) => [['TABLE_DROP', table([n], 't')]], method: 'DELETE', path: (n) => T(n), status: 204 },
  unregisterTable: { needs: (n) => [['TABLE_DROP', table([n], 't')]], method: 'POST', path: (n) => `${T(n)}/unregister`, status: 200 },
  loadCredentials: { needs: (n) => [['TABLE_READ_DATA', table([n], 't')]], method: 'GET', path: (n) => `${T(n)}/credentials`, status: 200 },
  signRequest: {
    needs: (n) => [['TABLE_READ_DATA', table([n], 's')]], method: 'POST', path: (n) => `${T(n, 's')}/sign`,
    body: (n) => ({ region: 'us-east-1', uri: `https://bkt.s3.amazonaws.com/wh/${n}/s/data/f.parquet`, method: 'GET', headers: {} }), status: 200,
  },
  renameTable: {
    needs: (n) => [['TABLE_DROP', table([n], 't')], ['TABLE_CREATE', ns(n, 'dest')]], method: 'POST', path: () => '/v1/tables/rename',
    body: (n) => ({ source: { namespace: [n], name: 't' }, destination: { namespace: [n, 'dest'], name: 't' } }), status: 204,
  },
  reportMetrics: {
    needs: (n) => [['TABLE_READ_METADATA', table([n], 't')]], method: 'POST', path: (n) => `${T(n)}/metrics`,
    body: (n) => ({ 'report-type': 'commit-report', 'table-name': `${n}.t`, 'snapshot-id': 1, 'sequence-number': 1, operation: 'append', metrics: {} }),
    status: 204,
  },
  commitTransaction: {
    needs: (n) => [['TABLE_WRITE_METADATA', table([n], 't')], ['TABLE_WRITE_METADATA', table([n], 'u')]], method: 'POST', path: () => '/v1/transactions/commit',
    body: (n) => ({ 'table-changes': ['t', 'u'].map((name) => ({ identifier: { namespace: [n], name }, ...setProperties })) }), status: 204,
  },
  listViews: {
    needs: (n) => [['VIEW_LIST', ns(n)]], method: 'GET', path: (n) => `/v1/namespaces/${n}/views`, status: 200,
    lacking: () => [['VIEW_LIST', ns('elsewhere')]],
  },
  createView: { needs: (n) => [['VIEW_CREATE', ns(n)]], method: 'POST', path: (n) => `/v1/namespaces/${n}/views`, body: (n) => viewBody(n, 'new'), status: 200 },
  loadView: { needs: (n) => [['VIEW_READ_METADATA', view([n], 'v')]], method: 'GET', path: (n) => V(n), status: 200 },
  viewExists: { needs: (n) => [['VIEW_READ_METADATA', view([n], 'v')]], method: 'HEAD', path: (n) => V(n), status: 204 },
  replaceView: { needs: (n) => [['VIEW_WRITE_METADATA', view([n], 'v')]], method: 'POST', path: (n) => V(n), body: () => setProperties, status: 200 },
  dropView: { needs: (n) => [['VIEW_DROP', view([n], 'v')]], method: 'DELETE', path: (n) => V(n), status: 204 },
  renameView: {
    needs: (n) => [['VIEW_DROP', view([n], 'v')], ['VIEW_CREATE', ns(n, 'dest')]], method: 'POST', path: () => '/v1/views/rename',
    body: (n) => ({ source: { namespace: [n], name: 'v' }, destination: { namespace: [n, 'dest'], name: 'v' } }), status: 204,
  },
  registerView: {
    needs: (n) => [['VIEW_CREATE', ns(n)]], method: 'POST', path: (n) => `/v1/namespaces/${n}/register-view`,
    body: (_n, x) => ({ name: 'again', 'metadata-location': x.location }), status: 200,
    async setup(n) {
      // gc.enabled=false: the dropped view's metadata file stays, to be registered again
      const created = await ok(asAdmin('POST', `/v1/namespaces/${n}/views`, viewBody(n, 'gone', { 'gc.enabled': 'false' })));
      await ok(asAdmin('DELETE', V(n, 'gone')), 204);
      return { location: created.body['metadata-location'] as string };
    },
  },
};

/** Requests that are not operations of their own in the spec but need other privileges. */
const VARIANTS: Record<string, Case> = {
  'dropTable with purgeRequested': {
    needs: (n) => [['TABLE_DROP', table([n], 't')], ['TABLE_WRITE_DATA', table([n], 't')]], method: 'DELETE', path: (n) => `${T(n)}?purgeRequested=true`, status: 204,
  },
  'createTable with stage-create': {
    needs: (n) => [['TABLE_CREATE', ns(n)]], method: 'POST', path: (n) => `/v1/namespaces/${n}/tables`, body: () => ({ name: 'staged', schema: SIMPLE_SCHEMA, 'stage-create': true }), status: 200,
  },
  'updateTable with assert-create (a staged create committed)': {
    needs: (n) => [['TABLE_CREATE', ns(n)]], method: 'POST', path: (n) => T(n, 'ctas'),
    body: () => ({
      requirements: [{ type: 'assert-create' }],
      updates: [
        { action: 'upgrade-format-version', 'format-version': 2 },
        { action: 'add-schema', schema: SIMPLE_SCHEMA },
        { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'add-spec', spec: { 'spec-id': 0, fields: [] } },
        { action: 'set-default-spec', 'spec-id': -1 },
        { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } },
        { action: 'set-default-sort-order', 'sort-order-id': -1 },
      ],
    }),
    status: 200,
  },
  'signRequest for DELETE': {
    needs: (n) => [['TABLE_WRITE_DATA', table([n], 's')]], method: 'POST', path: (n) => `${T(n, 's')}/sign`,
    body: (n) => ({ region: 'us-east-1', uri: `https://bkt.s3.amazonaws.com/wh/${n}/s/data/f.parquet`, method: 'DELETE', headers: {} }), status: 200,
    // reading the data is not enough to delete it
    lacking: (n) => PRIVILEGES.filter((p) => p !== 'TABLE_WRITE_DATA').map((p): [Privilege, Securable] => [p, table([n], 's')]),
  },
};

/** Operations of the spec Floe does not serve: 404 to anyone authenticated, whatever it holds. */
const NOT_SERVED = new Set(['listFunctions', 'loadFunction']);
/** The token endpoint checks client credentials itself (test/http/auth). */
const NOT_A_CATALOG_OPERATION = new Set(['getToken']);

/** Every privilege on the catalog that gives none of `needs` (implied privileges count). */
function allBut(needs: [Privilege, Securable][]): [Privilege, Securable][] {
  const needed = access.maskOf(needs.map(([p]) => p));
  return PRIVILEGES.filter((p) => (access.maskOf([p]) & needed) === 0).map((p) => [p, catalog]);
}

let fixtures = 0;
/** A namespace of its own for a case: tables t, u and s (on S3, for signing), view v, namespaces empty and dest inside. */
async function fixture(): Promise<string> {
  const n = `case${++fixtures}`;
  await ok(asAdmin('POST', '/v1/namespaces', { namespace: [n] }));
  await ok(asAdmin('POST', '/v1/namespaces', { namespace: [n, 'empty'] }));
  await ok(asAdmin('POST', '/v1/namespaces', { namespace: [n, 'dest'] }));
  for (const name of ['t', 'u']) await ok(asAdmin('POST', `/v1/namespaces/${n}/tables`, { name, schema: SIMPLE_SCHEMA }));
  await ok(asAdmin('POST', `/v1/namespaces/${n}/tables`, {
    name: 's', schema: SIMPLE_SCHEMA, location: `s3://bkt/wh/${n}/s`, properties: { 'write.metadata.path': `file://${server.warehouseDir}/${n}-s-meta` },
  }));
  await ok(asAdmin('POST', `/v1/namespaces/${n}/views`, viewBody(n, 'v')));
  return n;
}

/** What a refused request must leave alone: the log head, and what the namespace holds and says. */
async function observe(n: string): Promise<string> {
  const parts = [String(store.headSeq)];
  for (const path of [`/v1/namespaces/${n}`, `/v1/namespaces?parent=${n}`, `/v1/namespaces/${n}/tables`, `/v1/namespaces/${n}/views`, T(n), V(n)]) {
    const got = await asAdmin('GET', path);
    parts.push(`${got.status} ${got.text.replace(/"(last-updated-ms|timestamp-ms)":\d+/g, '')}`);
  }
  return parts.join('\n');
}

/**
 * The spec declares 403 for HEAD of a table and of a namespace but not of a view (an omission:
 * the same refusal has no other status); those refusals are sent past the contract checker.
 */
const SPEC_OMITS_403 = new Set(['viewExists']);

async function send(c: Case, n: string, extra: Record<string, string>, headers: Record<string, string>, refusal = false): Promise<Response> {
  const body = c.body?.(n, extra) ?? (c.method === 'POST' ? {} : undefined);
  if (refusal && c.operationId !== undefined && SPEC_OMITS_403.has(c.operationId)) {
    return jsonRequest(server.url + c.path(n, extra), c.method, body, headers) as Promise<Response>;
  }
  return server.request(c.method, c.path(n, extra), body, headers);
}

before(async () => {
  for (const [k, v] of Object.entries(AWS)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  server = await startServer({ storage, auth: AUTH, env: { FLOE_ALLOWED_LOCATIONS: 's3://bkt/wh' } });
  store = server.catalog.store;
  adminToken = await tokenOf(server, await createPrincipal(store, 'admin', ['admin']));
  testerToken = await tokenOf(server, await createPrincipal(store, 'tester', []));
  await ok(asAdmin('POST', '/v1/namespaces', { namespace: ['elsewhere'] }));
});
after(async () => {
  await server.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test('every operation of the spec has its privileges here, and the spec has the ones this test knows', () => {
  const ids = OPERATIONS.map((op) => op.operationId);
  for (const id of ids) assert.ok(id in CASES || NOT_SERVED.has(id) || NOT_A_CATALOG_OPERATION.has(id), `operation ${id} has no case: which privilege does it need?`);
  for (const id of Object.keys(CASES)) assert.ok(ids.includes(id), `case ${id} is no operation of the spec`);
  for (const op of OPERATIONS) {
    const c = CASES[op.operationId];
    if (c) assert.equal(c.method, op.method, op.operationId);
  }
});

describe('each operation: 401 without a token, 403 and nothing changed without its grant, 2xx with exactly it', () => {
  for (const [name, c] of [...Object.entries(CASES), ...Object.entries(VARIANTS)]) {
    test(name, async () => {
      const n = await fixture();
      const extra = (await c.setup?.(n)) ?? {};
      const label = (who: string, got: Response) => `${name} ${who}: ${got.status} ${got.text}`;

      const anonymous = await send(c, n, extra, {});
      assert.equal(anonymous.status, 401, label('anonymous', anonymous));

      const needs = c.needs(n);
      if (needs.length > 0) {
        const refusals: [string, [Privilege, Securable][]][] = [
          ['holding no role', []],
          ['holding every other privilege', c.lacking?.(n) ?? allBut(needs)],
          // each one of several is needed
          ...(needs.length > 1 ? needs.map((_, i): [string, [Privilege, Securable][]] => [`holding all but ${needs[i]![0]}`, needs.filter((__, j) => j !== i)]) : []),
        ];
        for (const [who, grants] of refusals) {
          await holdExactly('tester', grants);
          const before = await observe(n);
          const refused = await send({ ...c, operationId: name }, n, extra, bearer(testerToken), true);
          assert.equal(refused.status, 403, label(who, refused));
          if (c.method !== 'HEAD') {
            expectError(refused, 403, 'ForbiddenException', /^Forbidden: principal tester lacks [A-Z_]+ on /);
            assert.doesNotMatch(refused.text, /metadata-location|file:\/\//, 'a refusal says nothing of what exists');
          }
          assert.equal(await observe(n), before, `${name} ${who}: nothing changed`);
        }
      }

      await holdExactly('tester', needs);
      const granted = await send(c, n, extra, bearer(testerToken));
      assert.equal(granted.status, c.status, label('with the grant', granted));
      if (c.type) expectError(granted, c.status, c.type);
    });
  }

  for (const id of NOT_SERVED) {
    test(`${id} is not served: 404 to anyone authenticated`, async () => {
      const op = OPERATIONS.find((o) => o.operationId === id)!;
      await holdExactly('tester', []);
      const got = await server.request(op.method, op.path.replace(/\{[^}]+\}/g, 'x'), undefined, bearer(testerToken));
      assert.equal(got.status, 404, got.text);
    });
  }
});

describe('lists show only what the caller may see, filtered before paging', () => {
  test('tables: every page full, tokens valid, exactly the visible tables in order', async () => {
    await ok(asAdmin('POST', '/v1/namespaces', { namespace: ['paged'] }));
    const names = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    for (const name of names) await ok(asAdmin('POST', '/v1/namespaces/paged/tables', { name, schema: SIMPLE_SCHEMA }));
    const visible = names.filter((_, i) => i % 3 === 1);
    await holdExactly('tester', visible.map((name) => ['TABLE_READ_METADATA', table(['paged'], name)]));
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | null | undefined;
    do {
      const query = `pageSize=3${token ? `&pageToken=${token}` : ''}`;
      const page = await ok(server.request('GET', `/v1/namespaces/paged/tables?${query}`, undefined, bearer(testerToken)));
      sizes.push(page.body.identifiers.length);
      seen.push(...page.body.identifiers.map((id: { name: string }) => id.name));
      token = page.body['next-page-token'];
    } while (token);
    assert.deepEqual(seen, visible);
    assert.deepEqual(sizes, [3, 3, 3, 1]);
    // unpaged: the same
    const all = await ok(server.request('GET', '/v1/namespaces/paged/tables', undefined, bearer(testerToken)));
    assert.deepEqual(all.body.identifiers.map((id: { name: string }) => id.name), visible);
    // the list privilege on the namespace shows them all
    await holdExactly('tester', [['TABLE_LIST', ns('paged')]]);
    const listed = await ok(server.request('GET', '/v1/namespaces/paged/tables?pageSize=100', undefined, bearer(testerToken)));
    assert.equal(listed.body.identifiers.length, names.length);
  });

  test('namespaces: those the caller holds something on or beneath, with pages; views alike', async () => {
    for (const n of ['ns_a', 'ns_b', 'ns_c', 'ns_d']) await ok(asAdmin('POST', '/v1/namespaces', { namespace: [n] }));
    await ok(asAdmin('POST', '/v1/namespaces', { namespace: ['ns_c', 'deep'] }));
    await ok(asAdmin('POST', '/v1/namespaces/ns_c%1Fdeep/views', viewBody('ns_c', 'w')));
    await ok(asAdmin('POST', '/v1/namespaces/ns_c%1Fdeep/views', viewBody('ns_c', 'x')));
    await holdExactly('tester', [['NAMESPACE_READ_PROPERTIES', ns('ns_a')], ['VIEW_READ_METADATA', view(['ns_c', 'deep'], 'x')]]);
    const first = await ok(server.request('GET', '/v1/namespaces?pageSize=1', undefined, bearer(testerToken)));
    assert.deepEqual(first.body.namespaces, [['ns_a']]);
    const second = await ok(server.request('GET', `/v1/namespaces?pageSize=1&pageToken=${first.body['next-page-token']}`, undefined, bearer(testerToken)));
    assert.deepEqual(second.body.namespaces, [['ns_c']], 'a grant deep in the tree leaves a path to it');
    assert.equal(second.body['next-page-token'], null);
    const views = await ok(server.request('GET', '/v1/namespaces/ns_c%1Fdeep/views', undefined, bearer(testerToken)));
    assert.deepEqual(views.body.identifiers, [{ namespace: ['ns_c', 'deep'], name: 'x' }]);
    expectError(await server.request('GET', '/v1/namespaces/ns_b/tables', undefined, bearer(testerToken)), 403, 'ForbiddenException');
  });
});

describe('data access: sign and credentials', () => {
  test('a read-only principal gets GET and HEAD signatures, never PUT, POST or DELETE; no data access gets no credentials', async () => {
    const n = await fixture();
    await holdExactly('tester', [['TABLE_READ_DATA', table([n], 's')]]);
    const sign = (method: string) =>
      server.request('POST', `${T(n, 's')}/sign`, { region: 'us-east-1', uri: `https://bkt.s3.amazonaws.com/wh/${n}/s/data/f.parquet`, method, headers: {} }, bearer(testerToken));
    for (const method of ['GET', 'HEAD']) await ok(sign(method));
    for (const method of ['PUT', 'POST', 'DELETE']) expectError(await sign(method), 403, 'ForbiddenException', /lacks TABLE_WRITE_DATA/);
    await ok(server.request('GET', `${T(n, 's')}/credentials`, undefined, bearer(testerToken)));
    // metadata alone is data access none: no credentials, no plan
    await holdExactly('tester', [['TABLE_WRITE_METADATA', table([n], 's')]]);
    expectError(await server.request('GET', `${T(n, 's')}/credentials`, undefined, bearer(testerToken)), 403, 'ForbiddenException', /lacks TABLE_READ_DATA/);
    expectError(await server.request('POST', `${T(n, 's')}/plan`, {}, bearer(testerToken)), 403, 'ForbiddenException');
    await ok(server.request('GET', T(n, 's'), undefined, bearer(testerToken)));
  });
});

describe('Idempotency-Key: a recorded answer goes to no other principal', () => {
  test('refused callers get 403, another allowed caller gets 400, the owner its replay until revoked', async () => {
    const n = await fixture();
    const other = await createPrincipal(store, 'other', []);
    const otherToken = await tokenOf(server, other);
    const body = { name: 'once', schema: SIMPLE_SCHEMA };
    const key = { 'idempotency-key': `authz-${n}` };
    const post = (token: string) => server.request('POST', `/v1/namespaces/${n}/tables`, body, { ...bearer(token), ...key });
    const role = await holdExactly('tester', [['TABLE_CREATE', ns(n)]]);
    const created = await ok(post(testerToken));
    // lacking the privilege: refused before the record is looked at, so the answer is not handed out
    const refused = await post(otherToken);
    expectError(refused, 403, 'ForbiddenException');
    assert.doesNotMatch(refused.text, /metadata-location/);
    // holding it: still not another principal's answer, and no second table
    await commitEffects(store, [{ op: 'principal.setRoles', name: 'other', expect: [], roles: [role] }]);
    const headBefore = store.headSeq;
    expectError(await post(otherToken), 400, 'BadRequestException', /already used by another principal/);
    assert.equal(store.headSeq, headBefore);
    // the owner's retry is replayed
    const replayed = await ok(post(testerToken));
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal(replayed.body['metadata-location'], created.body['metadata-location']);
    // a revoke takes effect on the replay too
    await commitEffects(store, [{ op: 'grant.revoke', role, on: ns(n), privilege: 'TABLE_CREATE' }]);
    expectError(await post(testerToken), 403, 'ForbiddenException');
  });
});

describe('two replicas on one catalog', () => {
  test('a grant made through one is enforced by the other on the next request, and so is its revoke', async () => {
    const replica = await startServer({ storage, warehouse: `file://${server.warehouseDir}`, auth: AUTH });
    try {
      const n = await fixture();
      const token = await tokenOf(replica, await createPrincipal(replica.catalog.store, 'remote', []));
      const load = () => replica.request('GET', T(n), undefined, bearer(token));
      const drop = () => replica.request('DELETE', T(n, 'u'), undefined, bearer(token));
      expectError(await load(), 403, 'ForbiddenException');
      // granted through the first replica
      const role = await holdExactly('remote', [['TABLE_READ_METADATA', table([n], 't')], ['TABLE_DROP', table([n], 'u')]]);
      await ok(load());
      await commitEffects(store, [{ op: 'grant.revoke', role, on: table([n], 't'), privilege: 'TABLE_READ_METADATA' }]);
      expectError(await load(), 403, 'ForbiddenException');
      // a write decides on the newest state: revoked through the first replica, refused by the other at once
      await commitEffects(store, [{ op: 'grant.revoke', role, on: table([n], 'u'), privilege: 'TABLE_DROP' }]);
      expectError(await drop(), 403, 'ForbiddenException');
      await ok(asAdmin('HEAD', T(n, 'u')), 204);
    } finally {
      await replica.close();
    }
  });
});

describe('iceberg-js', () => {
  test('with the token of a principal granted one namespace: works there, refused elsewhere', async () => {
    await ok(asAdmin('POST', '/v1/namespaces', { namespace: ['js'] }));
    await holdExactly('tester', [['TABLE_CREATE', ns('js')], ['TABLE_LIST', ns('js')], ['TABLE_DROP', ns('js')], ['TABLE_WRITE_METADATA', ns('js')]]);
    const client = new IcebergRestCatalog({ baseUrl: server.url, auth: { type: 'bearer', token: testerToken } });
    const schema = { type: 'struct' as const, 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long' as const, required: true }] };
    await client.createTable({ namespace: ['js'] }, { name: 'events', schema });
    assert.deepEqual(await client.listTables({ namespace: ['js'] }), [{ namespace: ['js'], name: 'events' }]);
    await client.dropTable({ namespace: ['js'], name: 'events' });
    await assert.rejects(client.createNamespace({ namespace: ['js2'] }), (error: { status?: number }) => error.status === 403);
    await assert.rejects(client.listTables({ namespace: ['elsewhere'] }), (error: { status?: number }) => error.status === 403);
  });
});
