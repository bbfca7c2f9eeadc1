// DS automation (RFC 7344, RFC 8078): per child zone, each CDS/CDNSKEY content the child starts to publish
// and when the parent's DS RRset came to match it; per parent zone, the latency of its automation.

import { parentName } from '@kto/core';
import type { CdsRequest } from './classify/context.js';
import { QTYPE } from './observation.js';
import type { Run, RunState, Vantage } from './runs.js';
import { spanBetween } from './time.js';
import type { DsAutomation, DsAutomationEvent, ObservedTime, ZoneAnalysis } from './types.js';

interface Appearance {
  state: RunState;
  at: ObservedTime;
}

/** First appearance of each distinct content of one RRset type over the given sources. */
function appearances(sources: readonly Vantage[], qtype: number): Appearance[] {
  const first = new Map<number, Appearance>();
  for (const v of sources) {
    for (const r of (v.series.get(qtype)?.runs ?? []) as Run[]) {
      const cur = first.get(r.state.id);
      if (cur === undefined || r.first < cur.at.at) first.set(r.state.id, { state: r.state, at: { at: r.first, after: r.prevLast } });
    }
  }
  return [...first.values()].sort((a, b) => a.at.at - b.at.at);
}

function requestOf(a: Appearance): CdsRequest | null {
  if (a.state.qtype === QTYPE.CDS) {
    if (a.state.ds.length === 0) return null;
    const remove = a.state.ds.every((d) => d.algorithm === 0);
    return { at: a.at, tags: remove ? [] : [...new Set(a.state.ds.map((d) => d.tag))].sort((x, y) => x - y), remove };
  }
  if (a.state.keys.length === 0) return null;
  const remove = a.state.keys.every((k) => k.algorithm === 0);
  return { at: a.at, tags: remove ? [] : [...new Set(a.state.keys.map((k) => k.tag))].sort((x, y) => x - y), remove };
}

/** The child's CDS/CDNSKEY requests (CDS and CDNSKEY published together count once). */
export function cdsRequests(sources: readonly Vantage[]): CdsRequest[] {
  const all = [...appearances(sources, QTYPE.CDS), ...appearances(sources, QTYPE.CDNSKEY)]
    .map(requestOf).filter((r): r is CdsRequest => r !== null).sort((a, b) => a.at.at - b.at.at);
  const out: CdsRequest[] = [];
  for (const r of all) {
    const same = out.find((x) => x.remove === r.remove && x.tags.join() === r.tags.join());
    if (same === undefined) out.push(r);
  }
  return out;
}

function dsMatches(st: RunState, r: CdsRequest): boolean {
  if (r.remove) return st.ds.length === 0;
  const tags = [...new Set(st.ds.map((d) => d.tag))].sort((x, y) => x - y);
  return tags.join() === r.tags.join();
}

export function dsAutomationOf(zone: string, requests: readonly CdsRequest[], dsSources: readonly Vantage[]): DsAutomation {
  const ds = appearances(dsSources, QTYPE.DS);
  const events: DsAutomationEvent[] = [];
  for (const r of requests) {
    const match = ds.find((a) => a.at.at >= r.at.at && dsMatches(a.state, r));
    if (match !== undefined && r.at.after === null && match.at.after === null) continue; // both already in place when the data starts
    const requested = r.remove ? 'delete' : r.tags.join(' ');
    events.push({
      requested, cds_at: r.at, ds_at: match === undefined ? null : match.at,
      latency_ms: match === undefined ? null : spanBetween(r.at, match.at), pending: match === undefined,
    });
  }
  return { zone, parent: parentName(zone), events };
}

export interface ParentAutomation {
  parent: string;
  zones: number;
  events: number;
  pending: number;
  /** Latency (ms, first observations) of completed requests: median and maximum. */
  median_ms: number | null;
  max_ms: number | null;
}

/** DS automation latency per parent zone over several zone analyses. */
export function dsAutomationByParent(analyses: readonly Pick<ZoneAnalysis, 'ds_automation'>[]): ParentAutomation[] {
  const by = new Map<string, { zones: Set<string>; lat: number[]; pending: number; events: number }>();
  for (const a of analyses) {
    const d = a.ds_automation;
    if (d.parent === null) continue;
    const g = by.get(d.parent) ?? { zones: new Set<string>(), lat: [], pending: 0, events: 0 };
    g.zones.add(d.zone);
    for (const e of d.events) {
      g.events++;
      if (e.latency_ms === null) g.pending++;
      else g.lat.push(e.latency_ms.ms);
    }
    by.set(d.parent, g);
  }
  return [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([parent, g]) => {
    const s = [...g.lat].sort((x, y) => x - y);
    return {
      parent, zones: g.zones.size, events: g.events, pending: g.pending,
      median_ms: s.length === 0 ? null : (s[(s.length - 1) >> 1] as number), max_ms: s.length === 0 ? null : (s[s.length - 1] as number),
    };
  });
}
