// DNS rebinding: a web page can make a browser send requests to a server on localhost under
// the attacker's own host name. A server bound to loopback answers only requests whose Host is
// a loopback name (any port), its bound host, or one configured in [server] allowed_hosts.
import { CatalogError } from '../catalog/index.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** `host` as a Host header names it: IPv6 addresses in brackets, lower case. */
const asHostName = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host).toLowerCase();

/**
 * The Host names a server bound to `boundHost` answers to; undefined when any is fine (bound to
 * a non-loopback address and no list configured: a proxy or the network decides then).
 */
export function hostAllowList(boundHost: string, allowedHosts: readonly string[]): ReadonlySet<string> | undefined {
  if (!isLoopback(boundHost) && allowedHosts.length === 0) return undefined;
  return new Set([...LOOPBACK_NAMES, asHostName(boundHost), ...allowedHosts.map(asHostName)]);
}

/** The host name of a Host header, without its port. */
export function hostNameOf(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

export function checkHost(header: string | undefined, allowed: ReadonlySet<string> | undefined): void {
  // HTTP/1.0 clients may omit Host; browsers always send one
  if (allowed === undefined || header === undefined) return;
  const name = hostNameOf(header);
  if (!allowed.has(name)) {
    throw new CatalogError(
      'MisdirectedRequest',
      `Host ${JSON.stringify(name.slice(0, 256))} is not served here: allowed are ${[...allowed].join(', ')} (add names with [server] allowed_hosts or FLOE_ALLOWED_HOSTS)`,
    );
  }
}
