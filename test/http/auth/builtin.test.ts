// Built-in principals end to end: a principal made by the real CLI on a file:// catalog gets a
// token from POST /v1/oauth/tokens the way PyIceberg and Spark ask for one (credential=id:secret:
// a form with client_id, client_secret and scope, or HTTP Basic) and uses it as a Bearer token;
// wrong secrets, rate limiting, token exchange, key rotation, two replicas, deleted principals,
// and backup/restore (which keeps principals and never holds a secret in clear).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createPrincipal, deletePrincipal, rotateSigningKey } from '../../../src/catalog/index.js';
import { TOKEN_FAILURES_PER_CLIENT_MAX } from '../../../src/config/index.js';
import { BuiltinAuthority, OidcAuthenticator } from '../../../src/http/index.js';
import { assertContractAfterAll, startServer, type TestServer } from '../harness.js';
import { AUDIENCE, startProvider } from './provider.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

function floe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLOE_'))) as Record<string, string>;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'floe-builtin-'));
const storage = `file://${dir}/catalog`;
const builtin = { auth: { builtin: {}, metricsRequireAuth: true } };
let server: TestServer;
let admin: { name: string; clientId: string; clientSecret: string; credential: string };

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** What PyIceberg does with credential=id:secret: split at the first ':', post a form with scope catalog. */
async function tokenFor(s: TestServer, credential: string): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const colon = credential.indexOf(':');
  const response = await s.request(
    'POST',
    '/v1/oauth/tokens',
    form({ grant_type: 'client_credentials', client_id: credential.slice(0, colon), client_secret: credential.slice(colon + 1), scope: 'catalog' }),
    FORM,
  );
  return { status: response.status, body: response.body as Record<string, unknown>, text: response.text };
}

async function accessToken(s: TestServer, credential: string): Promise<string> {
  const answer = await tokenFor(s, credential);
  assert.equal(answer.status, 200, answer.text);
  return answer.body.access_token as string;
}

before(async () => {
  // the first admin, bootstrapped by the CLI on a storage URL no server has opened yet
  const created = await floe(['principal', 'create', 'admin', '--role', 'admin', '--storage', storage, '--json']);
  assert.equal(created.code, 0, created.stderr);
  admin = JSON.parse(created.stdout);
  assert.equal(admin.credential, `${admin.clientId}:${admin.clientSecret}`);
  server = await startServer({ storage, ...builtin });
});
after(() => server.close());
assertContractAfterAll();

test('a principal created by the CLI gets a token with credential=id:secret and lists namespaces with it', async () => {
  const answer = await tokenFor(server, admin.credential);
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.token_type, 'bearer');
  assert.equal(answer.body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
  assert.equal(answer.body.expires_in, 3600);
  const token = answer.body.access_token as string;
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'EdDSA');
  assert.ok(server.catalog.store.state.signingKeys.has(header.kid!), 'signed with a key of the catalog');
  assert.equal(decodeJwt(token).sub, 'admin');
  const listed = await server.request('GET', '/v1/namespaces', undefined, { authorization: `Bearer ${token}` });
  assert.equal(listed.status, 200, listed.text);
  assert.equal((await server.request('GET', '/v1/namespaces')).status, 401);
  // HTTP Basic works too (Spark's OAuth2 clients may use it)
  const basic = await server.request('POST', '/v1/oauth/tokens', form({ grant_type: 'client_credentials' }), {
    ...FORM,
    authorization: `Basic ${Buffer.from(`${admin.clientId}:${admin.clientSecret}`).toString('base64')}`,
  });
  assert.equal(basic.status, 200, basic.text);
  const list = await floe(['principal', 'list', '--storage', storage, '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).map((p: { name: string; clientId: string }) => [p.name, p.clientId]), [['admin', admin.clientId]]);
  assert.ok(!list.stdout.includes(admin.clientSecret) && !list.stdout.includes('scrypt'), 'list shows no secret and no hash');
});

test('a wrong secret and an unknown client id both answer 401 invalid_client, saying nothing about the secret', async () => {
  for (const credential of [`${admin.clientId}:not-the-secret`, 'floe-000000000000000000000000:not-the-secret']) {
    const answer = await tokenFor(server, credential);
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.body, { error: 'invalid_client', error_description: 'unknown client or wrong secret' });
    assert.ok(!answer.text.includes('not-the-secret'));
  }
  const basic = await server.request('POST', '/v1/oauth/tokens', form({ grant_type: 'client_credentials' }), {
    ...FORM,
    authorization: `Basic ${Buffer.from(`${admin.clientId}:nope`).toString('base64')}`,
  });
  assert.equal(basic.status, 401);
  assert.match(String(basic.headers.get('www-authenticate')), /^Basic/);
});

