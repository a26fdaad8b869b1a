// Opaque page tokens that stay correct while entities are created and dropped between
// pages: a token is the last name returned (base64url), and the next page starts after it
// in sorted order, so nothing is skipped or repeated that existed throughout.
import { PAGE_SIZE_MAX } from '../config/index.js';
import { CatalogError } from './errors.js';

export interface PageRequest {
  pageToken?: string;
  pageSize?: string | number;
}

export interface Page<T> {
  items: T[];
  /** null at the end; undefined when the caller did not ask for pages */
  nextPageToken: string | null | undefined;
}

export function paginate<T>(sortedKeys: string[], request: PageRequest, toItem: (key: string) => T): Page<T> {
  const paging = request.pageToken !== undefined || request.pageSize !== undefined;
  if (!paging) return { items: sortedKeys.map(toItem), nextPageToken: undefined };
  let size = PAGE_SIZE_MAX;
  if (request.pageSize !== undefined && request.pageSize !== '') {
    size = Number(request.pageSize);
    if (!Number.isInteger(size) || size < 1) throw new CatalogError('BadRequest', `Invalid pageSize: ${request.pageSize}`);
    size = Math.min(size, PAGE_SIZE_MAX);
  }
  let after: string | undefined;
  if (request.pageToken) {
    try {
      const decoded = JSON.parse(Buffer.from(request.pageToken, 'base64url').toString('utf8')) as { after?: unknown };
      if (typeof decoded.after !== 'string') throw new Error('shape');
      after = decoded.after;
    } catch {
      throw new CatalogError('BadRequest', `Invalid pageToken: ${request.pageToken}`);
    }
  }
  const start = after === undefined ? 0 : upperBound(sortedKeys, after);
  const slice = sortedKeys.slice(start, start + size);
  const more = start + size < sortedKeys.length;
  return {
    items: slice.map(toItem),
    nextPageToken: more ? Buffer.from(JSON.stringify({ after: slice[slice.length - 1] })).toString('base64url') : null,
  };
}

function upperBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A list answer's JSON: the items, and next-page-token only when the client asked for pages. */
export function listJson<T>(key: 'namespaces' | 'identifiers', page: Page<T>): string {
  return JSON.stringify({ [key]: page.items, ...(page.nextPageToken !== undefined && { 'next-page-token': page.nextPageToken }) });
}
