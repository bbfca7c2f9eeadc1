// The findings registry and docs/findings.md list the same codes, severities, parameters and references
// (STYLE.md §4), every template names only declared parameters, and every code the lab's catalogue
// expects is in the registry.

import { readFileSync } from 'node:fs';
import { catalogue } from '@kto/lab';
import { describe, expect, it } from 'vitest';
import { FINDINGS, makeFinding } from './registry.js';
import type { FindingCode, FindingSpec } from './registry.js';

const DOC = readFileSync(new URL('../../../../docs/findings.md', import.meta.url), 'utf8');

interface DocRow {
  code: string;
  severity: string;
  params: string[];
  refs: string[];
}

function docRows(): DocRow[] {
  const out: DocRow[] = [];
  for (const line of DOC.split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \| (\w+) \| .* \| ((?:`[a-z_]+`(?:, )?)*) \| ([^|]+) \|$/.exec(line);
    if (m === null) continue;
    out.push({
      code: m[1] as string, severity: m[2] as string,
      params: [...(m[3] as string).matchAll(/`([a-z_]+)`/g)].map((x) => x[1] as string),
      refs: (m[4] as string).split(';').map((r) => r.trim()),
    });
  }
  return out;
}

describe('findings registry <-> docs/findings.md', () => {
  const rows = docRows();
  it('every registry code has a doc row with the same severity, params and references', () => {
    for (const [code, spec] of Object.entries(FINDINGS) as [FindingCode, FindingSpec][]) {
      const row = rows.find((r) => r.code === code);
      expect(row, code).toBeDefined();
      expect(row).toEqual({ code, severity: spec.severity, params: [...spec.params], refs: [...spec.references] });
    }
  });
  it('every doc row is a registry code', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(Object.keys(FINDINGS)).toContain(r.code);
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
  });
});

describe('registry entries', () => {
  it('templates use only declared params; references name an RFC section', () => {
    for (const [code, spec] of Object.entries(FINDINGS) as [string, FindingSpec][]) {
      for (const m of spec.message.matchAll(/\{([a-z_]+)\}/g)) expect(spec.params, `${code} {${m[1]}}`).toContain(m[1]);
      expect(spec.references.length).toBeGreaterThan(0);
      for (const r of spec.references) expect(r).toMatch(/^RFC \d+ §\d+(\.\d+)*$/);
    }
  });
  it('every finding code the lab catalogue expects is in the registry', () => {
    const codes = new Set(catalogue.flatMap((s) => s.expectedFindings.map((f) => f.code)));
    expect(codes.size).toBeGreaterThan(0);
    for (const c of codes) expect(Object.keys(FINDINGS)).toContain(c);
  });
  it('makeFinding fills the template and keeps exactly the declared params', () => {
    const f = makeFinding('KEY_ACTIVATED_BEFORE_PREPUBLISH', { at: 5, until: null, keys: ['13-1-ab'], params: { wait_ms: 5000, minimum_ms: 70000, extra: 1 } });
    expect(f.message).toBe('key 13-1-ab signed zone data 5000 ms after a DNSKEY RRset without it was still served; resolvers may hold that RRset for Ipub = Dprp + TTLkey = 70000 ms');
    expect(Object.keys(f.params).sort()).toEqual(['keys', 'minimum_ms', 'server', 'wait_ms']);
    expect(f.refs).toEqual(['RFC 7583 §3.2.1', 'RFC 6781 §4.1.1.1']);
    expect(f.severity).toBe('error');
  });
});
