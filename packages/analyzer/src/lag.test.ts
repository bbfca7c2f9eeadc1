// Lag per vantage point and region, and the breakage forecast, on synthesized series: honest and
// TTL-capping resolvers follow the TTL they saw; a resolver stretching TTLs (misbehaving) holds old
// data past its bound and is flagged, and so is its region; DS automation latency from CDS to DS.

import { scenarioByName, stateAt } from '@kto/lab';
import type { Scenario } from '@kto/lab';
import { describe, expect, it } from 'vitest';
import { analyzeZone } from './analyze.js';
import { dsAutomationByParent } from './ds-automation.js';
import { synthesizeObservations } from './testing/synthesize.js';
import type { SynthResolver } from './testing/synthesize.js';

function scenario(name: string): Scenario {
  const s = scenarioByName(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}

const RESOLVERS: SynthResolver[] = [
  { id: 'honest-de', behaviour: 'honest', country: 'DE', continent: 'EU' },
  { id: 'honest-fr', behaviour: 'honest', country: 'FR', continent: 'EU' },
  { id: 'cap-jp', behaviour: 'ttl-cap', cap: 20, country: 'JP', continent: 'AS' },
  { id: 'stretch-br', behaviour: 'ttl-stretch', stretch: 3, country: 'BR', continent: 'SA' },
];

describe('lag (zsk-pre-publish, DNSKEY TTL 60)', () => {
  const s = scenario('zsk-pre-publish');
  const syn = synthesizeObservations({ ...s, stateAt: (t) => stateAt(s, t) }, { resolvers: RESOLVERS });
  const a = analyzeZone(syn.rows, { zone: syn.zone });
  const vp = (id: string) => a.lag.vantages.find((v) => v.agent_id === id);

  it('honest and capping resolvers get the new DNSKEY RRset within the TTL they saw', () => {
    for (const id of ['honest-de', 'honest-fr', 'cap-jp']) {
      const v = vp(id);
      expect(v?.lagging, id).toBe(false);
      const dk = v?.changes.filter((c) => c.series === 'DNSKEY') ?? [];
      expect(dk.length, id).toBeGreaterThan(0);
      for (const c of dk) {
        expect(c.first_new).not.toBeNull();
        expect(c.lag_ms?.ms ?? Infinity).toBeLessThanOrEqual(c.bound_ms);
      }
    }
    expect(vp('cap-jp')?.ttl_seen_s.DNSKEY).toBe(20);
    expect(vp('honest-de')?.ttl_seen_s.DNSKEY).toBe(60);
  });

  it('the TTL-stretching resolver lags past its bound, and its region lags', () => {
    const v = vp('stretch-br');
    expect(v?.lagging).toBe(true);
    expect(v?.max_lag_ms).toBeGreaterThan(v?.bound_ms ?? Infinity);
    const regions = a.lag.regions.filter((r) => r.lagging_region).map((r) => `${r.level}:${r.region}`).sort();
    expect(regions).toEqual(['continent:SA', 'country:BR']);
    expect(a.lag.regions.find((r) => r.level === 'continent' && r.region === 'EU')).toMatchObject({ vantages: 2, lagging: 0, lagging_region: false });
  });

  it('lag is the vantage point\'s matter: the zone itself stays conformant, without findings', () => {
    expect(a.findings).toEqual([]);
    expect(a.transitions.map((t) => [t.procedure, t.conformant])).toEqual([['zsk-pre-publish', true]]);
  });
});

describe('breakage forecast (live: the zone in the middle of its roll)', () => {
  const s = scenario('zsk-pre-publish');
  it('during pre-publication: activation is safe at t_pub + Ipub; resolvers without the new key are at risk', () => {
    // Z11 published at 20; observed up to 40: a resolver with a 60 s DNSKEY TTL may still lack Z11
    const syn = synthesizeObservations({ ...s, stateAt: (t) => stateAt(s, t) }, { resolvers: RESOLVERS, until: 40 });
    const a = analyzeZone(syn.rows, { zone: syn.zone, now: syn.toMs(40) });
    const t = a.transitions.find((x) => x.status === 'in-progress');
    expect(t).toMatchObject({ role: 'ZSK', procedure: 'zsk-pre-publish', keys_out: [] });
    const f = a.lag.breakage.find((b) => b.transition === t?.id);
    expect(f?.next_step).toBe('activate-new-key');
    expect(f?.earliest_ms).toBe(syn.toMs(20) + a.intervals.Ipub);
    expect(f?.time_until_ms).toBe(syn.toMs(20) + a.intervals.Ipub - syn.toMs(40));
    // who still holds a DNSKEY RRset without Z11 at 40 (fetched before 20 and kept 60 s, or stretched)
    const z11 = syn.keyIds.Z11 as string;
    const hash = z11.split('-')[2] as string;
    const holders = RESOLVERS.filter((r) => {
      const last = syn.rows.filter((x) => x.agent_id === r.id && x.qtype === 48 && x.rcode === 0).at(-1);
      return last !== undefined && !last.dnskey_key_hashes.includes(hash);
    }).map((r) => r.id);
    expect(holders.length).toBeGreaterThan(0);
    expect(f?.vantages_at_risk.map((v) => v.split('|')[0]).sort()).toEqual(holders.sort());
  });
});

describe('DS automation latency', () => {
  it('ds-change-cds: CDS for K2 at 95, the scanning parent sets DS at 120', () => {
    const s = scenario('ds-change-cds');
    const syn = synthesizeObservations({ ...s, stateAt: (t) => stateAt(s, t) });
    const a = analyzeZone(syn.rows, { zone: syn.zone });
    expect(a.ds_automation.parent).toBe('kto-lab.');
    const k2tag = Number((syn.keyIds.K2 as string).split('-')[1]);
    expect(a.ds_automation.events).toEqual([{
      requested: String(k2tag), cds_at: { at: syn.toMs(95), after: syn.toMs(90) }, ds_at: { at: syn.toMs(120), after: syn.toMs(115) },
      latency_ms: { ms: 25_000, min: 20_000, max: 30_000 }, pending: false,
    }]);
    const m = scenario('multi-signer-join');
    const syn2 = synthesizeObservations({ ...m, stateAt: (t) => stateAt(m, t) });
    const b = analyzeZone(syn2.rows, { zone: syn2.zone });
    expect(b.ds_automation.events.map((e) => e.latency_ms?.ms)).toEqual([25_000]);
    expect(dsAutomationByParent([a, b])).toEqual([{ parent: 'kto-lab.', zones: 2, events: 2, pending: 0, median_ms: 25_000, max_ms: 25_000 }]);
  });
});
