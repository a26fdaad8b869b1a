// Log effects: resolved state transitions, never requests. Replaying them is deterministic
// and never re-evaluates Iceberg requirements; each carries what it expects to find so that a
// replay against the wrong state fails closed instead of silently diverging.

export type Levels = string[];

export interface EntityRef {
  ns: Levels;
  name: string;
}

export type Effect =
  | { op: 'ns.create'; ns: Levels; properties: Record<string, string> }
  | { op: 'ns.setProperties'; ns: Levels; updates: Record<string, string>; removals: string[] }
  | { op: 'ns.drop'; ns: Levels }
  | { op: 'table.create'; ns: Levels; name: string; to: string }
  | { op: 'table.setPointer'; ns: Levels; name: string; expect: string; to: string }
  | { op: 'table.drop'; ns: Levels; name: string; expect: string }
  | { op: 'table.rename'; from: EntityRef; to: EntityRef }
  | { op: 'view.create'; ns: Levels; name: string; to: string }
  | { op: 'view.setPointer'; ns: Levels; name: string; expect: string; to: string }
  | { op: 'view.drop'; ns: Levels; name: string; expect: string }
  | { op: 'view.rename'; from: EntityRef; to: EntityRef }
  /** a dropped table's files still to be deleted; survives restarts until purge.done */
  | { op: 'purge.request'; id: string; metadataLocation: string; deleteData: boolean }
  | { op: 'purge.done'; id: string }
  /** the catalog's encryption keys change (enable, rotate, retire): from `expect` to `to` */
  | { op: 'encryption.set'; expect: EncryptionRecord | null; to: EncryptionRecord }
  /** a built-in principal (docs/design/principals.md): the secret only as a slow hash */
  | { op: 'principal.create'; name: string; clientId: string; secretHash: string; roles: string[]; createdMs: number }
  | { op: 'principal.delete'; name: string; clientId: string }
  | { op: 'principal.rotateSecret'; name: string; expect: string; secretHash: string }
  /** a key the catalog signs its tokens with; the private JWK is encrypted at rest when encryption is on */
  | { op: 'signingKey.add'; kid: string; alg: SigningAlgorithm; publicJwk: Jwk; privateJwk: Jwk; createdMs: number }
  /** tokens signed by `kid` verify until `notAfterMs`, no new ones are signed */
  | { op: 'signingKey.retire'; kid: string; notAfterMs: number };

export type SigningAlgorithm = 'EdDSA' | 'ES256';
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256'];

/** A JSON Web Key as jose exports it: string members only (kty, crv, x, y, d). */
export type Jwk = Record<string, string>;

export interface PrincipalRecord {
  name: string;
  clientId: string;
  secretHash: string;
  roles: string[];
  createdMs: number;
}

export interface SigningKeyRecord {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: Jwk;
  privateJwk: Jwk;
  createdMs: number;
  /** set when retired */
  notAfterMs?: number;
}

/** Which keys the catalog accepts and writes with; key ids and check values, never material. */
export interface EncryptionRecord {
  algorithm: 'AES-256-GCM';
  active: string;
  keys: { id: string; check: string; retired: boolean }[];
}

export type EffectOp = Effect['op'];

/** The outcome of a request recorded with its effects, so a retry gets the same answer. */
export interface IdempotencyRecord {
  key: string;
  status: number;
  body: unknown;
  /** judged against entry timestamps, so expiry replays identically everywhere */
  expiresAtMs: number;
}

export interface Txn {
  /** unique id of this transaction: lets a writer recognise its own entry after an unknown outcome */
  txn: string;
  idem?: IdempotencyRecord;
  effects: Effect[];
}
