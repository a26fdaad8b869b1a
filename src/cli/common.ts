// What every command shares: settings from --storage/--config plus command flags, and one
// way to end with an actionable line and the right exit code.
import { loadSettings, type Settings } from '../config/index.js';
import { describeProblem } from './problems.js';
import { redactString } from '../http/index.js';

export interface CommonFlags {
  storage?: string;
  config?: string;
}

export interface SettingsOptions {
  /** the command works on an existing catalog: no memory:// default (status, backup, restore) */
  requireStorage?: boolean;
}

export function settingsFrom(flags: CommonFlags, extra: Record<string, string | number | boolean | undefined> = {}, options: SettingsOptions = {}): Settings {
  return loadSettings({
    configFile: flags.config,
    flags: { object_store_url: flags.storage, ...extra },
    requireStorage: options.requireStorage,
    warn: (line) => process.stderr.write(line + '\n'),
  });
}

export function fail(error: unknown): never {
  const problem = describeProblem(error);
  // a bad URL is echoed back: never with the credentials it may carry
  process.stderr.write(`floe: ${redactString(problem.message)}\n`);
  process.exit(problem.exitCode);
}
