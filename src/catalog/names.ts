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

export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new CatalogError('BadRequest', `Invalid ${what}: must be a non-empty string`);
  }
  if (Buffer.byteLength(name) > IDENTIFIER_BYTES_MAX) {
    throw new CatalogError('BadRequest', `Invalid ${what}: longer than ${IDENTIFIER_BYTES_MAX} bytes`);
  }
  if (CONTROL.test(name)) throw new CatalogError('BadRequest', `Invalid ${what}: control characters are not allowed`);
  if (!isWellFormed(name)) throw new CatalogError('BadRequest', `Invalid ${what}: must be well-formed Unicode (no lone surrogates)`);
  // never a path step, whatever encoding a later reader applies
  if (name === '.' || name === '..') throw new CatalogError('BadRequest', `Invalid ${what}: '.' and '..' are not allowed`);
  if (name.includes('\\')) throw new CatalogError('BadRequest', `Invalid ${what}: '\\' is not allowed`);
  return name;
}

export function checkNamespace(levels: unknown): string[] {
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new CatalogError('BadRequest', 'Invalid namespace: must be a non-empty array of strings');
  }
  if (levels.length > NAMESPACE_LEVELS_MAX) {
    throw new CatalogError('BadRequest', `Invalid namespace: more than ${NAMESPACE_LEVELS_MAX} levels`);
  }
  return levels.map((level) => checkName(level, 'namespace level'));
}

export function checkIdentifier(value: unknown): Identifier {
  if (typeof value !== 'object' || value === null) throw new CatalogError('BadRequest', 'Invalid identifier: must be an object');
  const { namespace, name } = value as { namespace?: unknown; name?: unknown };
  return { namespace: checkNamespace(namespace), name: checkName(name, 'name') };
}

/** A location path segment for a user-given name: injective and never '.', '..' or containing '/'. */
export function pathSegment(name: string): string {
  return encodeURIComponent(name).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}
