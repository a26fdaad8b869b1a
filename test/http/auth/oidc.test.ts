// OIDC Bearer tokens against a real OpenID provider (oidc-provider) running in this process:
// its client-credentials tokens are accepted and become the request's principal; every way a
// token can be wrong is refused with 401 NotAuthorizedException and a WWW-Authenticate
// challenge, without echoing the token; the JWKS is fetched again when the provider rotates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportSPKI, base64url } from 'jose';
import { createHmac } from 'node:crypto';
import type { RequestContext } from '../../../src/catalog/index.js';
import { OidcAuthenticator } from '../../../src/http/index.js';
import { OIDC_CLOCK_SKEW_S } from '../../../src/config/limits.js';
import { assertContractAfterAll, expectError, startServer, type TestServer } from '../harness.js';
import { AUDIENCE, newSigningKey, startProvider, type TestProvider } from './provider.js';

let provider: TestProvider;
let server: TestServer;
let authenticator: OidcAuthenticator;

before(async () => {
  provider = await startProvider();
  // a JWKS cooldown of 0: the rotation test need not wait out the production interval
  authenticator = new OidcAuthenticator({ issuer: provider.issuer, audience: AUDIENCE, principalClaim: 'sub', rolesClaim: 'roles', jwksCooldownMs: 0 });
  server = await startServer({ auth: { authenticator, metricsRequireAuth: true } });
});
after(async () => {
  await server.close();
  await provider.close();
});
assertContractAfterAll();

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

/** The refusal of a token: 401 in the envelope, the challenge, and not a byte of the token. */
async function refused(token: string, reason: RegExp): Promise<void> {
  const response = await server.request('GET', '/v1/namespaces', undefined, bearer(token));
  expectError(response, 401, 'NotAuthorizedException', reason);
  const challenge = response.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer realm="floe", error="invalid_token"/);
  for (const part of token.split('.').filter((p) => p.length > 8)) {
    assert.ok(!response.text.includes(part) && !challenge.includes(part), 'the token is not echoed');
  }
}

test('a client-credentials token from the provider is accepted and names the principal', async () => {
  const token = await provider.token('spark');
  const created = await server.request('POST', '/v1/namespaces', { namespace: ['oidc'] }, bearer(token));
  assert.equal(created.status, 200, created.text);
  const listed = await server.request('GET', '/v1/namespaces', undefined, bearer(token));
  assert.deepEqual(listed.body.namespaces, [['oidc']]);
  // `scheme` is case-insensitive (RFC 6750 §2.1 refers to RFC 7235)
  assert.equal((await server.request('GET', '/v1/config', undefined, { authorization: `bearer ${token}` })).status, 200);
});

test('the verified principal reaches the RequestContext: sub and the roles claim', async () => {
  const outcome = await authenticator.authenticate(await provider.token('reader'));
  assert.deepEqual(outcome, { ok: true, principal: { kind: 'user', name: 'reader', roles: ['reader'], source: 'oidc' } });
  // and through HTTP: the router builds the context from what the hook verified
  const { principalOf } = await import('../../../src/http/auth/index.js');
  const { requestContext } = await import('../../../src/http/request-context.js');
  const { buildApp } = await import('../../../src/http/index.js');
  const seen: RequestContext[] = [];
  const app = buildApp({ catalog: server.catalog, auth: { authenticator, metricsRequireAuth: true } });
  app.get('/probe-context', async (request) => {
    seen.push(requestContext(request, { honoursIdempotencyKey: false, requestTimeoutMs: 1000 }));
    return { name: principalOf(request).kind };
  });
  const response = await app.inject({ method: 'GET', url: '/probe-context', headers: bearer(await provider.token('spark')) });
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(seen[0]?.principal, { kind: 'user', name: 'spark', roles: ['writer'], source: 'oidc' });
  await app.close();
});

test('no token, another scheme, a malformed header: 401 with the Bearer challenge', async () => {
  const none = await server.request('GET', '/v1/namespaces');
  expectError(none, 401, 'NotAuthorizedException', /requires a Bearer token/);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="floe"');
  const basic = await server.request('GET', '/v1/namespaces', undefined, { authorization: `Basic ${Buffer.from('spark:x').toString('base64')}` });
  expectError(basic, 401, 'NotAuthorizedException', /must use the Bearer scheme/);
  expectError(await server.request('GET', '/v1/namespaces', undefined, { authorization: 'Bearer a b' }), 401, 'NotAuthorizedException', /malformed/);
  await refused('not-a-jwt', /not a well-formed signed JWT/);
});

