// Validation failures seen by vantage points: SERVFAIL answers from validating resolvers, with their
// Extended DNS Errors (RFC 8914: 6 DNSSEC Bogus, 7 Signature Expired, 9 DNSKEY Missing, 10 RRSIGs Missing ...).

import { typeName } from '@kto/core';
import type { RunSet } from '../runs.js';
import type { Finding } from '../types.js';
import { makeFinding } from './registry.js';

export function validationFailureFindings(runs: RunSet): Finding[] {
  const byType = new Map<number, { at: number; until: number; count: number; vantages: Set<string>; ede: Set<number> }>();
  for (const v of runs.vantages) {
    if (v.kind === 'authoritative') continue;
    for (const [qt, s] of v.series) {
      for (const f of s.failures) {
        if (f.kind !== 'servfail') continue;
        let g = byType.get(qt);
        if (g === undefined) byType.set(qt, (g = { at: f.first, until: f.last, count: 0, vantages: new Set(), ede: new Set() }));
        g.at = Math.min(g.at, f.first);
        g.until = Math.max(g.until, f.last);
        g.count += f.count;
        g.vantages.add(v.id);
        for (const e of f.ede) g.ede.add(e);
      }
    }
  }
  const out: Finding[] = [];
  for (const [qt, g] of byType) {
    let rrtype: string;
    try {
      rrtype = typeName(qt);
    } catch {
      rrtype = `TYPE${qt}`;
    }
    out.push(makeFinding('VALIDATION_FAILURE_OBSERVED', {
      at: g.at, until: g.until, keys: [], vantages: [...g.vantages],
      params: { count: g.count, vantage_count: g.vantages.size, ede: g.ede.size === 0 ? 'none' : [...g.ede].sort((a, b) => a - b).join(','), rrtype },
    }));
  }
  return out;
}
