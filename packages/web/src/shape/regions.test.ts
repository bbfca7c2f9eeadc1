// The regions table from an analysis of the lab's zsk-pre-publish scenario as seen through synthesized
// resolvers (the analyzer's own test harness): the TTL-stretching resolver in Brazil lags past the bound
// its TTL allows, so its region is flagged; the honest and TTL-capping ones are not.
import { scenarioByName, stateAt } from '@kto/lab';
import { describe, expect, it } from 'vitest';
import { analyzeZone } from '@kto/analyzer';
import { synthesizeObservations, type SynthResolver } from '../../../analyzer/src/testing/synthesize.js';
import type { ZoneAnalysis } from '../api/types.js';
import { currentKeysets, onlyAuthoritative, regionRows } from './regions.js';

const RESOLVERS: SynthResolver[] = [
  { id: 'honest-de', behaviour: 'honest', country: 'DE', continent: 'EU' },
  { id: 'honest-fr', behaviour: 'honest', country: 'FR', continent: 'EU' },
  { id: 'cap-jp', behaviour: 'ttl-cap', cap: 20, country: 'JP', continent: 'AS' },
  { id: 'stretch-br', behaviour: 'ttl-stretch', stretch: 3, country: 'BR', continent: 'SA' },
];

function analysis(): ZoneAnalysis {
  const s = scenarioByName('zsk-pre-publish');
  if (s === undefined) throw new Error('the lab has no zsk-pre-publish scenario');
  const syn = synthesizeObservations({ ...s, stateAt: (t) => stateAt(s, t) }, { resolvers: RESOLVERS });
  return analyzeZone(syn.rows, { zone: syn.zone }) as ZoneAnalysis;
}

describe('regions of the zsk-pre-publish lab scenario', () => {
  const a = analysis();

  it('one row per continent/country, the stretching resolver\'s region lagging and listed first', () => {
    const rows = regionRows(a.lag.vantages, a.lag.regions, a.sightings);
    const byRegion = new Map(rows.map((r) => [r.region, r]));
    expect([...byRegion.keys()].sort()).toEqual(['AS/JP', 'EU/DE', 'EU/FR', 'SA/BR']);
    expect(byRegion.get('SA/BR')?.lagging).toBe(true);
    for (const r of ['AS/JP', 'EU/DE', 'EU/FR']) expect(byRegion.get(r)?.lagging, r).toBe(false);
    expect(rows[0]?.region).toBe('SA/BR');
    const br = byRegion.get('SA/BR');
    expect(br?.lagging_vantages).toBe(br?.vantages.length);
    expect(br?.max_lag_ms).toBeGreaterThan(br?.bound_ms ?? Infinity);
    // the analyzer's own verdicts agree
    expect(a.lag.regions.filter((r) => r.lagging_region).map((r) => r.region).sort()).toEqual(['BR', 'SA']);
    expect(onlyAuthoritative(a.lag.vantages)).toBe(false);
  });

  it('the key set each vantage point sees now: the keys it still has published, by algorithm/tag', () => {
    const sets = currentKeysets(a.sightings);
    const rows = regionRows(a.lag.vantages, a.lag.regions, a.sightings);
    for (const r of rows) {
      for (const v of r.vantages) {
        const expected = a.sightings
          .filter((s) => s.vantage === v.lag.vantage && s.first_published_ms > 0 && s.t_unpub === null)
          .map((s) => `${s.algorithm}/${s.key_tag}`).sort();
        expect(v.keyset).toEqual(expected);
        expect(v.keyset.length, v.lag.vantage).toBeGreaterThan(0);
        expect(sets.get(v.lag.vantage)).toEqual(expected);
      }
    }
  });

  it('only authoritative vantage points: the "agents query the servers directly" case', () => {
    const auth = a.lag.vantages.map((v) => ({ ...v, kind: 'authoritative' as const }));
    expect(onlyAuthoritative(auth)).toBe(true);
    expect(onlyAuthoritative([])).toBe(false);
  });
});
