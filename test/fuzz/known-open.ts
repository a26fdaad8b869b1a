// Causes of fuzz findings that belong to another part of issue 9 and are not fixed on this branch
// yet. Every entry names its cause with the issue's text and matches only that cause's findings,
// so the report counts them instead of hiding them; remove an entry once its fix is merged (the
// fuzz test then fails if the fix missed a case).
import type { Finding } from './fuzzer.js';

export interface KnownOpen {
  id: string;
  /** the part of issue 9 (and the helper branch) that fixes it */
  owner: string;
  issue: string;
  matches(finding: Finding): boolean;
}

/** True when some segment or query part of the path is not valid percent-encoded UTF-8. */
function badlyEncoded(path: string): boolean {
  return path.split(/[/?&=]/).some((part) => {
    try {
      decodeURIComponent(part);
      return false;
    } catch {
      return true;
    }
  });
}

const serverError = (f: Finding) => f.serverError ?? '';
const body = (f: Finding) => f.request?.body ?? '';
/** a location field the client chose */
const CLIENT_LOCATION = /"(location|metadata-location|manifest-list|statistics-path|uri)"/;

export const KNOWN_OPEN: readonly KnownOpen[] = [
];
