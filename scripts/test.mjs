// Runs the whole suite with node's test runner (TypeScript through tsx). Arguments narrow it
// to some files or folders: `npm test -- test/iceberg`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(target, out) {
  if (statSync(target).isDirectory()) {
    for (const name of readdirSync(target).sort()) collect(join(target, name), out);
  } else if (target.endsWith('.test.ts')) {
    out.push(target);
  }
  return out;
}

const targets = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = (targets.length ? targets : ['test']).flatMap((t) => collect(t, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...passthrough, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
