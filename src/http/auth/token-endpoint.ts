// POST /v1/oauth/tokens for built-in principals: client credentials (in the form body or HTTP
// Basic, RFC 6749 §2.3.1 and §4.4) for a short-lived JWT, and token exchange of a valid token
// for a fresh one (how Iceberg clients refresh). Answers and errors in the spec's
// OAuthTokenResponse and OAuthError forms. The secret is checked in constant time and never
// logged; failed attempts are limited per client id and address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifySecret } from '../../catalog/index.js';
import {
  TOKEN_FAILURE_WINDOW_MS, TOKEN_FAILURES_PER_ADDRESS_MAX, TOKEN_FAILURES_PER_CLIENT_MAX, TOKEN_SECRET_CHECKS_IN_FLIGHT_MAX,
} from '../../config/index.js';
import type { CatalogStore, PrincipalRecord } from '../../store/index.js';
import { noteCause } from '../logging.js';
import { formBodyOf } from '../media-type.js';
import type { BuiltinAuthority } from './builtin.js';
import { FailureLimiter } from './rate-limit.js';

export const TOKEN_ENDPOINT = '/v1/oauth/tokens';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

type OAuthErrorType = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_grant';

class OAuthFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: OAuthErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const invalidRequest = (message: string) => new OAuthFailure(400, 'invalid_request', message);

/** The form's parameters; a parameter sent twice is refused (RFC 6749 §3.2). */
function formParams(request: FastifyRequest): Map<string, string> {
  const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const body = formBodyOf(request);
  if (type !== 'application/x-www-form-urlencoded' || body === undefined) {
    throw invalidRequest('the token request must be sent as application/x-www-form-urlencoded');
  }
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (params.has(key)) throw invalidRequest(`the parameter ${key} is given more than once`);
    params.set(key, value);
  }
  return params;
}

/** client_id and client_secret from HTTP Basic (each form-urlencoded, RFC 6749 §2.3.1) or the body; not both. */
function clientCredentials(request: FastifyRequest, params: Map<string, string>): { clientId: string; secret: string; basic: boolean } {
  const header = request.headers.authorization;
  const basic = typeof header === 'string' ? /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header) : null;
  if (basic) {
    if (params.has('client_secret')) throw invalidRequest('send the client credentials either in the Authorization header or in the body, not both');
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthFailure(401, 'invalid_client', 'the Basic credentials are malformed', { 'www-authenticate': 'Basic realm="floe"' });
    try {
      return { clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')), basic: true };
    } catch {
      throw new OAuthFailure(401, 'invalid_client', 'the Basic credentials are malformed', { 'www-authenticate': 'Basic realm="floe"' });
    }
  }
  const clientId = params.get('client_id');
  const secret = params.get('client_secret');
  if (!clientId || secret === undefined) throw invalidRequest('client_id and client_secret are required (in the body or as HTTP Basic)');
  return { clientId, secret, basic: false };
}

export interface TokenEndpointOptions {
  store: CatalogStore;
  authority: BuiltinAuthority;
}

export function registerTokenEndpoint(app: FastifyInstance, { store, authority }: TokenEndpointOptions): void {
  const limiter = new FailureLimiter(TOKEN_FAILURE_WINDOW_MS);
  let checksInFlight = 0;

  async function clientCredentialsGrant(request: FastifyRequest, params: Map<string, string>): Promise<PrincipalRecord> {
    const { clientId, secret, basic } = clientCredentials(request, params);
    const pairKey = `c\u0000${clientId}\u0000${request.ip}`;
    const addressKey = `a\u0000${request.ip}`;
    const wait = limiter.blocked(pairKey, TOKEN_FAILURES_PER_CLIENT_MAX) ?? limiter.blocked(addressKey, TOKEN_FAILURES_PER_ADDRESS_MAX);
    if (wait !== undefined) {
      throw new OAuthFailure(429, 'invalid_client', `too many failed attempts: retry in ${wait} s`, { 'retry-after': String(wait) });
    }
    if (checksInFlight >= TOKEN_SECRET_CHECKS_IN_FLIGHT_MAX) {
      throw new OAuthFailure(429, 'invalid_request', 'too many token requests at once: retry shortly', { 'retry-after': '1' });
    }
    // a principal created through another replica (or the CLI) a moment ago is found
    await store.sync('linearizable');
    const principal = store.state.principalsByClientId.get(clientId);
    const record = principal === undefined ? undefined : store.state.principals.get(principal);
    checksInFlight++;
    let ok: boolean;
    try {
      ok = await verifySecret(secret, record?.secretHash);
    } finally {
      checksInFlight--;
    }
    if (!ok || !record) {
      limiter.fail(pairKey);
      limiter.fail(addressKey);
      // on the request's log line: the client id helps the operator see a brute force; the secret is never logged
      noteCause(request, { type: 'invalid_client', message: `token request refused: unknown client or wrong secret (client id ${JSON.stringify(clientId.slice(0, 128))})` });
      throw new OAuthFailure(401, 'invalid_client', 'unknown client or wrong secret', basic ? { 'www-authenticate': 'Basic realm="floe"' } : {});
    }
    limiter.forget(pairKey);
    return record;
  }

  async function tokenExchangeGrant(params: Map<string, string>): Promise<PrincipalRecord> {
    const subject = params.get('subject_token');
    const subjectType = params.get('subject_token_type');
    if (!subject || !subjectType) throw invalidRequest('token exchange needs subject_token and subject_token_type');
    if (subjectType !== ACCESS_TOKEN_TYPE && subjectType !== JWT_TOKEN_TYPE) throw invalidRequest(`subject_token_type ${subjectType.slice(0, 100)} is not supported`);
    const outcome = await authority.authenticate(subject);
    if (!outcome.ok) throw new OAuthFailure(400, 'invalid_grant', `the subject token is not accepted: ${outcome.reason}`);
    const record = store.state.principals.get(outcome.principal.name);
    if (!record) throw new OAuthFailure(400, 'invalid_grant', 'the subject token names a principal that no longer exists');
    return record;
  }

  app.post(TOKEN_ENDPOINT, async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    try {
      const params = formParams(request);
      const grant = params.get('grant_type');
      if (!grant) throw invalidRequest('grant_type is required');
      let principal: PrincipalRecord;
      if (grant === 'client_credentials') principal = await clientCredentialsGrant(request, params);
      else if (grant === TOKEN_EXCHANGE) principal = await tokenExchangeGrant(params);
      else throw new OAuthFailure(400, 'unsupported_grant_type', `grant_type ${grant.slice(0, 100)} is not supported (client_credentials, ${TOKEN_EXCHANGE})`);
      const issued = await authority.issue(principal);
      const scope = params.get('scope');
      return reply.code(200).send({
        access_token: issued.token,
        token_type: 'bearer',
        expires_in: issued.expiresInS,
        issued_token_type: ACCESS_TOKEN_TYPE,
        ...(scope !== undefined && { scope }),
      });
    } catch (error) {
      if (!(error instanceof OAuthFailure)) throw error;
      return reply.code(error.status).headers(error.headers).send({ error: error.type, error_description: error.message });
    }
  });
}
