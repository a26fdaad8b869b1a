// What every command shares: settings from --storage/--config plus command flags, and one
// way to end with an actionable line and the right exit code.
import { loadSettings, type Settings } from '../config/index.js';
import { describeProblem } from './problems.js';

export interface CommonFlags {
  storage?: string;
  config?: string;
}

export function settingsFrom(flags: CommonFlags, extra: Record<string, string | number | undefined> = {}): Settings {
  return loadSettings({ configFile: flags.config, flags: { object_store_url: flags.storage, ...extra } });
}

export function fail(error: unknown): never {
  const problem = describeProblem(error);
  process.stderr.write(`floe: ${problem.message}\n`);
  process.exit(problem.exitCode);
}
