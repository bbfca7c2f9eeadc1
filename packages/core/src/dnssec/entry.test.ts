// The two entries: "@kto/core" stays browser-safe (no node:* anywhere in its module graph, noble
// back end only), "@kto/core/node" adds what needs node:crypto; every KTO_ERR code the signature
// code throws is defined in errors.ts.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from '../index.js';
import * as nodeEntry from '../node.js';
import { CORE_ERRORS } from '../errors.js';

const src = fileURLToPath(new URL('../', import.meta.url));

/** Source files reachable from `entry` by relative imports, and the bare module names they import. */
function moduleGraph(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    // code only: comments may mention node:crypto
    const text = readFileSync(src + file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+'([^']+)'|import\s+'([^']+)'/g)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('.')) {
        const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
        visit(new URL(spec.replace(/\.js$/, '.ts'), `file:///${dir}`).pathname.slice(1));
      } else {
        external.add(spec);
      }
    }
  };
  visit(entry);
  return { files, external };
}

describe('@kto/core (main entry)', () => {
  const graph = moduleGraph('index.ts');

  it('reaches the verification code and the noble back end, but no node:* module, Buffer or node-only file', () => {
    expect(graph.files).toContain('dnssec/verify.ts');
    expect(graph.files).toContain('dnssec/noble-backend.ts');
    expect([...graph.external].filter((m) => m.startsWith('node:'))).toEqual([]);
    expect([...graph.files].filter((f) => /(^|\/)node[-.]/.test(f))).toEqual([]);
    for (const f of graph.files) {
      const code = readFileSync(src + f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code, f).not.toMatch(/\bBuffer\b|\brequire\(|\bprocess\./);
    }
    expect([...graph.external].sort()).toEqual(['@noble/curves/ed25519.js', '@noble/curves/ed448.js', '@noble/curves/nist.js', '@noble/hashes/legacy.js', '@noble/hashes/sha2.js']);
  });

  it('exports the signature API', () => {
    for (const name of ['verifyRrsig', 'findRrsigSigners', 'verifyRrsigWith', 'findRrsigSignersWith', 'nobleBackend', 'rrsigWindowStatus',
      'serialCompare', 'VERIFY_ALGORITHMS', 'SIGNING_ALGORITHMS', 'clearKeyCache']) {
      expect(core, name).toHaveProperty(name);
    }
    expect(core.VERIFY_ALGORITHMS).toEqual([5, 7, 8, 10, 13, 14, 15, 16]);
    expect(core.nobleBackend.name).toBe('noble');
  });
});

describe('@kto/core/node', () => {
  it('adds the node:crypto back end, signing, keys and key files', () => {
    expect(moduleGraph('node.ts').external).toContain('node:crypto');
    for (const name of ['verifyRrsig', 'findRrsigSigners', 'nodeBackend', 'signRrset', 'generateDnssecKey', 'generateDnssecKeyAsync',
      'dnskeyFromKeyObject', 'dnskeyPublicKeyField', 'readBindPrivateKey']) {
      expect(nodeEntry, name).toHaveProperty(name);
    }
    expect(nodeEntry.verifyRrsig).not.toBe(core.verifyRrsig);
    expect(nodeEntry.nodeBackend.name).toBe('node');
  });

  it('is published as the "./node" subpath of the package', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./node']).toEqual({ types: './dist/node.d.ts', default: './dist/node.js' });
  });
});

describe('error codes', () => {
  it('every KTO_ERR code in the entries and dnssec/ is one errors.ts defines', () => {
    const files = new Set([...moduleGraph('index.ts').files, ...moduleGraph('node.ts').files]);
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(src + f, 'utf8').matchAll(/'(KTO_ERR_[A-Z_]+)'/g)) used.add(m[1] as string);
    expect(used).toContain('KTO_ERR_CORE_BAD_PRIVATE_KEY');
    expect(used).toContain('KTO_ERR_CORE_CRYPTO_FAILED');
    for (const code of used) expect(Object.keys(CORE_ERRORS), code).toContain(code);
  });
});
