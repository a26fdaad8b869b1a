// The one parser for object locations (metadata files, manifests, data files, table roots).
// A location is taken apart exactly once into scheme, bucket and raw path segments; nothing
// later decodes it again, so a percent-encoded name stays the literal file or key name it was
// written as. Anything a later step could read differently is refused rather than normalised:
// '.', '..' and empty segments (also when percent-encoded), '\', NUL and other control
// characters, '?', '#', and text that is not well-formed Unicode.
import { LOCATION_BYTES_MAX } from '../config/index.js';
import { err, ok, type Result } from '../util/index.js';
import type { Backend } from './types.js';

export interface Location {
  backend: Backend;
  /** memory: root name; file: '' (the file system); cloud: the bucket or container authority */
  bucket: string;
  /** raw path segments, each non-empty and never '.' or '..' */
  segments: readonly string[];
  /** the canonical text: scheme://bucket/segments (file:///segments) */
  text: string;
}

const SCHEMES: Record<string, { backend: Backend; canonical: string }> = {
  memory: { backend: 'memory', canonical: 'memory' },
  file: { backend: 'file', canonical: 'file' },
  s3: { backend: 's3', canonical: 's3' },
  s3a: { backend: 's3', canonical: 's3' },
  s3n: { backend: 's3', canonical: 's3' },
  gs: { backend: 'gcs', canonical: 'gs' },
  az: { backend: 'azure', canonical: 'az' },
  abfs: { backend: 'azure', canonical: 'az' },
  abfss: { backend: 'azure', canonical: 'az' },
};

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\\?#]/;
const FORBIDDEN_ESCAPED = /%(?:[01][0-9a-f]|7f|5c)/i;
/** bucket, container and memory-root names: what S3, GCS and Azure allow, plus '@' for abfs accounts */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;

/** No lone UTF-16 surrogate (String.prototype.isWellFormed, which the TS lib we target lacks). */
export const isWellFormed = (text: string): boolean => !/\p{Cs}/u.test(text);

/** A segment some URL parser or HTTP stack would treat as '.' or '..'. */
function isDotSegment(segment: string): boolean {
  const lower = segment.toLowerCase().replaceAll('%2e', '.');
  return lower === '.' || lower === '..';
}

/** Parses and checks a location; the error says why it is refused (safe to show: it never echoes more than the input). */
export function parseLocation(text: string): Result<Location, string> {
  if (typeof text !== 'string' || text === '') return err('a location must be a non-empty string');
  if (Buffer.byteLength(text) > LOCATION_BYTES_MAX) return err(`a location must be at most ${LOCATION_BYTES_MAX} bytes`);
  if (!isWellFormed(text)) return err('a location must be well-formed Unicode');
  if (FORBIDDEN.test(text)) return err("a location must not contain '\\', '?', '#' or control characters");
  // nor their escapes: a reader that decodes would meet them again
  if (FORBIDDEN_ESCAPED.test(text)) return err("a location must not contain an escaped '\\' or control character");
  // Hadoop writes local paths as file:/abs (no authority): the same file as file:///abs
  const hadoop = /^file:\/(?!\/)/i.test(text) ? `file://${text.slice('file:'.length)}` : text;
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(hadoop);
  if (!match) return err('a location must be a URL such as file:///abs/path or s3://bucket/path');
  const scheme = SCHEMES[match[1]!.toLowerCase()];
  if (!scheme) return err(`unsupported location scheme ${match[1]}://`);
  const authority = match[2]!;
  let path = match[3] ?? '';
  if (scheme.backend === 'file' && authority !== '') return err('a file:// location needs an absolute path (file:///path), not a host');
  if (scheme.backend !== 'file' && scheme.backend !== 'memory' && !BUCKET.test(authority)) return err('a location needs a valid bucket name');
  if (scheme.backend === 'memory' && authority !== '' && !BUCKET.test(authority)) return err('a memory:// location needs a valid root name');
  // a directory may be written with trailing slashes; everything else must be one '/' apart
  path = path.replace(/\/+$/, '');
  const segments = path === '' ? [] : path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return err("a location must not contain empty segments ('//')");
    if (isDotSegment(segment)) return err("a location must not contain '.' or '..' segments");
  }
  if (scheme.backend === 'file' && segments.length === 0) return err('a file:// location must not be the file system root');
  const prefix = scheme.backend === 'file' ? 'file://' : `${scheme.canonical}://${authority}`;
  return ok({ backend: scheme.backend, bucket: authority, segments, text: `${prefix}/${segments.join('/')}`.replace(/\/$/, '') });
}

/** True when `inner` is `outer` or lies below it, segment by segment (so /wh2 is not inside /wh). */
export function isWithin(inner: Location, outer: Location): boolean {
  if (inner.backend !== outer.backend || inner.bucket !== outer.bucket) return false;
  if (inner.segments.length < outer.segments.length) return false;
  return outer.segments.every((segment, i) => inner.segments[i] === segment);
}

/** One of two locations contains the other. */
export const overlaps = (a: Location, b: Location): boolean => isWithin(a, b) || isWithin(b, a);

/** The location one level up (the directory a file lives in). */
export function parentOf(location: Location): Location {
  const segments = location.segments.slice(0, -1);
  const prefix = location.backend === 'file' ? 'file://' : location.text.slice(0, location.text.indexOf('://') + 3) + location.bucket;
  return { ...location, segments, text: `${prefix}/${segments.join('/')}`.replace(/\/$/, '') };
}
