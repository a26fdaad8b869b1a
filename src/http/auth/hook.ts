// The auth gate of every request: which paths need a principal, reading the Bearer token, and
// handing the verified principal to the request's RequestContext. Runs before the body is read
// and before unknown routes are answered, so an anonymous caller learns nothing past a 401.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors, NotAuthorizedError, type Principal } from '../../catalog/index.js';
import { AUTH_TOKEN_BYTES_MAX } from '../../config/index.js';
import { assert } from '../../util/index.js';
import type { CatalogStore } from '../../store/index.js';
import { setPrincipal } from '../principal.js';
import type { Authenticator } from './authenticator.js';
import { ProviderUnreachable } from './bounded-fetch.js';
import { BuiltinAuthority, isBuiltinToken, type BuiltinOptions } from './builtin.js';
import { registerTokenEndpoint, TOKEN_ENDPOINT } from './token-endpoint.js';

export interface AuthOptions {
  /** the identity provider's verifier (mode oidc); absent with mode builtin alone */
  authenticator?: Authenticator;
  /** mode builtin: the catalog's own principals, keys and POST /v1/oauth/tokens */
  builtin?: BuiltinOptions;
  /** whether /metrics needs a principal ([auth] metrics_require_auth) */
  metricsRequireAuth: boolean;
}

/** Paths answered to anyone, whatever the mode: orchestrators probe them without credentials. */
const ALWAYS_PUBLIC = new Set(['/health', '/ready']);
const METRICS_PATH = '/metrics';

/** Whether a request to `path` (no query string) needs a principal when auth is on. */
export function requiresPrincipal(path: string, options: { metricsRequireAuth: boolean }): boolean {
  const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (ALWAYS_PUBLIC.has(normalised)) return false;
  if (normalised === METRICS_PATH) return options.metricsRequireAuth;
  return true;
}


/** The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1), or why there is none. */
export function bearerToken(header: string | string[] | undefined): { token: string } | { missing: true } | { malformed: string } {
  if (header === undefined || header === '') return { missing: true };
  if (Array.isArray(header)) return { malformed: 'send one Authorization header' };
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) return /^Bearer\b/i.test(header) ? { malformed: 'the Bearer token is malformed' } : { malformed: 'the Authorization header must use the Bearer scheme' };
  if (Buffer.byteLength(match[1]!) > AUTH_TOKEN_BYTES_MAX) return { malformed: `the Bearer token is over ${AUTH_TOKEN_BYTES_MAX} bytes` };
  return { token: match[1]! };
}

/**
 * The spec's token endpoint without built-in principals (mode oidc alone): Floe issues no
 * tokens then, so a client configured with `credential=` is told, in the spec's OAuthError
 * form, to bring a token from the identity provider instead.
 */
const NO_TOKEN_ISSUING = 'Floe issues no tokens in [auth] mode oidc: get an access token from the identity provider ([auth] oidc_issuer) and configure the client with token=<jwt>';

/** Built-in tokens go to the catalog's authority, any other to the identity provider (mode builtin,oidc). */
function chooseAuthenticator(authority: BuiltinAuthority | undefined, external: Authenticator | undefined): Authenticator {
  if (!authority) {
    assert(external !== undefined, 'auth on with neither builtin nor an external authenticator');
    return external;
  }
  if (!external) return authority;
  return { authenticate: (token) => (isBuiltinToken(token, authority.issuer) ? authority : external).authenticate(token) };
}

/** The auth gate; with mode builtin also POST /v1/oauth/tokens, which is open to anyone (it checks client credentials itself). */
export function registerAuth(app: FastifyInstance, options: AuthOptions, store: CatalogStore): void {
  const authority = options.builtin ? new BuiltinAuthority(store, options.builtin) : undefined;
  const authenticator = chooseAuthenticator(authority, options.authenticator);
  if (authority) registerTokenEndpoint(app, { store, authority });
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!.replace(/(.)\/+$/, '$1');
    if (authority && path === TOKEN_ENDPOINT) return;
    if (!requiresPrincipal(path, options)) return;
    let principal: Principal;
    try {
      principal = await verify(request, authenticator);
    } catch (error) {
      if (path !== TOKEN_ENDPOINT || !(error instanceof NotAuthorizedError)) throw error;
      return reply
        .code(401)
        .header('www-authenticate', error.challenge)
        .send({ error: 'invalid_client', error_description: `${error.message}. ${NO_TOKEN_ISSUING}` });
    }
    if (path === TOKEN_ENDPOINT) return reply.code(400).send({ error: 'unsupported_grant_type', error_description: NO_TOKEN_ISSUING });
    setPrincipal(request, principal);
  });
}

async function verify(request: FastifyRequest, authenticator: Authenticator): Promise<Principal> {
  const given = bearerToken(request.headers.authorization);
  if ('missing' in given) throw errors.noCredentials();
  if ('malformed' in given) throw errors.invalidCredentials(given.malformed);
  let outcome;
  try {
    outcome = await authenticator.authenticate(given.token);
  } catch (error) {
    if (!(error instanceof ProviderUnreachable)) throw error;
    // the operator needs the cause; the client only that it is not its fault
    request.log.error({ problem: error.message }, 'identity provider unreachable');
    throw errors.identityProviderUnavailable();
  }
  if (!outcome.ok) throw errors.invalidCredentials(outcome.reason);
  return outcome.principal;
}
