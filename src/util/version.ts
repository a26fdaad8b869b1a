// Floe's own version, read once from the package.json beside src/ and dist/ (both sit one
// level below the package root), so the CLI, the Server header and backups agree.
import { readFileSync } from 'node:fs';

export const FLOE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
