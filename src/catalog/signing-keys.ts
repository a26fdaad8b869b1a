// The keys the catalog signs its tokens with (docs/design/principals.md): kept in the log, the
// newest unretired one signs, rotation retires the others no earlier than the last token they
// signed expires.
import { randomBytes } from 'node:crypto';
import { assert } from '../util/index.js';
import { exportJWK, generateKeyPair } from 'jose';
import { BUILTIN_TOKEN_CLOCK_SKEW_S, BUILTIN_TOKEN_LIFETIME_S } from '../config/index.js';
import type { CatalogState, CatalogStore, Effect, Jwk, SigningAlgorithm, SigningKeyRecord } from '../store/index.js';

const ALGORITHM: SigningAlgorithm = 'EdDSA';

const stringsOnly = (jwk: Record<string, unknown>): Jwk =>
  Object.fromEntries(Object.entries(jwk).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** A fresh key pair as a `signingKey.add` effect (made outside the commit: key generation is slow-ish). */
export async function signingKeyEffects(nowMs: number): Promise<{ kid: string; add: Effect[] }> {
  const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const kid = `${new Date(nowMs).toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`;
  const publicJwk = stringsOnly({ ...(await exportJWK(publicKey)), kid });
  const privateJwk = stringsOnly({ ...(await exportJWK(privateKey)), kid });
  return { kid, add: [{ op: 'signingKey.add', kid, alg: ALGORITHM, publicJwk, privateJwk, createdMs: nowMs }] };
}

/** The key new tokens are signed with: the newest that is not retired. */
export function activeSigningKey(state: CatalogState): SigningKeyRecord | undefined {
  let newest: SigningKeyRecord | undefined;
  for (const key of state.signingKeys.values()) {
    if (key.notAfterMs !== undefined) continue;
    if (!newest || key.createdMs > newest.createdMs || (key.createdMs === newest.createdMs && key.kid > newest.kid)) newest = key;
  }
  return newest;
}

/** Until when a token signed now may still be presented: its lifetime plus the skew verifiers allow. */
export const retireAfterMs = (nowMs: number): number => nowMs + (BUILTIN_TOKEN_LIFETIME_S + BUILTIN_TOKEN_CLOCK_SKEW_S) * 1000;

/** Adds a signing key when there is none to sign with (the first token request of a catalog). */
export async function ensureSigningKey(store: CatalogStore): Promise<SigningKeyRecord> {
  const existing = activeSigningKey(store.state);
  if (existing) return existing;
  const { add } = await signingKeyEffects(store.clock.nowMs());
  await store.commit(async (state) => {
    // another replica added one meanwhile: use it rather than adding a second
    if (activeSigningKey(state)) return { kind: 'noop', result: undefined };
    return { kind: 'txn', effects: add, result: undefined };
  });
  const active = activeSigningKey(store.state);
  assert(active !== undefined, 'a signing key is active after ensureSigningKey committed');
  return active;
}

export interface SigningRotation {
  kid: string;
  retired: { kid: string; notAfter: string }[];
}

/** A new signing key, and every other unretired one retired once the tokens it signed have expired. */
export async function rotateSigningKey(store: CatalogStore): Promise<SigningRotation> {
  const nowMs = store.clock.nowMs();
  const { kid, add } = await signingKeyEffects(nowMs);
  const notAfterMs = retireAfterMs(nowMs);
  return store.commit(async (state) => {
    const old = [...state.signingKeys.values()].filter((k) => k.notAfterMs === undefined).map((k) => k.kid).sort();
    const effects: Effect[] = [...add, ...old.map((k): Effect => ({ op: 'signingKey.retire', kid: k, notAfterMs }))];
    return { kind: 'txn', effects, result: { kid, retired: old.map((k) => ({ kid: k, notAfter: new Date(notAfterMs).toISOString() })) } };
  });
}
