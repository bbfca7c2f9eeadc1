// The regions table: vantage points grouped by continent/country, with the key set each one sees now
// (keys it still has published at its last observation), its lag against its TTL-derived bound, and
// whether the analyzer flags the region as lagging.
import type { KeySighting, RegionLag, VantageLag } from '../api/types.js';

export interface VantageRow {
  lag: VantageLag;
  /** Key tags (algorithm/tag) this vantage point sees now. */
  keyset: string[];
}

export interface RegionRow {
  /** `${continent}/${country}` (the UI contract's data-region). */
  region: string;
  continent: string;
  country: string;
  vantages: VantageRow[];
  lagging_vantages: number;
  /** The analyzer's verdict for the country (or, without one, for the continent). */
  lagging: boolean;
  max_lag_ms: number;
  bound_ms: number;
}

export function currentKeysets(sightings: readonly KeySighting[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of sightings) {
    if (s.first_published_ms === 0 || s.t_unpub !== null) continue;
    let list = out.get(s.vantage);
    if (list === undefined) { list = []; out.set(s.vantage, list); }
    list.push(`${s.algorithm}/${s.key_tag}`);
  }
  for (const list of out.values()) list.sort();
  return out;
}

export function regionRows(vantages: readonly VantageLag[], regions: readonly RegionLag[], sightings: readonly KeySighting[]): RegionRow[] {
  const verdict = new Map<string, boolean>();
  for (const r of regions) verdict.set(`${r.level}:${r.region}`, r.lagging_region);
  const keysets = currentKeysets(sightings);
  const byRegion = new Map<string, RegionRow>();
  for (const v of vantages) {
    if (v.vantage === 'authoritative') continue; // the merged authoritative view is not a place
    const continent = v.continent === '' ? '??' : v.continent;
    const country = v.country === '' ? '??' : v.country;
    const key = `${continent}/${country}`;
    let row = byRegion.get(key);
    if (row === undefined) {
      const lagging = verdict.get(`country:${v.country}`) ?? verdict.get(`continent:${v.continent}`) ?? false;
      row = { region: key, continent, country, vantages: [], lagging_vantages: 0, lagging, max_lag_ms: 0, bound_ms: 0 };
      byRegion.set(key, row);
    }
    row.vantages.push({ lag: v, keyset: keysets.get(v.vantage) ?? [] });
    if (v.lagging) row.lagging_vantages++;
    if (v.max_lag_ms > row.max_lag_ms) { row.max_lag_ms = v.max_lag_ms; row.bound_ms = v.bound_ms; }
  }
  const rows = [...byRegion.values()];
  rows.sort((a, b) => Number(b.lagging) - Number(a.lagging) || (a.region < b.region ? -1 : 1));
  return rows;
}

/** Are there only authoritative vantage points (the demo without Unbound: agents query the servers directly)? */
export function onlyAuthoritative(vantages: readonly VantageLag[]): boolean {
  if (vantages.length === 0) return false;
  for (const v of vantages) if (v.kind !== 'authoritative') return false;
  return true;
}
