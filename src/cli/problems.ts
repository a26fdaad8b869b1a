// Turns the usual start-up problems into one actionable line instead of a stack trace.
import { ConfigError } from '../config/index.js';
import { InvalidStorageUrl } from '../objectstore/index.js';
import { CorruptStore, KeyConfigError } from '../store/index.js';

export interface Problem {
  message: string;
  /** 2 for bad configuration (usage), 1 for everything else */
  exitCode: number;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Problems known by their type, in one table: the first matching row says the line and the exit code. */
const BY_TYPE: ReadonlyArray<readonly [ErrorClass, (message: string) => Problem]> = [
  [ConfigError, (message) => ({ message, exitCode: 2 })],
  [InvalidStorageUrl, (message) => ({ message, exitCode: 2 })],
  [KeyConfigError, (message) => ({ message, exitCode: 2 })],
  [CorruptStore, (message) => ({ message: `the catalog store is corrupt: ${message}; restore from a backup (floe restore)`, exitCode: 1 })],
];

/** Operating-system failures known by their errno in the message. */
const BY_ERRNO: ReadonlyArray<readonly [RegExp, (message: string) => string]> = [
  [/ENOSPC/, (message) => `the disk is full: ${message}; free space and retry`],
  [/EACCES|EPERM/, (message) => `permission denied: ${message}; check the owner and mode of the storage directory`],
  [/EROFS/, (message) => `read-only file system: ${message}`],
];

export function describeProblem(error: unknown): Problem {
  const message = error instanceof Error ? error.message : String(error);
  const typed = BY_TYPE.find(([type]) => error instanceof type);
  if (typed) return typed[1](message);
  const errno = BY_ERRNO.find(([pattern]) => pattern.test(message));
  return { message: errno ? errno[1](message) : message, exitCode: 1 };
}
