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
  | { op: 'signingKey.retire'; kid: string; notAfterMs: number }
  /** a built-in principal's roles change (docs/design/authorization.md) */
  | { op: 'principal.setRoles'; name: string; expect: string[]; roles: string[] }
  /** a custom role; built-in roles (admin, writer, reader) are not stored */
  | { op: 'role.create'; name: string; createdMs: number }
  /** also drops the role's grants and takes it from every built-in principal */
  | { op: 'role.delete'; name: string }
  | { op: 'grant.add'; role: string; on: Securable; privilege: Privilege }
  | { op: 'grant.revoke'; role: string; on: Securable; privilege: Privilege };

/** What a grant is on. A namespace grant covers its children and everything they contain. */
export type Securable =
  | { kind: 'catalog' }
  | { kind: 'namespace'; ns: Levels }
  | { kind: 'table'; ns: Levels; name: string }
  | { kind: 'view'; ns: Levels; name: string };

/**
 * The privileges a role can be granted (close to Apache Polaris'). Stored by name in the log,
 * so a name is never reused for another meaning; what each one allows is catalog/access.ts.
 */
export const PRIVILEGES = [
  'CATALOG_MANAGE_ACCESS',
  'NAMESPACE_LIST',
  'NAMESPACE_CREATE',
  'NAMESPACE_READ_PROPERTIES',
  'NAMESPACE_WRITE_PROPERTIES',
  'NAMESPACE_DROP',
  'TABLE_LIST',
  'TABLE_CREATE',
  'TABLE_READ_METADATA',
  'TABLE_WRITE_METADATA',
  'TABLE_DROP',
  'TABLE_READ_DATA',
  'TABLE_WRITE_DATA',
  'VIEW_LIST',
  'VIEW_CREATE',
  'VIEW_READ_METADATA',
  'VIEW_WRITE_METADATA',
  'VIEW_DROP',
] as const;

export type Privilege = (typeof PRIVILEGES)[number];

/** Roles every catalog has, never stored: their grants are fixed in catalog/access.ts. */
export const BUILTIN_ROLES = ['admin', 'writer', 'reader'] as const;

export interface GrantRecord {
  on: Securable;
  /** sorted */
  privileges: Privilege[];
}

export interface RoleRecord {
  name: string;
  createdMs: number;
  /** sorted by securable */
  grants: GrantRecord[];
}

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