test('malformed token requests answer invalid_request or unsupported_grant_type', async () => {
  const json = await server.request('POST', '/v1/oauth/tokens', { grant_type: 'client_credentials' });
  assert.equal(json.status, 400);
  assert.equal((json.body as { error: string }).error, 'invalid_request');
  const password = await server.request('POST', '/v1/oauth/tokens', form({ grant_type: 'password', username: 'a', password: 'b' }), FORM);
  assert.equal(password.status, 400);
  assert.equal((password.body as { error: string }).error, 'unsupported_grant_type');
  const twice = await server.request('POST', '/v1/oauth/tokens', 'grant_type=client_credentials&client_id=a&client_id=b&client_secret=c', FORM);
  assert.equal(twice.status, 400);
  assert.equal((twice.body as { error: string }).error, 'invalid_request');
  const missing = await server.request('POST', '/v1/oauth/tokens', form({ grant_type: 'client_credentials' }), FORM);
  assert.equal(missing.status, 400);
});

test('token exchange of a valid token gives a fresh one for the same principal; a bad subject token is invalid_grant', async () => {
  const token = await accessToken(server, admin.credential);
  const exchanged = await server.request(
    'POST',
    '/v1/oauth/tokens',
    form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'catalog' }),
    { ...FORM, authorization: `Bearer ${token}` },
  );
  assert.equal(exchanged.status, 200, exchanged.text);
  const fresh = (exchanged.body as { access_token: string }).access_token;
  assert.equal(decodeJwt(fresh).sub, 'admin');
  const bad = await server.request(
    'POST',
    '/v1/oauth/tokens',
    form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: token.slice(0, -4) + 'AAAA', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }),
    FORM,
  );
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { error: string }).error, 'invalid_grant');
});

test('failed attempts per client id and address are limited: then 429, even with the right secret', async () => {
  const victim = await createPrincipal(server.catalog.store, 'victim', []);
  const post = (secret: string) =>
    fetch(server.url + '/v1/oauth/tokens', { method: 'POST', headers: FORM, body: form({ grant_type: 'client_credentials', client_id: victim.clientId, client_secret: secret }) });
  for (let i = 0; i < TOKEN_FAILURES_PER_CLIENT_MAX; i++) assert.equal((await post(`guess-${i}`)).status, 401);
  const limited = await post(victim.clientSecret);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(((await limited.json()) as { error: string }).error, 'invalid_client');
  // other clients from the same address are not locked out by it
  assert.equal((await tokenFor(server, admin.credential)).status, 200);
});

test('rotation: tokens of the old key verify until they expire, new tokens carry the new kid', async () => {
  const store = server.catalog.store;
  const old = await accessToken(server, admin.credential);
  const oldKid = decodeProtectedHeader(old).kid!;
  const rotated = await floe(['keys', 'rotate-signing', '--storage', storage, '--json']);
  assert.equal(rotated.code, 0, rotated.stderr);
  const { kid, retired } = JSON.parse(rotated.stdout) as { kid: string; retired: { kid: string; notAfter: string }[] };
  assert.deepEqual(retired.map((r) => r.kid), [oldKid]);
  const fresh = await accessToken(server, admin.credential);
  assert.equal(decodeProtectedHeader(fresh).kid, kid);
  for (const token of [old, fresh]) assert.equal((await server.request('GET', '/v1/namespaces', undefined, { authorization: `Bearer ${token}` })).status, 200);
  // later clocks: the retired key's token verifies while it is valid, not once it expired
  const exp = decodeJwt(old).exp!;
  const at = (s: number) => new BuiltinAuthority(store, { nowS: () => s });
  assert.equal((await at(exp - 10).authenticate(old)).ok, true);
  assert.deepEqual(await at(exp + 3600).authenticate(old), { ok: false, reason: 'the token is signed with a retired key' });
  assert.equal((await at(decodeJwt(fresh).exp! - 10).authenticate(fresh)).ok, true);
  assert.deepEqual(await at(decodeJwt(fresh).exp! + 120).authenticate(fresh), { ok: false, reason: 'the token has expired' });
});

