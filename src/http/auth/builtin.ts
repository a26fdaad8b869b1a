// Tokens of the catalog's own principals: issued by POST /v1/oauth/tokens, signed with the
// newest catalog signing key, verified against the keys in the state (a retired key until its
// notAfter). A token names its principal and client id; one whose principal was deleted, or
// re-created under a new client id, no longer verifies.
import { randomUUID } from 'node:crypto';
import { decodeJwt, errors as joseErrors, importJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { activeSigningKey, ensureSigningKey } from '../../catalog/index.js';
import { BUILTIN_STATE_SYNC_COOLDOWN_MS, BUILTIN_TOKEN_CLOCK_SKEW_S, BUILTIN_TOKEN_LIFETIME_S } from '../../config/index.js';
import { SIGNING_ALGORITHMS, type CatalogStore, type PrincipalRecord, type SigningKeyRecord } from '../../store/index.js';
import type { Authentication, Authenticator } from './authenticator.js';

export interface BuiltinOptions {
  /** seconds since the epoch; tests move it to check expiry */
  nowS?: () => number;
  /** override of BUILTIN_STATE_SYNC_COOLDOWN_MS */
  syncCooldownMs?: number;
}

export interface IssuedToken {
  token: string;
  expiresInS: number;
  kid: string;
}

/** The issuer (and audience) of a catalog's tokens: its catalog id, so another catalog's tokens do not pass. */
export const builtinIssuer = (store: CatalogStore): string => `urn:floe:catalog:${store.identity.catalogId}`;

/** Whether `token` claims to be one of this catalog's (read unverified, only to pick the verifier). */
export function isBuiltinToken(token: string, issuer: string): boolean {
  try {
    return decodeJwt(token).iss === issuer;
  } catch {
    return false;
  }
}

export class BuiltinAuthority implements Authenticator {
  private readonly keys = new Map<string, Promise<CryptoKey | Uint8Array>>();
  private lastSyncMs = -Infinity;
  private readonly nowS: () => number;

  constructor(
    private readonly store: CatalogStore,
    private readonly options: BuiltinOptions = {},
  ) {
    this.nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  }

  get issuer(): string {
    return builtinIssuer(this.store);
  }

  /** Reads the log once when something is unknown here: it may have been added through another replica. */
  private async syncOnce(): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastSyncMs < (this.options.syncCooldownMs ?? BUILTIN_STATE_SYNC_COOLDOWN_MS)) return false;
    this.lastSyncMs = now;
    await this.store.sync('linearizable');
    return true;
  }

  private importKey(key: SigningKeyRecord, part: 'publicJwk' | 'privateJwk'): Promise<CryptoKey | Uint8Array> {
    const cacheKey = `${part}:${key.kid}`;
    let imported = this.keys.get(cacheKey);
    if (!imported) {
      imported = importJWK(key[part], key.alg);
      this.keys.set(cacheKey, imported);
    }
    return imported;
  }

  /** A token for `principal`, signed with the newest key (one is made if the catalog has none). */
  async issue(principal: PrincipalRecord): Promise<IssuedToken> {
    const key = activeSigningKey(this.store.state) ?? (await ensureSigningKey(this.store));
    const now = this.nowS();
    const token = await new SignJWT({ client_id: principal.clientId })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setSubject(principal.name)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + BUILTIN_TOKEN_LIFETIME_S)
      .setJti(randomUUID())
      .sign(await this.importKey(key, 'privateJwk'));
    return { token, expiresInS: BUILTIN_TOKEN_LIFETIME_S, kid: key.kid };
  }

  private async keyFor(kid: string | undefined): Promise<SigningKeyRecord | undefined> {
    if (kid === undefined) return undefined;
    const known = this.store.state.signingKeys.get(kid);
    if (known) return known;
    return (await this.syncOnce()) ? this.store.state.signingKeys.get(kid) : undefined;
  }

  async authenticate(token: string): Promise<Authentication> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        async (header) => {
          const key = await this.keyFor(header.kid);
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          if (key.notAfterMs !== undefined && this.nowS() * 1000 >= key.notAfterMs) throw new KeyRetired();
          if (header.alg !== key.alg) throw new joseErrors.JOSEAlgNotAllowed();
          return this.importKey(key, 'publicJwk');
        },
        {
          issuer: this.issuer,
          audience: this.issuer,
          algorithms: [...SIGNING_ALGORITHMS],
          clockTolerance: BUILTIN_TOKEN_CLOCK_SKEW_S,
          requiredClaims: ['exp', 'sub', 'client_id'],
          typ: 'at+jwt',
          currentDate: new Date(this.nowS() * 1000),
        },
      ));
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
    const name = payload.sub!;
    let principal = this.store.state.principals.get(name);
    if (!principal && (await this.syncOnce())) principal = this.store.state.principals.get(name);
    if (!principal || principal.clientId !== payload.client_id) return { ok: false, reason: 'the token names a principal that no longer exists' };
    return { ok: true, principal: { kind: 'user', name, roles: [...principal.roles], source: 'builtin' } };
  }
}

class KeyRetired extends Error {}

function reasonOf(error: unknown): string {
  if (error instanceof KeyRetired) return 'the token is signed with a retired key';
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') return 'the token is not valid yet';
    if (error.claim === 'iss') return 'the token was not issued by this catalog';
    if (error.claim === 'aud') return 'the token is not meant for this catalog (audience)';
    return `the token's ${error.claim} claim is not accepted`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return `the token's signing algorithm is not accepted (allowed: ${SIGNING_ALGORITHMS.join(', ')})`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'the token is signed with a key this catalog does not have';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  return 'the token is not a well-formed signed JWT';
}
