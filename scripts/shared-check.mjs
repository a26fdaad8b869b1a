// The suite reads one thing from outside the clone: the Iceberg REST OpenAPI spec in the shared
// folder beside it (the contract tests check every response against it; it is never copied in).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const SPEC_FROM_ROOT = '../shared/iceberg/rest-catalog-open-api.yaml';

/** One line saying what is missing, or undefined when the spec is there. */
export function missingShared(root) {
  const spec = resolve(root, SPEC_FROM_ROOT);
  if (existsSync(spec)) return undefined;
  return `floe: the tests need the Iceberg REST spec at ${spec} (${SPEC_FROM_ROOT} beside this clone, from the shared folder), and it is missing`;
}