test('two replicas on one store: a principal created through one authenticates on the other', async () => {
  const other = await startServer({ storage, ...builtin });
  try {
    const made = await createPrincipal(other.catalog.store, 'spark', ['writer']);
    const token = await accessToken(server, `${made.clientId}:${made.clientSecret}`);
    const fromOther = await accessToken(other, `${made.clientId}:${made.clientSecret}`);
    for (const [s, t] of [[other, token], [server, fromOther]] as const) {
      assert.equal((await s.request('GET', '/v1/namespaces', undefined, { authorization: `Bearer ${t}` })).status, 200);
    }
    // deleted through one: its tokens stop working on the other
    await deletePrincipal(other.catalog.store, 'spark');
    await server.catalog.store.sync('linearizable');
    const refused = await server.request('GET', '/v1/namespaces', undefined, { authorization: `Bearer ${token}` });
    assert.equal(refused.status, 401);
    assert.match(refused.text, /no longer exists/);
  } finally {
    await other.close();
  }
});

test('backup and restore keep the principals; no secret is in the archive in clear', async () => {
  const archive = join(dir, 'backup.tar');
  const backup = await floe(['backup', '--storage', storage, '--output', archive, '--with-log']);
  assert.equal(backup.code, 0, backup.stderr);
  const bytes = readFileSync(archive);
  assert.ok(!bytes.includes(admin.clientSecret), 'the client secret is not in the archive');
  assert.ok(bytes.includes(admin.clientId) && bytes.includes('scrypt$'), 'the principal is, with its hash');
  const valid = await floe(['validate-backup', '--input', archive]);
  assert.equal(valid.code, 0, valid.stderr + valid.stdout);
  const target = `file://${dir}/restored`;
  const restored = await floe(['restore', '--input', archive, '--storage', target]);
  assert.equal(restored.code, 0, restored.stderr);
  const list = await floe(['principal', 'list', '--storage', target, '--json']);
  assert.ok(JSON.parse(list.stdout).some((p: { name: string; clientId: string }) => p.name === 'admin' && p.clientId === admin.clientId));
  const replica = await startServer({ storage: target, ...builtin });
  try {
    const token = await accessToken(replica, admin.credential);
    assert.equal((await replica.request('GET', '/v1/namespaces', undefined, { authorization: `Bearer ${token}` })).status, 200);
  } finally {
    await replica.close();
  }
});

test('CLI: a taken name and an unknown principal are refused with exit 1', async () => {
  const again = await floe(['principal', 'create', 'admin', '--storage', storage]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /principal admin exists/);
  const missing = await floe(['principal', 'delete', 'nobody', '--storage', storage]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no principal nobody/);
  const bad = await floe(['principal', 'create', 'a:b', '--storage', storage]);
  assert.equal(bad.code, 1);
  const status = await floe(['status', '--storage', storage, '--json']);
  const { principals } = JSON.parse(status.stdout) as { principals: { count: number; activeSigningKey?: string; retiredSigningKeys: number } };
  assert.deepEqual([principals.count, principals.activeSigningKey, principals.retiredSigningKeys], [2, [...server.catalog.store.state.signingKeys.values()].find((k) => k.notAfterMs === undefined)?.kid, 1]);
});

test('mode builtin,oidc: tokens of the catalog and of the identity provider are both accepted', async () => {
  const provider = await startProvider();
  const both = await startServer({
    storage,
    auth: { builtin: {}, authenticator: new OidcAuthenticator({ issuer: provider.issuer, audience: AUDIENCE, principalClaim: 'sub', rolesClaim: 'roles' }), metricsRequireAuth: true },
  });
  try {
    const ours = await accessToken(both, admin.credential);
    const theirs = await provider.token('spark');
    for (const token of [ours, theirs]) {
      assert.equal((await both.request('GET', '/v1/namespaces', undefined, { authorization: `Bearer ${token}` })).status, 200);
    }
    const forged = await both.request('GET', '/v1/namespaces', undefined, { authorization: `Bearer ${ours.slice(0, -4)}AAAA` });
    assert.equal(forged.status, 401);
    assert.match(forged.text, /signature does not verify/);
  } finally {
    await both.close();
    await provider.close();
  }
});
