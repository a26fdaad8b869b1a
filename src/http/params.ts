// Decoding of path and query parameters shared by the route modules.
import { CatalogError, parseIdentifier, parseName, parseNamespace, type Identifier } from '../catalog/index.js';

export const NAMESPACE_SEPARATOR = '\u001f';
/** what /v1/config advertises; 0x1F is always accepted as well */
export const ADVERTISED_SEPARATOR = '%1F';

// The HTTP parsing edge: a refused name becomes the route's 400 (the router renders a thrown
// CatalogError); the catalog's own helpers return the error as a value.
const orThrow = <T>(parsed: T | CatalogError): T => {
  if (parsed instanceof CatalogError) throw parsed;
  return parsed;
};
export const checkName = (name: unknown, what: string): string => orThrow(parseName(name, what));
export const checkNamespace = (levels: unknown): string[] => orThrow(parseNamespace(levels));
export const checkIdentifier = (value: unknown): Identifier => orThrow(parseIdentifier(value));

/** The path segment is already percent-decoded by the router. */
export function parseNamespaceParam(raw: string): string[] {
  if (raw === '') throw new CatalogError('BadRequest', 'Invalid namespace: empty');
  return checkNamespace(raw.split(NAMESPACE_SEPARATOR));
}

export function parseIdentifierParams(params: { namespace: string; table?: string; view?: string }): Identifier {
  const name = params.table ?? params.view ?? '';
  return { namespace: parseNamespaceParam(params.namespace), name: checkName(name, 'name') };
}

/**
 * The query parameters a route reads, one value each. A repeated one (`?parent=a&parent=b`)
 * arrives as an array and is ambiguous, so it is a 400 rather than a guess.
 */
export function queryParams<K extends string>(query: unknown, names: readonly K[]): Partial<Record<K, string>> {
  const given = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = given[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new CatalogError('BadRequest', `Invalid query parameter ${name}: given more than once`);
    out[name] = value;
  }
  return out;
}

export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CatalogError('BadRequest', 'Malformed request: the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new CatalogError('BadRequest', `Invalid ${what}: must be an object`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new CatalogError('BadRequest', `Invalid ${what}: value of ${k} must be a string`);
  }
  return value as Record<string, string>;
}

export function stringList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new CatalogError('BadRequest', `Invalid ${what}: must be an array of strings`);
  }
  return value as string[];
}

/** The name and optional location of a create request. */
export function createBody(body: Record<string, unknown>, what: string): Record<string, unknown> & { name: string } {
  const name = checkName(body.name, `${what} name`);
  if (body.location !== undefined && typeof body.location !== 'string') throw new CatalogError('BadRequest', 'Invalid location: must be a string');
  return { ...body, name };
}

/** A commit body whose optional identifier, when given, must name the entity of the path. */
export function commitBody(raw: unknown, id: Identifier): Record<string, unknown> {
  const body = bodyObject(raw);
  if (body.identifier !== undefined) {
    const given = checkIdentifier(body.identifier);
    if (given.name !== id.name || given.namespace.join('\u001f') !== id.namespace.join('\u001f')) {
      throw new CatalogError('BadRequest', 'Invalid commit: the identifier in the body does not match the path');
    }
  }
  return body;
}
