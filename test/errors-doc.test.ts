// Every stable error code (KTO_ERR_*) defined in a package's errors.ts has a row in docs/errors.md,
// and every row there names a code that exists (STYLE.md §3).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function errorFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) errorFiles(p, out);
    else if (name === 'errors.ts') out.push(p);
  }
  return out;
}

function definedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of errorFiles(join(root, 'packages'))) {
    const text = readFileSync(file, 'utf8');
    // codes are the keys of the per-package maps: `KTO_ERR_X: '...'`
    for (const m of text.matchAll(/^\s*(KTO_ERR_[A-Z0-9_]+)\s*:/gm)) codes.set(m[1]!, relative(root, file));
  }
  return codes;
}

function documentedCodes(): Set<string> {
  const text = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  return new Set([...text.matchAll(/^\|\s*`(KTO_ERR_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]!));
}

describe('docs/errors.md', () => {
  const defined = definedCodes();
  const documented = documentedCodes();

  it('finds the codes of every package', () => {
    expect(defined.size).toBeGreaterThan(10);
  });

  it('documents every code defined in an errors.ts', () => {
    const missing = [...defined.keys()].filter((c) => !documented.has(c));
    expect(missing, `add rows for these to docs/errors.md`).toEqual([]);
  });

  it('documents no code that no errors.ts defines', () => {
    const stale = [...documented].filter((c) => !defined.has(c));
    expect(stale, `remove these rows from docs/errors.md or define them`).toEqual([]);
  });
});
