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
  | { op: 'encryption.set'; expect: EncryptionRecord | null; to: EncryptionRecord };

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
