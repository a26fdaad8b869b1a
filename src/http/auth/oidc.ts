// OpenID Connect: Bearer JWTs issued by the configured provider, verified against the keys its
// discovery document points to. The issuer, audience, validity window and algorithm are all
// checked; the algorithm allow-list holds asymmetric ones only, so neither `none` nor an HMAC
// "signed" with the provider's public key can pass.
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import {
  OIDC_CLOCK_SKEW_S, OIDC_DISCOVERY_RETRY_MS, OIDC_JWKS_CACHE_MAX_AGE_MS, OIDC_JWKS_COOLDOWN_MS, OIDC_FETCH_TIMEOUT_MS,
} from '../../config/index.js';
import type { Authentication, Authenticator } from './authenticator.js';
import { fetchBounded, ProviderUnreachable } from './bounded-fetch.js';

/** Asymmetric JWS algorithms accepted; HS* and `none` are not, whatever the token's header says. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export interface OidcOptions {
  issuer: string;
  audience: string;
  principalClaim: string;
  rolesClaim?: string;
  /** overrides of the JWKS bounds of config/limits.ts (tests use a cooldown of 0) */
  jwksCooldownMs?: number;
  jwksCacheMaxAgeMs?: number;
}

type Jwks = ReturnType<typeof createRemoteJWKSet>;

/** Loopback providers may speak plain http (development, tests); any other must use https. */
function checkScheme(url: URL, what: string): void {
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ProviderUnreachable(`${what} ${url.href} is not https (plain http is accepted on loopback only)`);
  }
}

/** A claim by name, or by dotted path into nested objects (Keycloak's realm_access.roles). */
function claim(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  let node: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function rolesOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((r) => r !== '');
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string' && r !== '');
  return [];
}

const MALFORMED = 'the token is not a well-formed signed JWT';
const CLAIM_REASONS: Readonly<Record<string, string>> = {
  nbf: 'the token is not valid yet',
  iat: 'the token is not valid yet',
  iss: 'the token was not issued by the configured issuer',
  aud: 'the token is not meant for this catalog (audience)',
};

/**
 * What a jose error says about the token, in words for the client, by jose's error code (one
 * table). `undefined`: not the token's fault (the key set could not be fetched or read).
 */
const TOKEN_REASONS: Readonly<Record<string, ((error: { claim?: string }) => string) | undefined>> = {
  [joseErrors.JWTExpired.code]: () => 'the token has expired',
  [joseErrors.JWTClaimValidationFailed.code]: ({ claim = '' }) => CLAIM_REASONS[claim] ?? `the token's ${claim} claim is not accepted`,
  [joseErrors.JOSEAlgNotAllowed.code]: () => `the token's signing algorithm is not accepted (allowed: ${OIDC_ALGORITHMS.join(', ')})`,
  [joseErrors.JWKSNoMatchingKey.code]: () => 'the token is signed with a key the issuer does not publish',
  [joseErrors.JWKSMultipleMatchingKeys.code]: () => 'the token is signed with a key the issuer does not publish',
  [joseErrors.JWSSignatureVerificationFailed.code]: () => 'the token signature does not verify',
  [joseErrors.JOSENotSupported.code]: () => 'the token uses an unsupported algorithm or key type',
  [joseErrors.JWKSTimeout.code]: undefined,
  [joseErrors.JWKSInvalid.code]: undefined,
};

function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof joseErrors.JOSEError)) return undefined;
  // every other jose error is about the token's form
  if (!(error.code in TOKEN_REASONS)) return MALFORMED;
  return TOKEN_REASONS[error.code]?.(error as { claim?: string });
}

export class OidcAuthenticator implements Authenticator {
  private jwks: Promise<Jwks> | undefined;
  private lastFailureAt = 0;
  private lastFailure: ProviderUnreachable | undefined;

  constructor(private readonly options: OidcOptions) {}

  /** Reads the discovery document (once; again after a failure, at most every OIDC_DISCOVERY_RETRY_MS). */
  discover(): Promise<Jwks> {
    if (this.jwks) return this.jwks;
    if (this.lastFailure && Date.now() - this.lastFailureAt < OIDC_DISCOVERY_RETRY_MS) return Promise.reject(this.lastFailure);
    const pending = this.readDiscovery();
    this.jwks = pending;
    pending.catch((error: unknown) => {
      this.jwks = undefined;
      this.lastFailureAt = Date.now();
      this.lastFailure = error instanceof ProviderUnreachable ? error : new ProviderUnreachable(String(error));
    });
    return pending;
  }

  private async readDiscovery(): Promise<Jwks> {
    const issuer = this.options.issuer;
    const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    checkScheme(url, 'the issuer');
    let document: unknown;
    try {
      document = await (await fetchBounded(url.href)).json();
    } catch (error) {
      if (error instanceof ProviderUnreachable) throw error;
      throw new ProviderUnreachable(`the discovery document at ${url.href} is not JSON`);
    }
    const fields = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
    // OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer it was fetched for
    if (fields.issuer !== issuer) {
      throw new ProviderUnreachable(`the discovery document at ${url.href} names issuer ${JSON.stringify(fields.issuer)}, not ${JSON.stringify(issuer)}`);
    }
    if (typeof fields.jwks_uri !== 'string') throw new ProviderUnreachable(`the discovery document at ${url.href} has no jwks_uri`);
    const jwksUrl = new URL(fields.jwks_uri);
    checkScheme(jwksUrl, 'the jwks_uri');
    return createRemoteJWKSet(jwksUrl, {
      timeoutDuration: OIDC_FETCH_TIMEOUT_MS,
      cooldownDuration: this.options.jwksCooldownMs ?? OIDC_JWKS_COOLDOWN_MS,
      cacheMaxAge: this.options.jwksCacheMaxAgeMs ?? OIDC_JWKS_CACHE_MAX_AGE_MS,
      [customFetch]: (resource, init) => fetchBounded(resource, init.signal),
    });
  }

  async authenticate(token: string): Promise<Authentication> {
    const jwks = await this.discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: OIDC_CLOCK_SKEW_S,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      const reason = reasonOf(error);
      if (reason !== undefined) return { ok: false, reason };
      if (error instanceof ProviderUnreachable) throw error;
      throw new ProviderUnreachable(`the issuer's keys cannot be read: ${(error as Error).message}`);
    }
    const name = claim(payload, this.options.principalClaim);
    if (typeof name !== 'string' || name === '') return { ok: false, reason: `the token has no ${this.options.principalClaim} claim naming the principal` };
    const roles = this.options.rolesClaim === undefined ? [] : rolesOf(claim(payload, this.options.rolesClaim));
    return { ok: true, principal: { kind: 'user', name, roles, source: 'oidc' } };
  }
}
