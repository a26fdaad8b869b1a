// Imports only go down the layers of ARCHITECTURE.md: a file may import from its own folder
// or from a layer below it, never from one above. Within that: no file-level import cycles
// (type-only ones included: they are the first step of a real one), a folder is entered only
// through its index.ts, and iceberg/ and store/ are siblings that never import each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LAYERS = ['util', 'config', 'objectstore', 'store', 'iceberg', 'catalog', 'http', 'cli'];
const SRC = resolve('src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;
const IMPORT = /^\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm;

/** The source file a relative specifier names ('./x.js' is x.ts; a folder is its index.ts). */
function resolveImport(from: string, specifier: string): string {
  const target = resolve(dirname(from), specifier);
  const ts = target.replace(/\.js$/, '.ts');
  if (existsSync(ts)) return ts;
  const index = join(target.replace(/\.js$/, ''), 'index.ts');
  return existsSync(index) ? index : ts;
}

/** Every file of src/ with the files it imports (relative imports, type-only included). */
const GRAPH = new Map<string, { specifier: string; target: string }[]>(
  files(SRC).map((file) => [
    file,
    [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => ({ specifier: m[1]!, target: resolveImport(file, m[1]!) })),
  ]),
);

test('every relative import in src/ goes down the layers', () => {
  const violations: string[] = [];
  for (const [file, imports] of GRAPH) {
    const from = layerOf(file);
    const rank = LAYERS.indexOf(from);
    assert.notEqual(rank, -1, `${relative(SRC, file)} is in no known layer`);
    for (const { specifier, target } of imports) {
      const to = layerOf(target);
      if (to !== from && LAYERS.indexOf(to) > rank) violations.push(`${relative(SRC, file)} (${from}) imports ${specifier} (${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('iceberg/ and store/ are siblings: neither imports the other', () => {
  const crossing = [...GRAPH].flatMap(([file, imports]) =>
    imports
      .filter(({ target }) => new Set([layerOf(file), layerOf(target)]).size === 2 && ['iceberg', 'store'].includes(layerOf(file)) && ['iceberg', 'store'].includes(layerOf(target)))
      .map(({ specifier }) => `${relative(SRC, file)} imports ${specifier}`),
  );
  assert.deepEqual(crossing, []);
});

test('a folder is entered through its index.ts (a subfolder may use its parents\' files)', () => {
  const bypassing: string[] = [];
  for (const [file, imports] of GRAPH) {
    for (const { target } of imports) {
      const fromDir = dirname(file);
      const toDir = dirname(target);
      // same folder, the folder's index, or a file of an enclosing folder (its index would
      // lead straight back into the subfolder: a cycle)
      if (toDir === fromDir || target.endsWith('/index.ts') || fromDir.startsWith(toDir + '/')) continue;
      bypassing.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(bypassing, [], 'import these through the folder\'s index.ts');
});

test('no file-level import cycles', () => {
  // Tarjan's strongly connected components over the import graph
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (file: string): void => {
    order.set(file, order.size);
    low.set(file, order.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const { target } of GRAPH.get(file) ?? []) {
      if (!GRAPH.has(target)) continue;
      if (!order.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, order.get(target)!));
      }
    }
    if (low.get(file) !== order.get(file)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = member === file ? undefined : stack.pop()) {
      onStack.delete(member);
      component.push(relative(SRC, member));
    }
    if (component.length > 1) cycles.push(component.sort().join(', '));
  };
  for (const file of GRAPH.keys()) if (!order.has(file)) visit(file);
  assert.deepEqual(cycles, [], 'import cycles');
});

test('the pure iceberg layer touches no I/O, clock or randomness', () => {
  const offenders = files(join(SRC, 'iceberg')).filter((file) =>
    /from 'node:(fs|net|http|child_process)|Date\.now\(\)|Math\.random\(\)|randomUUID\(/.test(readFileSync(file, 'utf8')),
  );
  assert.deepEqual(offenders.map((f) => relative(SRC, f)), []);
});
