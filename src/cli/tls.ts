// `[server] tls_cert` / `tls_key`: the PEM files serve reads at start and again on SIGHUP (a
// renewed certificate without a restart). Problems name the file, never its content.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError, type Settings } from '../config/index.js';
import type { TlsFiles } from '../http/index.js';

function read(path: string, key: 'tls_cert' | 'tls_key'): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${key} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The certificate and key to serve HTTPS with; undefined when neither is configured. */
export function readTls(server: Settings['server']): TlsFiles | undefined {
  const { tls_cert: certPath, tls_key: keyPath } = server;
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    throw new ConfigError(`HTTPS needs both [server] tls_cert and tls_key (--tls-cert, --tls-key); only ${certPath === undefined ? 'tls_key' : 'tls_cert'} is set`);
  }
  const files = { cert: read(certPath, 'tls_cert'), key: read(keyPath, 'tls_key') };
  try {
    // checked here so a bad pair is a start-up (or reload) error naming the files
    createSecureContext(files);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new ConfigError(`tls_cert ${certPath} and tls_key ${keyPath} are not a usable PEM certificate and private key: ${reason}`);
  }
  return files;
}
