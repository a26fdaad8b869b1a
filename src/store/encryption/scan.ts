// How the objects under a catalog root are stored: plaintext, or under which key id. Reads
// every object's header (one GET each): `floe status` and `floe keys retire` need the truth,
// not an estimate from sequence numbers.
import { listAll, type ObjectStore } from '../../objectstore/index.js';
import { StoreUnavailable } from '../errors.js';
import { CATALOG_KEY, CHECKPOINT_PREFIX, LAST_CHECKPOINT_KEY, LOG_PREFIX } from '../layout.js';
import { isEnvelope, parseHeader } from './envelope.js';

export interface EncryptionScan {
  objects: number;
  plaintext: number;
  /** objects per key id */
  byKey: Record<string, number>;
  /** keys of plaintext objects and objects per key id, for re-encryption */
  keysOf: { plaintext: string[]; byKey: Record<string, string[]> };
}

const PREFIXES = [LOG_PREFIX, CHECKPOINT_PREFIX, 'gc/'];

/** Every object the store wrote (except catalog.json), read raw from `objects`. */
export async function scanEncryption(objects: ObjectStore): Promise<EncryptionScan> {
  const keys: string[] = [];
  for (const prefix of PREFIXES) {
    const listed = await listAll(objects, prefix);
    if (!Array.isArray(listed)) throw new StoreUnavailable(`cannot list ${objects.displayUrl}/${prefix}: ${listed.cause.message}`);
    keys.push(...listed.map((o) => o.key));
  }
  keys.push(LAST_CHECKPOINT_KEY);
  const scan: EncryptionScan = { objects: 0, plaintext: 0, byKey: {}, keysOf: { plaintext: [], byKey: {} } };
  for (const key of keys) {
    if (key === CATALOG_KEY) continue;
    const found = await objects.get(key);
    if (found.kind === 'notFound') continue; // collected meanwhile
    if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${objects.displayUrl}/${key}: ${found.cause.message}`);
    scan.objects++;
    const header = isEnvelope(found.body) ? parseHeader(found.body) : undefined;
    if (header === undefined) {
      scan.plaintext++;
      scan.keysOf.plaintext.push(key);
    } else {
      const id = typeof header === 'string' ? '(damaged)' : header.keyId;
      scan.byKey[id] = (scan.byKey[id] ?? 0) + 1;
      (scan.keysOf.byKey[id] ??= []).push(key);
    }
  }
  return scan;
}


