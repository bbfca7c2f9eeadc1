// Findings about individual signatures: RRSIGs that do not verify with the observed keys, and RRSIGs
// served past (or close to) their expiration, at any vantage point.

import { typeName } from '@kto/core';
import type { KeyRegistry } from '../keys.js';
import type { RunSet } from '../runs.js';
import type { BadSignature } from '../signatures.js';
import type { Finding } from '../types.js';
import { makeFinding } from './registry.js';

function rrtype(qt: number): string {
  try {
    return typeName(qt);
  } catch {
    return `TYPE${qt}`;
  }
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export function invalidSignatureFindings(bad: readonly BadSignature[]): Finding[] {
  const byKey = new Map<string, { first: BadSignature; last: number; vantages: Set<string>; count: number }>();
  for (const b of bad) {
    const k = `${b.covered}|${b.algorithm}|${b.keyTag}`;
    const g = byKey.get(k);
    if (g === undefined) byKey.set(k, { first: b, last: b.at, vantages: new Set([b.vantage]), count: 1 });
    else {
      if (b.at < g.first.at) g.first = b;
      g.last = Math.max(g.last, b.at);
      g.vantages.add(b.vantage);
      g.count++;
    }
  }
  return [...byKey.values()].map((g) => makeFinding('SIGNATURE_INVALID', {
    at: g.first.at, until: g.last, keys: g.first.keys, vantages: [...g.vantages],
    params: { rrtype: rrtype(g.first.covered), algorithm: g.first.algorithm, key_tag: g.first.keyTag, reason: g.first.reason, count: g.count },
  }));
}

export function expiryFindings(runs: RunSet, keys: KeyRegistry): Finding[] {
  const out: Finding[] = [];
  for (const which of ['expired', 'expiring'] as const) {
    const byType = new Map<number, { at: number; until: number; exp: number; vantages: Set<string>; keys: Set<string> }>();
    for (const v of runs.vantages) {
      for (const [qt, s] of v.series) {
        for (const r of s.runs) {
          const at = which === 'expired' ? r.expiredAt : r.expiringAt;
          if (at === 0) continue;
          let g = byType.get(qt);
          if (g === undefined) byType.set(qt, (g = { at, until: r.last, exp: r.minExpiration, vantages: new Set(), keys: new Set() }));
          if (at < g.at) {
            g.at = at;
            g.exp = r.minExpiration;
          }
          g.until = Math.max(g.until, r.last);
          g.vantages.add(v.id);
          for (const sg of r.state.sigs) {
            if (sg.covered !== qt) continue;
            const k = keys.candidates(sg.algorithm, sg.tag)[0] ?? keys.placeholder(sg.algorithm, sg.tag);
            g.keys.add(k.id);
          }
        }
      }
    }
    for (const [qt, g] of byType) {
      out.push(makeFinding(which === 'expired' ? 'RRSIG_EXPIRED' : 'RRSIG_EXPIRING', {
        at: g.at, until: g.until, keys: [...g.keys], vantages: [...g.vantages], params: { rrtype: rrtype(qt), expiration: iso(g.exp) },
      }));
    }
  }
  return out;
}
