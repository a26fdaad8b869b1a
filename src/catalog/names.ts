// Identifiers come from users and are never trusted as paths. They are validated here and,
// where they become part of a location, percent-encoded segment by segment so that '/', '..',
// '%' and non-ASCII can neither escape the warehouse nor collide with another name.
import { IDENTIFIER_BYTES_MAX, NAMESPACE_LEVELS_MAX } from '../config/index.js';
import { isWellFormed } from '../objectstore/index.js';
import { CatalogError } from './errors.js';

export interface Identifier {
  namespace: string[];
  name: string;
}

export const formatNamespace = (levels: string[]): string => levels.join('.');
export const formatIdentifier = (id: Identifier): string => [...id.namespace, id.name].join('.');

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The name, or why it is refused (a 400: clients see the message as is). */
export function parseName(name: unknown, what: string): string | CatalogError {
  const invalid = (why: string) => new CatalogError('BadRequest', `Invalid ${what}: ${why}`);
  if (typeof name !== 'string' || name.length === 0) return invalid('must be a non-empty string');
  if (Buffer.byteLength(name) > IDENTIFIER_BYTES_MAX) return invalid(`longer than ${IDENTIFIER_BYTES_MAX} bytes`);
  if (CONTROL.test(name)) return invalid('control characters are not allowed');
  if (!isWellFormed(name)) return invalid('must be well-formed Unicode (no lone surrogates)');
  // never a path step, whatever encoding a later reader applies
  if (name === '.' || name === '..') return invalid("'.' and '..' are not allowed");
  if (name.includes('\\')) return invalid("'\\' is not allowed");
  return name;
}

/** The namespace levels, or why they are refused; the first bad level decides. */
export function parseNamespace(levels: unknown): string[] | CatalogError {
  if (!Array.isArray(levels) || levels.length === 0) {
    return new CatalogError('BadRequest', 'Invalid namespace: must be a non-empty array of strings');
  }
  if (levels.length > NAMESPACE_LEVELS_MAX) {
    return new CatalogError('BadRequest', `Invalid namespace: more than ${NAMESPACE_LEVELS_MAX} levels`);
  }
  const parsed: string[] = [];
  for (const level of levels as unknown[]) {
    const name = parseName(level, 'namespace level');
    if (name instanceof CatalogError) return name;
    parsed.push(name);
  }
  return parsed;
}

/** A TableIdentifier object, or why it is refused (the namespace is checked before the name). */
export function parseIdentifier(value: unknown): Identifier | CatalogError {
  if (typeof value !== 'object' || value === null) return new CatalogError('BadRequest', 'Invalid identifier: must be an object');
  const { namespace: rawNamespace, name: rawName } = value as { namespace?: unknown; name?: unknown };
  const namespace = parseNamespace(rawNamespace);
  if (namespace instanceof CatalogError) return namespace;
  const name = parseName(rawName, 'name');
  if (name instanceof CatalogError) return name;
  return { namespace, name };
}

/** A location path segment for a user-given name: injective and never '.', '..' or containing '/'. */
export function pathSegment(name: string): string {
  return encodeURIComponent(name).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}
