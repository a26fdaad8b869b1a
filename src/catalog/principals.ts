// Built-in principals (docs/design/principals.md): created, listed, deleted and given a new
// secret through log entries, so every replica and backup agrees. A secret is returned once,
// to the caller that made it, and kept only as a slow scrypt hash.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import {
  PRINCIPAL_NAME_BYTES_MAX, PRINCIPAL_ROLES_MAX, SECRET_SCRYPT_KEY_BYTES, SECRET_SCRYPT_MAXMEM_BYTES, SECRET_SCRYPT_N, SECRET_SCRYPT_N_MAX,
  SECRET_SCRYPT_P, SECRET_SCRYPT_R, SECRET_SCRYPT_SALT_BYTES,
} from '../config/index.js';
import type { CatalogState, CatalogStore, Effect, PrincipalRecord } from '../store/index.js';
import { signingKeyEffects } from './signing-keys.js';

/** A refused principal command (name taken, unknown principal, bad name): the CLI prints it and exits 1. */
export class PrincipalError extends Error {
  override name = 'PrincipalError';
}

/** Names and roles: printable, no separators a client or log could misread (`:` splits credential=id:secret). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

export function checkPrincipalName(what: string, value: string): void {
  if (!NAME.test(value) || Buffer.byteLength(value) > PRINCIPAL_NAME_BYTES_MAX) {
    throw new PrincipalError(`${what} ${JSON.stringify(value.slice(0, PRINCIPAL_NAME_BYTES_MAX))} must be 1-${PRINCIPAL_NAME_BYTES_MAX} letters, digits, '.', '_', '@' or '-', starting with a letter or digit`);
  }
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

function derive(secret: string, salt: Buffer, n: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { N: n, r, p, maxmem: SECRET_SCRYPT_MAXMEM_BYTES }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash`: the parameters travel with the hash so the cost can be raised later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SECRET_SCRYPT_SALT_BYTES);
  const key = await derive(secret, salt, SECRET_SCRYPT_N, SECRET_SCRYPT_R, SECRET_SCRYPT_P, SECRET_SCRYPT_KEY_BYTES);
  return ['scrypt', SECRET_SCRYPT_N, SECRET_SCRYPT_R, SECRET_SCRYPT_P, b64(salt), b64(key)].join('$');
}

let dummy: Promise<string> | undefined;

/**
 * Whether `secret` matches `hash`, in constant time. Without a hash (unknown client id) a dummy
 * of the same cost is checked, so an attacker cannot tell unknown ids by the time it takes.
 */
export async function verifySecret(secret: string, hash: string | undefined): Promise<boolean> {
  const target = hash ?? (await (dummy ??= hashSecret(b64(randomBytes(32)))));
  const parts = target.split('$');
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (parts.length !== 6 || parts[0] !== 'scrypt' || !(n > 1 && n <= SECRET_SCRYPT_N_MAX && (n & (n - 1)) === 0) || !(r >= 1 && r <= 32) || !(p >= 1 && p <= 16)) {
    return false;
  }
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length < 16 || expected.length > 64) return false;
  const actual = await derive(secret, Buffer.from(parts[4]!, 'base64url'), n, r, p, expected.length);
  return timingSafeEqual(actual, expected) && hash !== undefined;
}

export interface NewPrincipal {
  name: string;
  clientId: string;
  /** shown once; only its hash is stored */
  clientSecret: string;
  roles: string[];
}

/** What `floe principal list` shows: never the hash. */
export interface PrincipalSummary {
  name: string;
  clientId: string;
  roles: string[];
  created: string;
}

export const summarize = (p: PrincipalRecord): PrincipalSummary => ({ name: p.name, clientId: p.clientId, roles: [...p.roles], created: new Date(p.createdMs).toISOString() });

export function listPrincipals(state: CatalogState): PrincipalSummary[] {
  return [...state.principals.keys()].sort().map((name) => summarize(state.principals.get(name)!));
}

const newSecret = () => b64(randomBytes(32));

/**
 * Creates a principal by a log entry; the first one also gets the catalog its first signing key,
 * so the token endpoint works from the start. Refused when the name is taken.
 */
export async function createPrincipal(store: CatalogStore, name: string, roles: readonly string[]): Promise<NewPrincipal> {
  checkPrincipalName('principal name', name);
  for (const role of roles) checkPrincipalName('role', role);
  const uniqueRoles = [...new Set(roles)].sort();
  if (uniqueRoles.length > PRINCIPAL_ROLES_MAX) throw new PrincipalError(`a principal has at most ${PRINCIPAL_ROLES_MAX} roles`);
  const clientSecret = newSecret();
  const secretHash = await hashSecret(clientSecret);
  const keyEffects = await signingKeyEffects(store.clock.nowMs());
  return store.commit(async (state) => {
    if (state.principals.has(name)) return { kind: 'reject', error: new PrincipalError(`principal ${name} exists`) };
    let clientId: string;
    do clientId = `floe-${randomBytes(12).toString('hex')}`;
    while (state.principalsByClientId.has(clientId));
    const hasKey = [...state.signingKeys.values()].some((k) => k.notAfterMs === undefined);
    const effects: Effect[] = [
      { op: 'principal.create', name, clientId, secretHash, roles: uniqueRoles, createdMs: store.clock.nowMs() },
      ...(hasKey ? [] : keyEffects.add),
    ];
    return { kind: 'txn', effects, result: { name, clientId, clientSecret, roles: uniqueRoles } };
  });
}

export async function deletePrincipal(store: CatalogStore, name: string): Promise<void> {
  await store.commit(async (state) => {
    const record = state.principals.get(name);
    if (!record) return { kind: 'reject', error: new PrincipalError(`no principal ${name}`) };
    return { kind: 'txn', effects: [{ op: 'principal.delete', name, clientId: record.clientId }], result: undefined };
  });
}

/** A new secret for `name`: the old one stops working at once (tokens already issued run out). */
export async function rotatePrincipalSecret(store: CatalogStore, name: string): Promise<NewPrincipal> {
  const clientSecret = newSecret();
  const secretHash = await hashSecret(clientSecret);
  return store.commit(async (state) => {
    const record = state.principals.get(name);
    if (!record) return { kind: 'reject', error: new PrincipalError(`no principal ${name}`) };
    return {
      kind: 'txn',
      effects: [{ op: 'principal.rotateSecret', name, expect: record.secretHash, secretHash }],
      result: { name, clientId: record.clientId, clientSecret, roles: [...record.roles] },
    };
  });
}
