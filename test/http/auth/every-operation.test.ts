// Every operation of the Iceberg REST spec (read from ../shared at test time, so a new operation
// is covered without editing this file) against a server with OIDC on, and again with built-in
// principals: anonymous, each answers 401 NotAuthorizedException in the envelope with the Bearer
// challenge and the catalog does not change; with a token (from the real provider, or from
// POST /v1/oauth/tokens), none answers 401. iceberg-js works with a token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IcebergRestCatalog } from 'iceberg-js';
import { createPrincipal } from '../../../src/catalog/index.js';
import { OidcAuthenticator } from '../../../src/http/index.js';
import { loadSpec, type SpecOperation } from '../../fuzz/spec.js';
import { assertContractAfterAll, SIMPLE_SCHEMA, startServer, type TestServer } from '../harness.js';
import { AUDIENCE, startProvider, type TestProvider } from './provider.js';

const OPERATIONS = loadSpec().operations;
assertContractAfterAll();

for (const mode of ['oidc', 'builtin'] as const) describe(`auth mode ${mode}`, () => {
let provider: TestProvider;
let server: TestServer;
let token: string;
/** mode builtin: the credential of a principal of the catalog */
let credential = { id: 'spark', secret: 'guess' };
/** a token as a client gets one in this mode */
let freshToken: () => Promise<string>;

const bearer = () => ({ authorization: `Bearer ${token}` });
const viewVersion = {
  'version-id': 1,
  'timestamp-ms': 1_700_000_000_000,
  'schema-id': 0,
  summary: { 'engine-name': 'spark' },
  representations: [{ type: 'sql', sql: 'select 1', dialect: 'spark' }],
  'default-namespace': ['db'],
};

before(async () => {
  provider = await startProvider();
  if (mode === 'oidc') {
    const authenticator = new OidcAuthenticator({ issuer: provider.issuer, audience: AUDIENCE, principalClaim: 'sub', rolesClaim: 'roles' });
    server = await startServer({ auth: { authenticator, metricsRequireAuth: true } });
    freshToken = () => provider.token('spark');
  } else {
    server = await startServer({ auth: { builtin: {}, metricsRequireAuth: true } });
    const made = await createPrincipal(server.catalog.store, 'spark', ['writer']);
    credential = { id: made.clientId, secret: made.clientSecret };
    freshToken = async () => {
      const answer = await server.request('POST', '/v1/oauth/tokens', tokenForm(credential.id, credential.secret), { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(answer.status, 200, answer.text);
      return (answer.body as { access_token: string }).access_token;
    };
  }
  token = await freshToken();
  for (const [path, body] of [
    ['/v1/namespaces', { namespace: ['db'] }],
    ['/v1/namespaces', { namespace: ['empty'] }],
    ['/v1/namespaces/db/tables', { name: 't', schema: SIMPLE_SCHEMA }],
    ['/v1/namespaces/db/views', { name: 'v', schema: SIMPLE_SCHEMA, 'view-version': viewVersion, properties: {} }],
  ] as const) {
    const created = await server.request('POST', path, body, bearer());
    assert.equal(created.status, 200, created.text);
  }
});
after(async () => {
  await server.close();
  await provider.close();
});

/** Path parameters that name what exists, so an unguarded request would really act on it. */
const PATH_VALUES: Record<string, string> = { namespace: 'db', table: 't', view: 'v', 'plan-id': 'p1', function: 'f' };

function concretePath(op: SpecOperation): string {
  // the empty namespace can really be dropped: an unguarded DELETE would succeed
  const values = op.method === 'DELETE' && op.path === '/v1/namespaces/{namespace}' ? { ...PATH_VALUES, namespace: 'empty' } : PATH_VALUES;
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = values[name];
    assert.ok(value, `no value for path parameter ${name} of ${op.operationId}`);
    return value;
  });
}

/** Bodies that would succeed if the request were let through (so "nothing changed" means something). */
const BODIES: Record<string, unknown> = {
  createNamespace: { namespace: ['intruder'] },
  updateProperties: { updates: { owner: 'mallory' }, removals: [] },
  createTable: { name: 'intruder', schema: SIMPLE_SCHEMA },
  registerTable: { name: 'intruder', 'metadata-location': 'file:///nowhere/v1.metadata.json' },
  updateTable: { requirements: [], updates: [{ action: 'set-properties', updates: { owner: 'mallory' } }] },
  renameTable: { source: { namespace: ['db'], name: 't' }, destination: { namespace: ['db'], name: 'stolen' } },
  createView: { name: 'intruder', schema: SIMPLE_SCHEMA, 'view-version': viewVersion, properties: {} },
  replaceView: { requirements: [], updates: [{ action: 'set-properties', updates: { owner: 'mallory' } }] },
  renameView: { source: { namespace: ['db'], name: 'v' }, destination: { namespace: ['db'], name: 'stolen' } },
  commitTransaction: { 'table-changes': [] },
  signRequest: { region: 'us-east-1', uri: 'https://bkt.s3.amazonaws.com/x', method: 'DELETE', headers: {} },
};
/** Anonymous callers guess; in mode builtin a caller with a token sends the real credential (and gets a token, not a 401). */
const bodyOf = (op: SpecOperation, headers: Record<string, string>): unknown => {
  if (op.operationId === 'getToken' && headers.authorization?.startsWith('Basic ')) return 'grant_type=client_credentials&scope=catalog';
  if (op.operationId === 'getToken') return headers.authorization?.startsWith('Bearer ') && headers.authorization !== 'Bearer not.a.token' ? tokenForm(credential.id, credential.secret) : tokenForm(credential.id, 'guess');
  return op.body || op.method === 'POST' ? (BODIES[op.operationId] ?? {}) : undefined;
};

async function call(op: SpecOperation, headers: Record<string, string>): Promise<{ status: number; challenge: string | null; body: unknown }> {
  const path = concretePath(op);
  if (op.method === 'HEAD') {
    const response = await fetch(server.url + path, { method: 'HEAD', headers });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: undefined };
  }
  const form: Record<string, string> = op.operationId === 'getToken' ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
  const response = await server.request(op.method, path, bodyOf(op, headers), { ...form, ...headers });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: response.body };
}

