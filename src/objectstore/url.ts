// Parses the storage URLs of the seed (memory://, file:///abs, s3://bucket/prefix,
// gs://bucket/prefix, az://container/prefix) into a backend, a root and a key prefix.
import * as path from 'node:path';
import type { Backend } from './types.js';

export interface StorageUrl {
  backend: Backend;
  /** memory: root name ('' = private); file: absolute directory; cloud: bucket/container */
  bucket: string;
  /** key prefix inside the bucket, no leading or trailing '/' ('' for none) */
  prefix: string;
  /** normalised URL, safe to print */
  display: string;
}

export class InvalidStorageUrl extends Error {
  override name = 'InvalidStorageUrl';
}

const SCHEMES: Record<string, Backend> = {
  'memory:': 'memory',
  'file:': 'file',
  's3:': 's3',
  's3a:': 's3',
  'gs:': 'gcs',
  'az:': 'azure',
  'abfs:': 'azure',
  'abfss:': 'azure',
};

export function parseStorageUrl(text: string): StorageUrl {
  const match = /^([a-z0-9]+:)\/\/(.*)$/i.exec(text.trim());
  if (!match) {
    if (text.startsWith('/')) {
      throw new InvalidStorageUrl(`${text} is a path, not a URL: use file://${text}`);
    }
    throw new InvalidStorageUrl(
      `unsupported storage URL ${JSON.stringify(text)}: use memory://, file:///absolute/path, s3://bucket/prefix, gs://bucket/prefix or az://container/prefix`,
    );
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  const backend = SCHEMES[scheme];
  if (!backend) {
    throw new InvalidStorageUrl(`unsupported storage URL scheme ${scheme}// in ${JSON.stringify(text)}`);
  }
  if (rest.includes('\0') || /[?#]/.test(rest)) {
    throw new InvalidStorageUrl(`storage URL must not contain a query, fragment or NUL: ${JSON.stringify(text)}`);
  }
  if (backend === 'file') {
    if (!rest.startsWith('/')) {
      throw new InvalidStorageUrl(
        `file:// URL needs an absolute path (three slashes): file:///${rest} rather than file://${rest}`,
      );
    }
    // the path is taken literally: a %-escape is part of a file name, as in the warehouse locations
    const dir = path.resolve(rest);
    return { backend, bucket: dir, prefix: '', display: `file://${dir}` };
  }
  const [bucketPart, ...segments] = rest.split('/');
  let bucket = bucketPart ?? '';
  // abfss://container@account.dfs.core.windows.net/path
  if (backend === 'azure' && bucket.includes('@')) bucket = bucket.split('@')[0]!;
  const prefix = segments.filter((s) => s !== '').join('/');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new InvalidStorageUrl(`storage URL must not contain '.' or '..' segments: ${JSON.stringify(text)}`);
  }
  if (backend !== 'memory' && bucket === '') {
    throw new InvalidStorageUrl(`storage URL needs a bucket or container: ${JSON.stringify(text)}`);
  }
  const display = `${scheme}//${bucket}${prefix ? '/' + prefix : ''}`;
  return { backend, bucket, prefix, display };
}

/** Joins a URL and a relative key with exactly one '/'. */
export function joinUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, '')}/${key.replace(/^\/+/, '')}`;
}
