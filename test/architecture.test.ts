// Imports only go down the layers of ARCHITECTURE.md: a file may import from its own folder
// or from a layer below it, never from one above.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

test('every relative import in src/ goes down the layers', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    const rank = LAYERS.indexOf(from);
    assert.notEqual(rank, -1, `${relative(SRC, file)} is in no known layer`);
    for (const match of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
      const target = layerOf(resolve(dirname(file), match[1]!));
      if (target !== from && LAYERS.indexOf(target) > rank) violations.push(`${relative(SRC, file)} (${from}) imports ${match[1]} (${target})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the pure iceberg layer touches no I/O, clock or randomness', () => {
  const offenders = files(join(SRC, 'iceberg')).filter((file) =>
    /from 'node:(fs|net|http|child_process)|Date\.now\(\)|Math\.random\(\)|randomUUID\(/.test(readFileSync(file, 'utf8')),
  );
  assert.deepEqual(offenders.map((f) => relative(SRC, f)), []);
});
