// Replaying log entries onto a state, and the catalog invariants a restored state must hold.
// Replay is CatalogState.applyEntry, the same code the replicas run, so a backup's state is
// byte-for-byte the state a replica would hold at that sequence.
import { LOCATION_BYTES_MAX } from '../../config/index.js';
import type { LogEntry } from '../layout.js';
import { CHECKPOINT_VERSION, type Checkpoint } from '../layout.js';
import { BUILTIN_ROLES, PRIVILEGES } from '../effects.js';
import { CatalogState, entityKey, nsKey, securableKey, type StateSnapshot } from '../state.js';

/** Applies one entry's effects in order; returns why it does not apply, or undefined. */
export const replayEntry = (state: CatalogState, entry: LogEntry): string | undefined => state.applyEntry(entry);

const IDEMPOTENCY_FIELDS = ['key', 'status', 'body', 'expiresAtMs'];

/**
 * Checks the shape of a checkpoint-shaped value by hand: a zod schema took seconds on 100k
 * tables, and validate-backup runs this on every state member. Returns the first problem.
 */
function encryptionShapeProblem(raw: unknown): string | undefined {
  if (!isRecord(raw) || !exactKeys(raw, ['algorithm', 'active', 'keys'])) return 'expected {algorithm, active, keys}';
  if (raw.algorithm !== 'AES-256-GCM' || typeof raw.active !== 'string' || !Array.isArray(raw.keys)) return 'unknown algorithm or malformed keys';
  for (const k of raw.keys as unknown[]) {
    if (!isRecord(k) || typeof k.id !== 'string' || typeof k.check !== 'string' || typeof k.retired !== 'boolean') return 'malformed key';
  }
  return undefined;
}

const SECRET_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;
const isJwk = (value: unknown): boolean => isRecord(value) && Object.values(value).every((v) => typeof v === 'string');

function principalShapeProblem(p: unknown): string | undefined {
  if (!isRecord(p) || !exactKeys(p, ['name', 'clientId', 'secretHash', 'roles', 'createdMs'])) return 'expected {name, clientId, secretHash, roles, createdMs}';
  if (typeof p.name !== 'string' || p.name === '' || typeof p.clientId !== 'string' || p.clientId === '') return 'name and clientId must be non-empty strings';
  if (typeof p.secretHash !== 'string' || !SECRET_HASH.test(p.secretHash)) return 'secretHash is not a scrypt hash';
  if (!Array.isArray(p.roles) || p.roles.some((r) => typeof r !== 'string')) return 'roles must be strings';
  return isSeq(p.createdMs) ? undefined : 'malformed createdMs';
}

function signingKeyShapeProblem(k: unknown): string | undefined {
  const fields = ['kid', 'alg', 'publicJwk', 'privateJwk', 'createdMs'];
  if (!isRecord(k) || !exactKeys(k, 'notAfterMs' in k ? [...fields, 'notAfterMs'] : fields)) return 'expected {kid, alg, publicJwk, privateJwk, createdMs[, notAfterMs]}';
  if (typeof k.kid !== 'string' || k.kid === '') return 'kid must be a non-empty string';
  if (k.alg !== 'EdDSA' && k.alg !== 'ES256') return 'alg must be EdDSA or ES256';
  if (!isJwk(k.publicJwk) || !isJwk(k.privateJwk)) return 'malformed JWK';
  if (!isSeq(k.createdMs) || ('notAfterMs' in k && !isSeq(k.notAfterMs))) return 'malformed time';
  return undefined;
}

const isSecurable = (on: unknown): boolean => {
  if (!isRecord(on)) return false;
  switch (on.kind) {
    case 'catalog':
      return exactKeys(on, ['kind']);
    case 'namespace':
      return exactKeys(on, ['kind', 'ns']) && isLevels(on.ns);
    case 'table':
    case 'view':
      return exactKeys(on, ['kind', 'ns', 'name']) && isLevels(on.ns) && typeof on.name === 'string' && on.name !== '';
    default:
      return false;
  }
};

function roleShapeProblem(r: unknown): string | undefined {
  if (!isRecord(r) || !exactKeys(r, ['name', 'createdMs', 'grants'])) return 'expected {name, createdMs, grants}';
  if (typeof r.name !== 'string' || r.name === '' || !isSeq(r.createdMs)) return 'malformed name or createdMs';
  if (!Array.isArray(r.grants)) return 'grants must be a list';
  for (const g of r.grants as unknown[]) {
    if (!isRecord(g) || !exactKeys(g, ['on', 'privileges']) || !isSecurable(g.on)) return 'malformed grant';
    const privileges = g.privileges;
    if (!Array.isArray(privileges) || privileges.length === 0) return 'a grant lists at least one privilege';
    if (privileges.some((p, i) => !(PRIVILEGES as readonly unknown[]).includes(p) || (i > 0 && privileges[i - 1] >= p))) return 'privileges must be known, sorted and unique';
  }
  return undefined;
}

