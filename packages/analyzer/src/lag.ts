// Lag (ARCHITECTURE.md §4): for each vantage point, when it first returned the new RRset after an
// authoritative change, judged against the TTL that vantage point itself served (resolvers cap TTLs;
// a TTL above the authoritative one does not extend the bound) plus propagation and both sampling
// intervals; lagging vantage points and regions (continent, country) where a share of theirs lag; and
// for transitions in progress, when the next step breaks validation for vantage points still holding
// old data.

import type { KeyRecord } from './keys.js';
import { QTYPE } from './observation.js';
import type { FailurePeriod, Run, RunState, Vantage } from './runs.js';
import { cadenceOf } from './runs.js';
import type { Segment } from './segments.js';
import { spanBetween } from './time.js';
import type { BreakageForecast, LagChange, ObservedTime, RegionLag, Span, Transition, VantageLag } from './types.js';

export interface AuthChange {
  series: LagChange['series'];
  qtype: number;
  change: ObservedTime;
  /** States served before the change and no longer after it. */
  withdrawn: ReadonlySet<number>;
  /** When the authoritative servers serve one of the withdrawn states again (a revert); Infinity: never. */
  reinstated: number;
}

export interface LagInput {
  vantages: readonly Vantage[];
  /** Child sources in segment server order, and the DS sources. */
  sources: readonly Vantage[];
  dsSources: readonly Vantage[];
  segments: readonly Segment[];
  dataQtype: number | null;
  /** Authoritative TTL per series (seconds). */
  authTtl: Record<LagChange['series'], number>;
  dprp: number;
  now: number;
  regionShare: number;
}

function segmentAt(segments: readonly Segment[], t: number): Segment | undefined {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((segments[mid] as Segment).from.at <= t) lo = mid + 1;
    else hi = mid;
  }
  return segments[lo - 1];
}

/** Changes of the authoritative answers of one RRset type: a state served before and not after. */
export function authChanges(series: LagChange['series'], qtype: number, sources: readonly Vantage[], segments: readonly Segment[] | null): AuthChange[] {
  const runsBySource = sources.map((v) => v.series.get(qtype)?.runs ?? []);
  const points: { at: number; after: number | null }[] = [];
  for (const runs of runsBySource) for (const r of runs) points.push({ at: r.first, after: r.prevLast });
  points.sort((a, b) => a.at - b.at);
  const idx = runsBySource.map(() => 0);
  const cur: (Run | null)[] = runsBySource.map(() => null);
  const out: AuthChange[] = [];
  // changes whose withdrawn states may come back (a revert), by state
  const awaiting = new Map<number, AuthChange[]>();
  let prev: Set<number> | null = null;
  let pi = 0;
  while (pi < points.length) {
    const p = points[pi] as { at: number; after: number | null };
    let after = p.after;
    while (pi < points.length && (points[pi] as { at: number }).at === p.at) {
      const a = (points[pi] as { after: number | null }).after;
      if (a !== null && (after === null || a < after)) after = a;
      pi++;
    }
    runsBySource.forEach((runs, s) => {
      while ((idx[s] as number) < runs.length && (runs[idx[s] as number] as Run).first <= p.at) cur[s] = runs[(idx[s] as number)++] as Run;
    });
    const seg = segments === null ? undefined : segmentAt(segments, p.at);
    const served = new Set<number>();
    cur.forEach((r, s) => {
      if (r === null) return;
      if (seg !== undefined && seg.serving[s] === false) return;
      served.add(r.state.id);
    });
    for (const id of served) {
      const list = awaiting.get(id);
      if (list === undefined) continue;
      for (const c of list) if (c.reinstated === Infinity) c.reinstated = p.at;
      awaiting.delete(id);
    }
    if (prev !== null) {
      const withdrawn = new Set([...prev].filter((id) => !served.has(id)));
      if (withdrawn.size > 0) {
        const c: AuthChange = { series, qtype, change: { at: p.at, after }, withdrawn, reinstated: Infinity };
        out.push(c);
        for (const id of withdrawn) {
          const list = awaiting.get(id);
          if (list === undefined) awaiting.set(id, [c]);
          else list.push(c);
        }
      }
    }
    prev = served;
  }
  return out;
}

function runAtOrBefore(runs: readonly Run[], t: number): Run | undefined {
  let found: Run | undefined;
  for (const r of runs) {
    if (r.first <= t) found = r;
    else break;
  }
  return found;
}

/**
 * The lag of one vantage point behind one authoritative change. Only its answers before the change is
 * reverted count (a revert serves the old state again: returning it then is not lag). A validation
 * failure (SERVFAIL) after the change and before any post-change answer ends the old data's hold: the
 * vantage point fetched the new data and could not validate it, which is a validation failure, not lag
 * (in a zone whose new data never validates every honest resolver fails so; RFC 4035 §5.5).
 */