test('probes stay open; /metrics and unknown paths need a principal', async () => {
  assert.equal((await fetch(`${server.url}/health`)).status, 200);
  assert.equal((await fetch(`${server.url}/ready`)).status, 200);
  // not 404: an anonymous caller cannot map the API
  assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${server.url}/v1/nowhere`)).status, 401);
  assert.equal((await fetch(`${server.url}/v1/nowhere`, { headers: bearer(await provider.token('spark')) })).status, 404);
});

test('an expired token is refused; the skew tolerance is bounded', async () => {
  await refused(await provider.craft({ iat: now() - 3600, exp: now() - OIDC_CLOCK_SKEW_S - 5 }), /has expired/);
  // inside the tolerance a clock a little behind the provider's still works
  const barely = await provider.craft({ iat: now() - 3600, exp: now() - OIDC_CLOCK_SKEW_S + 20, roles: ['reader'] });
  assert.equal((await server.request('GET', '/v1/namespaces', undefined, bearer(barely))).status, 200);
});

test('a token without exp is refused', async () => {
  await refused(await provider.craft({ exp: undefined }), /exp claim/);
});

test('a token not yet valid is refused', async () => {
  await refused(await provider.craft({ nbf: now() + OIDC_CLOCK_SKEW_S + 120 }), /not valid yet/);
});

test('a token for another audience is refused (also one the provider really issued)', async () => {
  await refused(await provider.craft({ aud: 'urn:other' }), /audience/);
  await refused(await provider.token('spark', 'urn:other:api'), /audience/);
});

test('a token of another issuer is refused', async () => {
  await refused(await provider.craft({ iss: 'https://evil.example' }), /issuer/);
});

test('alg none is refused', async () => {
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url.encode(JSON.stringify({ iss: provider.issuer, aud: AUDIENCE, sub: 'mallory', exp: now() + 300 }));
  await refused(`${header}.${payload}.`, /not a well-formed|algorithm is not accepted/);
});

test('HS256 "signed" with the provider public key as the secret is refused', async () => {
  const spki = await exportSPKI((await crypto.subtle.importKey('jwk', { ...provider.key.jwk, d: undefined, key_ops: undefined }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])));
  const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: provider.key.kid }));
  const payload = base64url.encode(JSON.stringify({ iss: provider.issuer, aud: AUDIENCE, sub: 'mallory', exp: now() + 300 }));
  for (const secret of [spki, JSON.stringify({ ...provider.key.jwk, d: undefined })]) {
    const signature = base64url.encode(createHmac('sha256', secret).update(`${header}.${payload}`).digest());
    await refused(`${header}.${payload}.${signature}`, /algorithm is not accepted/);
  }
});

test('a tampered signature or payload is refused', async () => {
  const token = await provider.token('spark');
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
  await refused(`${header}.${payload}.${flipped}`, /signature does not verify/);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const forged = base64url.encode(JSON.stringify({ ...claims, sub: 'admin' }));
  await refused(`${header}.${forged}.${signature}`, /signature does not verify/);
});

test('a key the issuer never published is refused', async () => {
  await refused(await provider.craft({}, { key: await newSigningKey('stranger') }), /key the issuer does not publish/);
});

test('after the provider rotates its key, the JWKS is fetched again for the new kid', async () => {
  const before = await provider.token('spark');
  assert.equal((await server.request('GET', '/v1/namespaces', undefined, bearer(before))).status, 200);
  const next = await provider.rotate();
  const after = await provider.token('spark');
  assert.equal(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid, next.kid, 'the provider signs with the new key');
  assert.equal((await server.request('GET', '/v1/namespaces', undefined, bearer(after))).status, 200, 'the unknown kid refreshed the JWKS');
  // the old key is still published: its tokens verify until they expire
  assert.equal((await server.request('GET', '/v1/namespaces', undefined, bearer(before))).status, 200);
});

test('an unreachable provider is a 503 for the caller, not a 401, and says nothing of the cause', async () => {
  const down = new OidcAuthenticator({ issuer: 'http://127.0.0.1:9', audience: AUDIENCE, principalClaim: 'sub' });
  const guarded = await startServer({ auth: { authenticator: down, metricsRequireAuth: true } });
  try {
    const response = await guarded.request('GET', '/v1/namespaces', undefined, bearer(await provider.token('spark')));
    expectError(response, 503, 'ServiceUnavailableException', /identity provider cannot be reached/);
    assert.ok(!response.text.includes('127.0.0.1:9'));
  } finally {
    await guarded.close();
  }
});