function checkpointShapeProblem(raw: unknown): string | undefined {
  if (!isRecord(raw)) return 'is not an object';
  if (!exactKeys(raw, ['v', 'catalogId', 'seq', 'entryHash', 'ts', 'state'])) return 'does not have exactly the checkpoint fields';
  if (raw.v !== CHECKPOINT_VERSION) return `has an unknown version ${JSON.stringify(raw.v)}`;
  if (typeof raw.catalogId !== 'string' || raw.catalogId === '') return 'has no catalogId';
  if (!isSeq(raw.seq)) return 'has a malformed seq';
  if (typeof raw.entryHash !== 'string' || !/^[0-9a-f]{64}$/.test(raw.entryHash)) return 'has a malformed entryHash';
  if (!isSeq(raw.ts)) return 'has a malformed ts';
  const state = raw.state;
  const fields = ['namespaces', 'tables', 'views', 'idempotency', 'purges'];
  const optional = ['encryption', 'principals', 'signingKeys', 'roles'].filter((f) => isRecord(state) && f in state);
  if (!isRecord(state) || !exactKeys(state, [...fields, ...optional])) return 'does not have exactly the state fields';
  if ('encryption' in state && encryptionShapeProblem(state.encryption)) return `is malformed at state.encryption: ${encryptionShapeProblem(state.encryption)}`;
  for (const [part, problemOf] of [['principals', principalShapeProblem], ['signingKeys', signingKeyShapeProblem], ['roles', roleShapeProblem]] as const) {
    if (!(part in state)) continue;
    const list = state[part];
    // written only when not empty: an empty list is not the canonical form
    if (!Array.isArray(list) || list.length === 0) return `has a malformed state.${part} list`;
    for (const [i, item] of list.entries()) {
      const problem = problemOf(item);
      if (problem) return `is malformed at state.${part}.${i}: ${problem}`;
    }
  }
  const lists = Object.fromEntries(fields.map((f) => [f, state[f]])) as Record<string, unknown[]>;
  for (const part of Object.keys(lists)) if (!Array.isArray(lists[part])) return `has no state.${part} list`;
  const at = (part: string, i: number, why: string) => `is malformed at state.${part}.${i}: ${why}`;
  for (const [i, n] of lists.namespaces!.entries()) {
    if (!isRecord(n) || !exactKeys(n, ['levels', 'properties'])) return at('namespaces', i, 'expected {levels, properties}');
    if (!isLevels(n.levels)) return at('namespaces', i, 'levels must be non-empty strings');
    if (!isRecord(n.properties) || Object.values(n.properties).some((v) => typeof v !== 'string')) return at('namespaces', i, 'properties must map strings to strings');
  }
  for (const part of ['tables', 'views']) {
    for (const [i, p] of lists[part]!.entries()) {
      if (!isRecord(p) || !exactKeys(p, ['ns', 'name', 'metadataLocation'])) return at(part, i, 'expected {ns, name, metadataLocation}');
      if (!isLevels(p.ns) || typeof p.name !== 'string' || p.name === '') return at(part, i, 'ns and name must be non-empty strings');
      if (!isLocation(p.metadataLocation)) return at(part, i, 'metadataLocation must be a string');
    }
  }
  for (const [i, r] of lists.idempotency!.entries()) {
    if (!isRecord(r) || Object.keys(r).some((k) => !IDEMPOTENCY_FIELDS.includes(k))) return at('idempotency', i, 'expected {key, status, body, expiresAtMs}');
    if (typeof r.key !== 'string' || r.key === '' || !Number.isInteger(r.status) || typeof r.expiresAtMs !== 'number') return at('idempotency', i, 'malformed record');
  }
  for (const [i, p] of lists.purges!.entries()) {
    if (!isRecord(p) || !exactKeys(p, ['id', 'metadataLocation', 'deleteData'])) return at('purges', i, 'expected {id, metadataLocation, deleteData}');
    if (typeof p.id !== 'string' || p.id === '' || !isLocation(p.metadataLocation) || typeof p.deleteData !== 'boolean') return at('purges', i, 'malformed purge');
  }
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isLevels = (value: unknown): value is string[] => Array.isArray(value) && value.length > 0 && value.every((l) => typeof l === 'string' && l !== '');
const isLocation = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= LOCATION_BYTES_MAX;

function exactKeys(record: Record<string, unknown>, keys: string[]): boolean {
  const own = Object.keys(record);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(record, k));
}

/** Parses a checkpoint-shaped JSON member; returns the problem as a string when it is not one. */
export function parseCheckpointJson(bytes: Buffer): Checkpoint | string {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return `is not valid JSON (${(error as Error).message})`;
  }
  const problem = checkpointShapeProblem(raw);
  // checked field by field above; kept raw so the canonical-bytes check sees it as written
  return problem ?? (raw as Checkpoint);
}