function lagOf(v: Vantage, c: AuthChange, ttlBound: number, extra: number, now: number): LagChange | null {
  const s = v.series.get(c.qtype);
  const runs = s?.runs ?? [];
  const before = runAtOrBefore(runs, c.change.at - 1);
  if (before === undefined || !c.withdrawn.has(before.state.id)) return null;
  const bound = ttlBound * 1000 + extra;
  const end = c.reinstated;
  let next: Run | undefined;
  let last = before;
  for (const r of runs) {
    if (r.first >= end) break;
    if (r.first < c.change.at) continue;
    if (!c.withdrawn.has(r.state.id)) {
      next = r;
      break;
    }
    last = r;
  }
  // the change happened after the last authoritative observation before it (change.after): a
  // failure from then on may already be the new data failing to validate
  const since = c.change.after ?? c.change.at;
  let failed: FailurePeriod | undefined;
  for (const f of s?.failures ?? []) {
    if (f.kind === 'servfail' && f.first > since && f.first < end && (next === undefined || f.first < next.first)) {
      failed = f;
      break;
    }
  }
  if (failed !== undefined) {
    // When did it last return the old data? A run spans failures, so a run that goes on past the
    // failure does not date its last old answer; the vantage point's polling does: without a long gap
    // before the failure, the series' previous answer came at most 1.5 cadences before it (longGaps
    // holds every interval longer than that), a lower bound on how long the old data was held.
    let after: number | null = null;
    const prevRun = runAtOrBefore(runs, failed.first - 1);
    if (prevRun !== undefined && prevRun.last < failed.first) {
      after = prevRun.last;
    } else {
      const reach = 1.5 * cadenceOf(v);
      let gap = reach <= 0;
      for (let i = 0; i < v.longGaps.length && !gap; i += 2) gap = (v.longGaps[i + 1] as number) >= failed.first - reach && (v.longGaps[i] as number) < failed.first;
      if (!gap) after = failed.first - reach;
    }
    const failed_at: ObservedTime = { at: failed.first, after: after !== null && after >= c.change.at ? after : null };
    // old data served past the bound before the failure is lag all the same (lag.min > bound)
    const lag = spanBetween(c.change, failed_at);
    return { series: c.series, change: c.change, first_new: null, lag_ms: lag, bound_ms: bound, holding_old: false, failed_at, lagging: judge(lag, bound) };
  }
  if (next === undefined) {
    const holding = end === Infinity && c.withdrawn.has((runs[runs.length - 1] as Run).state.id);
    const held = Math.max(0, Math.min(last.last, end) - c.change.at);
    return {
      series: c.series, change: c.change, first_new: null, lag_ms: null, bound_ms: bound, holding_old: holding, failed_at: null,
      lagging: held > bound ? true : holding && now - c.change.at <= bound ? false : holding ? null : false,
    };
  }
  const first_new: ObservedTime = { at: next.first, after: next.prevLast };
  const lag = spanBetween(c.change, first_new);
  return { series: c.series, change: c.change, first_new, lag_ms: lag, bound_ms: bound, holding_old: false, failed_at: null, lagging: judge(lag, bound) };
}

function judge(lag: Span, bound: number): boolean | null {
  return lag.min !== null && lag.min > bound ? true : lag.max !== null && lag.max <= bound ? false : lag.ms > bound ? null : false;
}

function maxTtlSeen(v: Vantage, qtype: number): number {
  let m = 0;
  for (const r of v.series.get(qtype)?.runs ?? []) if (r.maxTtl > m) m = r.maxTtl;
  return m;
}

export function lagAnalysis(inp: LagInput): { vantages: VantageLag[]; regions: RegionLag[] } {
  const changes: AuthChange[] = [
    ...authChanges('DNSKEY', QTYPE.DNSKEY, inp.sources, inp.segments),
    ...authChanges('DS', QTYPE.DS, inp.dsSources, null),
    ...(inp.dataQtype === null ? [] : authChanges('ZONE-SIGNERS', inp.dataQtype, inp.sources, inp.segments)),
  ];
  const authCadence = Math.max(0, ...inp.sources.map(cadenceOf), ...inp.dsSources.map(cadenceOf));
  const out: VantageLag[] = [];
  for (const v of inp.vantages) {
    if (v.kind === 'authoritative') continue;
    const ttl_seen_s: Record<string, number> = {};
    const cad = cadenceOf(v);
    const list: LagChange[] = [];
    for (const c of changes) {
      const seen = maxTtlSeen(v, c.qtype);
      ttl_seen_s[c.series] = seen;
      const ttlBound = seen === 0 ? inp.authTtl[c.series] : Math.min(seen, inp.authTtl[c.series] || seen);
      const l = lagOf(v, c, ttlBound, inp.dprp + cad + authCadence, inp.now);
      if (l !== null) list.push(l);
    }
    let maxLag = 0;
    let bound = 0;
    for (const l of list) {
      const ms = l.lag_ms?.ms ?? (l.holding_old ? Math.max(0, (v.lastT || inp.now) - l.change.at) : 0);
      if (ms > maxLag) maxLag = ms;
      if (l.bound_ms > bound) bound = l.bound_ms;
    }
    out.push({
      vantage: v.id, agent_id: v.agent_id, server: v.server, country: v.country, continent: v.continent, kind: v.kind,
      lagging: list.some((l) => l.lagging === true), max_lag_ms: maxLag, bound_ms: bound, ttl_seen_s, cadence_ms: cad, changes: list,
    });
  }
  return { vantages: out, regions: regionsOf(out, inp.regionShare) };
}

