// Turns the usual start-up problems into one actionable line instead of a stack trace.
import { ConfigError } from '../config/index.js';
import { InvalidStorageUrl } from '../objectstore/index.js';
import { CorruptStore, KeyConfigError, StoreUnavailable } from '../store/index.js';

export interface Problem {
  message: string;
  /** 2 for bad configuration (usage), 1 for everything else */
  exitCode: number;
}

export function describeProblem(error: unknown): Problem {
  if (error instanceof ConfigError || error instanceof InvalidStorageUrl) return { message: error.message, exitCode: 2 };
  if (error instanceof KeyConfigError) return { message: error.message, exitCode: 2 };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CorruptStore) return { message: `the catalog store is corrupt: ${message}; restore from a backup (floe restore)`, exitCode: 1 };
  if (/ENOSPC/.test(message)) return { message: `the disk is full: ${message}; free space and retry`, exitCode: 1 };
  if (/EACCES|EPERM/.test(message)) return { message: `permission denied: ${message}; check the owner and mode of the storage directory`, exitCode: 1 };
  if (/EROFS/.test(message)) return { message: `read-only file system: ${message}`, exitCode: 1 };
  if (error instanceof StoreUnavailable) return { message, exitCode: 1 };
  return { message, exitCode: 1 };
}