const WELL_FORMED_LOCATION = /^[a-z][a-z0-9+.-]*:\/\/[^\s\u0000]+$/i;

/**
 * The first broken catalog invariant of a snapshot, or undefined: every namespace's parent
 * exists, every table and view has its namespace, no duplicate names (a table and a view
 * share one name space), pointers are absolute URLs.
 */
export function invariantProblem(snapshot: StateSnapshot): string | undefined {
  const namespaces = new Set<string>();
  for (const n of snapshot.namespaces) {
    const key = nsKey(n.levels);
    if (namespaces.has(key)) return `namespace ${n.levels.join('.')} appears twice`;
    namespaces.add(key);
  }
  for (const n of snapshot.namespaces) {
    if (n.levels.length > 1 && !namespaces.has(nsKey(n.levels.slice(0, -1)))) {
      return `namespace ${n.levels.join('.')} has no parent namespace ${n.levels.slice(0, -1).join('.')}`;
    }
  }
  const entities = new Set<string>();
  for (const [kind, list] of [['table', snapshot.tables], ['view', snapshot.views]] as const) {
    for (const p of list) {
      const name = `${p.ns.join('.')}.${p.name}`;
      if (!namespaces.has(nsKey(p.ns))) return `${kind} ${name} has no namespace ${p.ns.join('.')}`;
      const key = entityKey(p.ns, p.name);
      if (entities.has(key)) return `${kind} ${name} appears twice (tables and views share names)`;
      entities.add(key);
      if (!WELL_FORMED_LOCATION.test(p.metadataLocation)) {
        return `${kind} ${name} has a malformed metadata-location ${JSON.stringify(p.metadataLocation.slice(0, 200))}`;
      }
    }
  }
  const idempotencyKeys = new Set<string>();
  for (const r of snapshot.idempotency) {
    if (idempotencyKeys.has(r.key)) return `idempotency key ${r.key} appears twice`;
    idempotencyKeys.add(r.key);
  }
  const purgeIds = new Set<string>();
  for (const p of snapshot.purges) {
    if (purgeIds.has(p.id)) return `purge ${p.id} appears twice`;
    purgeIds.add(p.id);
    if (!WELL_FORMED_LOCATION.test(p.metadataLocation)) return `purge ${p.id} has a malformed metadata-location`;
  }
  const names = new Set<string>();
  const clientIds = new Set<string>();
  for (const p of snapshot.principals ?? []) {
    if (names.has(p.name)) return `principal ${p.name} appears twice`;
    if (clientIds.has(p.clientId)) return `client id ${p.clientId} belongs to two principals`;
    names.add(p.name);
    clientIds.add(p.clientId);
  }
  const kids = new Set<string>();
  for (const k of snapshot.signingKeys ?? []) {
    if (kids.has(k.kid)) return `signing key ${k.kid} appears twice`;
    kids.add(k.kid);
    if (k.publicJwk.kid !== undefined && k.publicJwk.kid !== k.kid) return `signing key ${k.kid} holds a public key of kid ${k.publicJwk.kid}`;
    if (k.privateJwk.d === undefined || k.publicJwk.d !== undefined) return `signing key ${k.kid} has its private part in the wrong place`;
  }
  return accessProblem(snapshot, namespaces, entities);
}

/** Roles are unique and never built-in; every grant names a securable that exists. */
function accessProblem(snapshot: StateSnapshot, namespaces: Set<string>, entities: Set<string>): string | undefined {
  const roles = new Set<string>();
  const tables = new Set(snapshot.tables.map((t) => entityKey(t.ns, t.name)));
  for (const r of snapshot.roles ?? []) {
    if (roles.has(r.name)) return `role ${r.name} appears twice`;
    if ((BUILTIN_ROLES as readonly string[]).includes(r.name)) return `role ${r.name} is built in and cannot be stored`;
    roles.add(r.name);
    const seen = new Set<string>();
    for (const g of r.grants) {
      const key = securableKey(g.on);
      if (seen.has(key)) return `role ${r.name} lists its grants on one securable twice`;
      seen.add(key);
      const on = g.on;
      const exists =
        on.kind === 'catalog' ||
        (on.kind === 'namespace' && namespaces.has(nsKey(on.ns))) ||
        (on.kind === 'table' && tables.has(entityKey(on.ns, on.name))) ||
        (on.kind === 'view' && entities.has(entityKey(on.ns, on.name)) && !tables.has(entityKey(on.ns, on.name)));
      if (!exists) return `role ${r.name} has a grant on a ${on.kind} that does not exist`;
    }
  }
  return undefined;
}

/** Every metadata-location a snapshot points at (tables, views, pending purges). */
export function metadataLocations(snapshot: StateSnapshot): string[] {
  return [...snapshot.tables, ...snapshot.views].map((p) => p.metadataLocation);
}

export const emptySnapshot = (): StateSnapshot => new CatalogState().toSnapshot();
