// Bounds on what a request may put into the catalog (config/limits.ts names them): property
// maps, schemas, and the lists of a commit. Checked before anything is written, so an
// over-limit request is a 400 that changes nothing; the request body limit alone let one
// namespace grow to 63 MB and a 1 000-level schema crash the parsers. Each check returns the
// refusal (a value), undefined when the input is within bounds.
import {
  COMMIT_REQUIREMENTS_MAX, COMMIT_UPDATES_MAX, PROPERTIES_BYTES_MAX, PROPERTIES_COUNT_MAX, PROPERTY_KEY_BYTES_MAX,
  PROPERTY_VALUE_BYTES_MAX, SCHEMA_DEPTH_MAX, SCHEMA_FIELDS_MAX,
} from '../config/index.js';
import { CatalogError } from './errors.js';

const tooLarge = (message: string) => new CatalogError('BadRequest', message);

function sizeOf(properties: Record<string, unknown>, what: string): CatalogError | undefined {
  let count = 0;
  let bytes = 0;
  for (const [key, value] of Object.entries(properties)) {
    count++;
    if (count > PROPERTIES_COUNT_MAX) return tooLarge(`Invalid ${what}: more than ${PROPERTIES_COUNT_MAX} entries`);
    const keyBytes = Buffer.byteLength(key);
    if (keyBytes > PROPERTY_KEY_BYTES_MAX) {
      return tooLarge(`Invalid ${what}: key of ${keyBytes} bytes (at most ${PROPERTY_KEY_BYTES_MAX}): ${key.slice(0, 64)}…`);
    }
    const valueBytes = typeof value === 'string' ? Buffer.byteLength(value) : 0;
    if (valueBytes > PROPERTY_VALUE_BYTES_MAX) {
      return tooLarge(`Invalid ${what}: value of ${key.slice(0, 64)} has ${valueBytes} bytes (at most ${PROPERTY_VALUE_BYTES_MAX})`);
    }
    bytes += keyBytes + valueBytes;
    if (bytes > PROPERTIES_BYTES_MAX) return tooLarge(`Invalid ${what}: more than ${PROPERTIES_BYTES_MAX} bytes of keys and values`);
  }
  return undefined;
}

/** A property map as sent by a client (create, set-properties, a snapshot summary). */
export function checkProperties(properties: unknown, what: string): CatalogError | undefined {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return undefined;
  return sizeOf(properties as Record<string, unknown>, what);
}

/**
 * The map a change leaves behind (its entries were checked one by one as input): refused when it
 * is over the count or byte bound and bigger than before, so a map that already is over them
 * (written before the bounds existed) can still shrink.
 */
export function checkPropertiesGrowth(before: Record<string, string>, after: Record<string, string>, what: string): CatalogError | undefined {
  const total = (m: Record<string, string>) => Object.entries(m).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  const count = Object.keys(after).length;
  const bytes = total(after);
  if (count <= PROPERTIES_COUNT_MAX && bytes <= PROPERTIES_BYTES_MAX) return undefined;
  if (count <= Object.keys(before).length && bytes <= total(before)) return undefined;
  return tooLarge(
    `Invalid ${what}: the result would have ${count} entries and ${bytes} bytes (at most ${PROPERTIES_COUNT_MAX} and ${PROPERTIES_BYTES_MAX})`,
  );
}

/** A schema's nesting depth and field count, walked without recursion (depth is what is limited). */
export function checkSchema(schema: unknown, what: string): CatalogError | undefined {
  const stack: { type: unknown; depth: number }[] = [{ type: schema, depth: 1 }];
  let fields = 0;
  while (stack.length > 0) {
    const { type, depth } = stack.pop()!;
    if (typeof type !== 'object' || type === null) continue;
    if (depth > SCHEMA_DEPTH_MAX) return tooLarge(`Invalid ${what}: nested more than ${SCHEMA_DEPTH_MAX} levels deep`);
    const node = type as Record<string, unknown>;
    const children: unknown[] = [];
    if (Array.isArray(node.fields)) {
      for (const field of node.fields) children.push(typeof field === 'object' && field !== null ? (field as Record<string, unknown>).type : undefined);
    }
    if (node.type === 'list') children.push(node.element);
    if (node.type === 'map') children.push(node.key, node.value);
    fields += children.length;
    if (fields > SCHEMA_FIELDS_MAX) return tooLarge(`Invalid ${what}: more than ${SCHEMA_FIELDS_MAX} fields`);
    for (const child of children) stack.push({ type: child, depth: depth + 1 });
  }
  return undefined;
}

/** The requirement and update lists of one commit, and what each update carries. */
export function checkCommit(requirements: unknown[], updates: unknown[]): CatalogError | undefined {
  if (requirements.length > COMMIT_REQUIREMENTS_MAX) {
    return tooLarge(`Invalid commit: ${requirements.length} requirements (at most ${COMMIT_REQUIREMENTS_MAX})`);
  }
  if (updates.length > COMMIT_UPDATES_MAX) return tooLarge(`Invalid commit: ${updates.length} updates (at most ${COMMIT_UPDATES_MAX})`);
  for (const raw of updates) {
    if (typeof raw !== 'object' || raw === null) continue; // the update parser reports it
    const refused = checkUpdate(raw as Record<string, unknown>);
    if (refused) return refused;
  }
  return undefined;
}

function checkUpdate(update: Record<string, unknown>): CatalogError | undefined {
  switch (update.action) {
    case 'set-properties':
      return checkProperties(update.updates, 'set-properties');
    case 'add-schema':
      return checkSchema(update.schema, 'add-schema schema');
    case 'add-snapshot':
      return checkProperties((update.snapshot as { summary?: unknown } | undefined)?.summary, 'snapshot summary');
    case 'add-view-version':
      return checkProperties((update['view-version'] as { summary?: unknown } | undefined)?.summary, 'view version summary');
    default:
      return undefined;
  }
}

/** A create request of a table or view: its properties, schema and (views) first version's summary. */
export function checkCreate(
  body: { readonly properties?: unknown; readonly schema?: unknown; readonly 'view-version'?: unknown; readonly name: string },
  what: 'table' | 'view',
): CatalogError | undefined {
  const version = body['view-version'];
  return (
    checkProperties(body.properties, `${what} properties`) ??
    checkSchema(body.schema, `${what} schema`) ??
    (typeof version === 'object' && version !== null ? checkProperties((version as { summary?: unknown }).summary, 'view version summary') : undefined)
  );
}
