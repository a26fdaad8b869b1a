// iceberg/ is laid out by thing (table/, view/, schema/, wire/, scan/, avro/): a folder with an
// index.ts is entered only through it, and no two files import each other, even through others
// or for types only (issue 11: the table files used to import each other in a circle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve('src');
const ICEBERG = join(SRC, 'iceberg');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

function imports(file: string): string[] {
  const found = readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm);
  return [...found].map((m) => resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
}

const inside = (file: string, dir: string) => file.startsWith(dir + sep);

test('iceberg files enter another folder only through its index.ts', () => {
  const bypasses: string[] = [];
  for (const file of files(ICEBERG)) {
    for (const target of imports(file)) {
      const folder = dirname(target);
      const hasIndex = existsSync(join(folder, 'index.ts'));
      if (hasIndex && !target.endsWith(`${sep}index.ts`) && !inside(file, folder) && dirname(file) !== folder) {
        bypasses.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
  }
  assert.deepEqual(bypasses, []);
});

test('no import cycle between iceberg files', () => {
  const graph = new Map(files(ICEBERG).map((f) => [f, imports(f).filter((t) => inside(t, ICEBERG))]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(ICEBERG, f)).join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});