test('the spec has the operations this test enumerates', () => {
  assert.ok(OPERATIONS.length >= 30, `${OPERATIONS.length} operations`);
  for (const id of ['getToken', 'dropTable', 'signRequest', 'loadCredentials', 'commitTransaction']) assert.ok(OPERATIONS.some((op) => op.operationId === id), id);
});

test('without a token every operation of the spec answers 401 in the envelope, and nothing changes', async () => {
  const headBefore = server.catalog.store.headSeq;
  const answers: string[] = [];
  for (const op of OPERATIONS) {
    for (const headers of [{}, { authorization: 'Bearer not.a.token' }, { authorization: 'Basic c3Bhcms6eA==' }] as Record<string, string>[]) {
      const got = await call(op, headers);
      const label = `${op.method} ${op.path} (${op.operationId}) ${headers.authorization ?? 'no Authorization'}`;
      assert.equal(got.status, 401, label);
      // the token endpoint of mode builtin checks client credentials, not a Bearer token
      if (mode === 'builtin' && op.operationId === 'getToken') assert.match(got.challenge ?? 'none', /^(none|Basic realm="floe")$/, label);
      else assert.match(got.challenge ?? '', /^Bearer realm="floe"/, label);
      if (op.operationId === 'getToken') {
        // the token endpoint answers in the spec's OAuthError form
        assert.equal((got.body as { error?: string }).error, 'invalid_client', label);
      } else if (op.method !== 'HEAD') {
        assert.deepEqual((got.body as { error?: { code?: number; type?: string } }).error?.code, 401, label);
        assert.equal((got.body as { error: { type: string } }).error.type, 'NotAuthorizedException', label);
      }
      answers.push(label);
    }
  }
  assert.equal(answers.length, OPERATIONS.length * 3);
  assert.equal(server.catalog.store.headSeq, headBefore, 'no anonymous request wrote to the catalog log');
  const namespaces = await server.request('GET', '/v1/namespaces', undefined, bearer());
  assert.deepEqual(namespaces.body.namespaces, [['db'], ['empty']]);
  const tables = await server.request('GET', '/v1/namespaces/db/tables', undefined, bearer());
  assert.deepEqual(tables.body.identifiers, [{ namespace: ['db'], name: 't' }]);
  const props = await server.request('GET', '/v1/namespaces/db', undefined, bearer());
  assert.equal(props.body.properties?.owner, undefined);
});

test('with a token no operation answers 401', async () => {
  // reads first, then writes, the ones that remove or move what the others name last
  const destructive = new Set(['renameTable', 'renameView', 'unregisterTable']);
  const rank = (op: SpecOperation) => (op.method === 'DELETE' || destructive.has(op.operationId) ? 2 : op.method === 'GET' || op.method === 'HEAD' ? 0 : 1);
  const order = [...OPERATIONS].sort((a, b) => rank(a) - rank(b));
  for (const op of order) {
    const got = await call(op, bearer());
    assert.notEqual(got.status, 401, `${op.method} ${op.path} (${op.operationId}): ${JSON.stringify(got.body)}`);
    assert.equal(got.challenge, null, op.operationId);
  }
});

test('iceberg-js with a token works; without one it gets 401', async () => {
  const authed = new IcebergRestCatalog({ baseUrl: server.url, auth: { type: 'bearer', token: await freshToken() } });
  await authed.createNamespace({ namespace: ['js'] });
  const metadata = await authed.createTable({ namespace: ['js'] }, { name: 'events', schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }] } });
  assert.equal(metadata['format-version'], 2);
  assert.deepEqual(await authed.listTables({ namespace: ['js'] }), [{ namespace: ['js'], name: 'events' }]);
  await authed.dropTable({ namespace: ['js'], name: 'events' });
  const anonymous = new IcebergRestCatalog({ baseUrl: server.url });
  await assert.rejects(anonymous.listNamespaces(), (error: { status?: number }) => error.status === 401);
});
});

const tokenForm = (id: string, secret: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: 'catalog' }).toString();
