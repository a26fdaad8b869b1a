// What a newcomer reads: every relative link in README.md and docs/*.md leads to a file inside
// the repository (nothing into ../shared or elsewhere outside it), and command examples use a
// `floe` that exists (`npx floe`, or $FLOE in the drill script).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const markdownIn = (dir: string): string[] =>
  readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? markdownIn(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
  );
// docs/design/ included: the design notes must stand without ../shared beside the clone
const DOCS = ['README.md', ...markdownIn('docs')];

/** Markdown links and images outside code spans and fenced blocks: [text](target). */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

test('relative links in README.md and docs/ point at files inside the repository', () => {
  const broken: string[] = [];
  for (const doc of DOCS) {
    for (const target of links(readFileSync(join(REPO, doc), 'utf8'))) {
      if (/^(https?:|mailto:)/.test(target) || target.startsWith('#')) continue;
      const file = resolve(REPO, dirname(doc), decodeURIComponent(target.split('#')[0]!));
      const inside = !relative(REPO, file).startsWith('..');
      if (!inside || !existsSync(file)) broken.push(`${doc}: ${target}${inside ? ' (missing)' : ' (outside the repository)'}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('no document sends the reader outside the repository by path', () => {
  for (const doc of DOCS) assert.doesNotMatch(readFileSync(join(REPO, doc), 'utf8'), /\.\.\/shared\/design|\(\.\.\/\.\.\//, doc);
});

test('command examples run a floe that exists: npx floe (or $FLOE in the drill script)', () => {
  const bare: string[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(REPO, doc), 'utf8');
    for (const block of text.matchAll(/```(?:sh|bash|shell|console)?\n([\s\S]*?)```/g)) {
      for (const line of block[1]!.split('\n')) if (/^\s*(\$\s+)?floe\s/.test(line)) bare.push(`${doc}: ${line.trim()}`);
    }
  }
  assert.deepEqual(bare, []);
});
