// A real OpenID provider (oidc-provider) in the test process, issuing client-credentials access
// tokens as JWTs for one resource (RFC 8707), so Floe verifies what a Keycloak or Dex would
// issue: discovery, JWKS, kid, iss, aud, exp as the provider writes them. `rotate()` replaces the
// provider at the same issuer with a new signing key, the old one still published.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

export const AUDIENCE = 'urn:floe:catalog';
export const CLIENTS = {
  spark: { secret: 'spark-secret-0123456789', roles: ['writer'] },
  reader: { secret: 'reader-secret-0123456789', roles: ['reader'] },
} as const;

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwk };
}

export interface TestProvider {
  issuer: string;
  /** the signing key in use (first of the published ones) */
  key: SigningKey;
  /** a client-credentials access token from the provider's token endpoint */
  token(client: keyof typeof CLIENTS, resource?: string): Promise<string>;
  /** a token signed by hand with `key` (edge cases only; the happy path uses token()) */
  craft(claims: JWTPayload, options?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
  /** a new signing key at the same issuer; the previous one stays published */
  rotate(): Promise<SigningKey>;
  close(): Promise<void>;
}

function configuration(keys: SigningKey[]) {
  return {
    clients: Object.entries(CLIENTS).map(([id, c]) => ({
      client_id: id,
      client_secret: c.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // the provider holds EC keys only: its default RS256 for ID tokens would have no key
      id_token_signed_response_alg: 'ES256',
    })),
    cookies: { keys: ['floe-test-cookie-key'] },
    jwks: { keys: keys.map((k) => k.jwk) },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'catalog',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    // the roles a real provider maps from its own groups, here per client
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => ({
      roles: [...(CLIENTS[token.clientId as keyof typeof CLIENTS]?.roles ?? [])],
    }),
  };
}

export async function startProvider(): Promise<TestProvider> {
  let handler: ReturnType<Provider['callback']> | undefined;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys = [await newSigningKey('key-1')];
  const install = () => {
    const provider = new Provider(issuer, configuration(keys));
    handler = provider.callback();
  };
  install();
  let rotations = 1;
  const self: TestProvider = {
    issuer,
    key: keys[0]!,
    async token(client, resource = AUDIENCE) {
      const basic = Buffer.from(`${client}:${CLIENTS[client].secret}`).toString('base64');
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'catalog', resource }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (response.status !== 200 || !body.access_token) throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async craft(claims, options = {}) {
      const key = options.key ?? self.key;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: AUDIENCE, sub: 'crafted', iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...options.header })
        .sign(key.privateKey);
    },
    async rotate() {
      rotations += 1;
      const next = await newSigningKey(`key-${rotations}`);
      keys.unshift(next);
      self.key = next;
      install();
      return next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return self;
}
