import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as core from './index.js';
import { CORE_ERRORS } from './errors.js';

const srcDir = new URL('./', import.meta.url);

describe('@kto/core entry', () => {
  it('exports the names other packages code against', () => {
    for (const name of [
      'encodeQuery', 'decodeMessage', 'summarizeAnswer', 'normalizeName', 'isValidName', 'RRTYPE', 'typeName',
      'typeFromName', 'keyTag', 'dsDigest', 'dsMatchesDnskey', 'KtoError', 'isKtoError', 'signedData', 'parseZoneText',
      'cdsCodec', 'cdnskeyCodec', 'csyncCodec',
    ]) {
      expect(core, name).toHaveProperty(name);
    }
    expect(core.RRTYPE.DNSKEY).toBe(48);
  });

  it('stays browser-safe: no node:* (or Buffer) in any non-test source file', () => {
    const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      // code only: comments may mention what the code avoids
      const text = readFileSync(new URL(f, srcDir), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(text, f).not.toMatch(/from ['"]node:|require\(|\bBuffer\b/);
    }
  });

  it('throws only the error codes errors.ts defines', () => {
    const used = new Set<string>();
    for (const f of readdirSync(srcDir).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts'))) {
      for (const m of readFileSync(new URL(f, srcDir), 'utf8').matchAll(/'(KTO_ERR_[A-Z_]+)'/g)) used.add(m[1] as string);
    }
    for (const code of used) expect(Object.keys(CORE_ERRORS), code).toContain(code);
  });
});