function regionsOf(vl: readonly VantageLag[], share: number): RegionLag[] {
  const out: RegionLag[] = [];
  for (const level of ['continent', 'country'] as const) {
    const groups = new Map<string, { n: number; lag: number }>();
    for (const v of vl) {
      if (v.changes.length === 0) continue;
      const region = level === 'continent' ? v.continent : v.country;
      if (region === '') continue;
      const g = groups.get(region) ?? { n: 0, lag: 0 };
      g.n++;
      if (v.lagging) g.lag++;
      groups.set(region, g);
    }
    for (const [region, g] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const s = g.n === 0 ? 0 : g.lag / g.n;
      out.push({ level, region, vantages: g.n, lagging: g.lag, share: s, lagging_region: g.lag > 0 && s >= share });
    }
  }
  return out;
}

function latestState(v: Vantage, qtype: number): RunState | null {
  const runs = v.series.get(qtype)?.runs;
  return runs === undefined || runs.length === 0 ? null : (runs[runs.length - 1] as Run).state;
}

function holdsKey(st: RunState, k: KeyRecord): boolean {
  return st.keys.some((x) => x.algorithm === k.algorithm && x.hash === k.hash);
}

export interface ForecastInput {
  transitions: readonly Transition[];
  keysById: ReadonlyMap<string, KeyRecord>;
  vantages: readonly Vantage[];
  dataQtype: number | null;
  intervals: { Ipub: number; Iret: number; IretDoubleSignature: number; IpubC: number; IpubP: number };
  now: number;
}

/** For each transition in progress: its next step, when it becomes safe, and who still holds old data. */
export function breakageForecast(inp: ForecastInput): BreakageForecast[] {
  const out: BreakageForecast[] = [];
  const resolvers = inp.vantages.filter((v) => v.kind !== 'authoritative');
  for (const t of inp.transitions) {
    if (t.status !== 'in-progress' || t.role === 'NS') continue;
    const keysIn = t.keys_in.map((id) => inp.keysById.get(id)).filter((k): k is KeyRecord => k !== undefined);
    const keysOut = t.keys_out.map((id) => inp.keysById.get(id)).filter((k): k is KeyRecord => k !== undefined);
    const lacksNew = (v: Vantage): boolean => {
      const st = latestState(v, QTYPE.DNSKEY);
      return st !== null && keysIn.some((k) => !holdsKey(st, k));
    };
    const pubIn = Math.min(...keysIn.map((k) => t.anatomy.events[k.id]?.t_pub?.at ?? Infinity));
    if (keysOut.length === 0 && keysIn.length > 0 && t.switch_at === null) {
      // pre-published key, not signing yet
      const ksk = t.role === 'KSK';
      const earliest = pubIn + (ksk ? inp.intervals.IpubC : inp.intervals.Ipub);
      out.push({
        transition: t.id, next_step: ksk ? 'change-ds' : 'activate-new-key', earliest_ms: earliest, time_until_ms: Math.max(0, earliest - inp.now),
        vantages_at_risk: resolvers.filter(lacksNew).map((v) => v.id).sort(),
      });
    } else if (keysOut.length > 0) {
      const unsign = Math.max(...keysOut.map((k) => t.anatomy.events[k.id]?.t_unsign?.at ?? t.switch_at?.at ?? inp.now));
      const earliest = unsign + (t.role === 'ZSK' ? inp.intervals.Iret : inp.intervals.IpubP);
      const atRisk = resolvers.filter((v) => {
        if (t.role === 'ZSK') {
          const st = inp.dataQtype === null ? null : latestState(v, inp.dataQtype);
          return st !== null && st.sigs.length > 0 && st.sigs.every((sg) => keysOut.some((k) => k.algorithm === sg.algorithm && (k.tag === sg.tag || k.revokedTag === sg.tag)));
        }
        const st = latestState(v, QTYPE.DS);
        return st !== null && !keysIn.some((k) => st.ds.some((d) => d.algorithm === k.algorithm && d.tag === k.tag));
      });
      out.push({
        transition: t.id, next_step: 'remove-old-key', earliest_ms: earliest, time_until_ms: Math.max(0, earliest - inp.now),
        vantages_at_risk: atRisk.map((v) => v.id).sort(),
      });
    } else if (keysIn.length > 0) {
      const earliest = pubIn + inp.intervals.IretDoubleSignature;
      out.push({
        transition: t.id, next_step: 'remove-old-signatures', earliest_ms: earliest, time_until_ms: Math.max(0, earliest - inp.now),
        vantages_at_risk: resolvers.filter(lacksNew).map((v) => v.id).sort(),
      });
    }
  }
  return out;
}
