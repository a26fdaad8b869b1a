// Runs the whole suite with node's test runner (TypeScript through tsx). Arguments narrow it
// to some files or folders: `npm test -- test/iceberg`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingShared } from './shared-check.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function collect(target, out) {
  if (statSync(target).isDirectory()) {
    for (const name of readdirSync(target).sort()) collect(join(target, name), out);
  } else if (target.endsWith('.test.ts')) {
    out.push(target);
  }
  return out;
}

const missing = missingShared(root);
if (missing) {
  console.error(missing);
  process.exit(1);
}

const targets = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = (targets.length ? targets : ['test']).flatMap((t) => collect(t, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'floe-test-run-'));
const skipsFile = join(scratch, 'skipped.jsonl');
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${fileURLToPath(new URL('./skip-reporter.mjs', import.meta.url))}`, `--test-reporter-destination=${skipsFile}`,
    ...passthrough, ...files,
  ],
  { stdio: 'inherit' },
);

// the skipped tests go last, where they are seen, with what enables them
let skipped = [];
try {
  skipped = readFileSync(skipsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
} catch {
  // no file: the runner failed before reporting anything, and said why above
}
rmSync(scratch, { recursive: true, force: true });
if (skipped.length > 0) {
  console.log(`\nskipped: ${skipped.length} test(s) did not run`);
  for (const { file, name, reason } of skipped) {
    console.log(`  ${file ? file.replace(root, '') : '?'}: ${name}${reason ? ` (${reason})` : ''}`);
  }
  const enable = [...new Set(skipped.map((s) => /run: (.+)$/.exec(s.reason)?.[1]).filter(Boolean))];
  for (const command of enable) console.log(`to run them: ${command} && npm test`);
} else {
  console.log('\nskipped: none');
}
process.exit(result.status ?? 1);
