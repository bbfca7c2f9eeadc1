// analyzeZone: from the stored observations of one zone to key sightings, transitions with their
// anatomy and procedure, conformance findings, lag per vantage point and region, and DS automation
// latency (ARCHITECTURE.md §4). Batch (years of history) and live (re-run with `now` = wall clock) alike.

import { KtoError, isValidName } from '@kto/core';
import { anatomyOf } from './anatomy.js';
import { classify } from './classify/index.js';
import type { ClassifyContext } from './classify/index.js';
import { cdsRequests, dsAutomationOf } from './ds-automation.js';
import { checkCacheRules } from './findings/cache-rules.js';
import { orphanDsFindings } from './findings/ds.js';
import { expiryFindings, invalidSignatureFindings } from './findings/signatures.js';
import { validationFailureFindings } from './findings/validation-failures.js';
import type { KeyRecord } from './keys.js';
import { KeyRegistry, keyInfoOf } from './keys.js';
import { breakageForecast, lagAnalysis } from './lag.js';
import { mergeProviderChanges } from './multi-signer.js';
import type { ObservationRow } from './observation.js';
import { QTYPE } from './observation.js';
import type { RunSet, Vantage } from './runs.js';
import { buildRuns, cadenceOf, isZoneDataType, normalizeZone } from './runs.js';
import type { Segment } from './segments.js';
import { buildSegments } from './segments.js';
import { attachKeyRdata, verifySignatures } from './signatures.js';
import { authSightings, authTimelines, vantageSightings } from './timeline.js';
import type { Episode, NsChange } from './transitions.js';
import { detectEpisodes, detectNsChanges, pendingEpisodes, retiring, signingSets } from './transitions.js';
import type {
  AnalyzeOptions, DataQuality, Finding, Gap, MultiSignerState, Procedure, SignatureStats, Transition, ZoneAnalysis,
} from './types.js';
import { intervalsOf, waitsOf } from './waits.js';
import type { Delays } from './waits.js';

export const ANALYZER_VERSION = 'kto-analyzer/0.1.0';

const DAY = 86_400_000;

function bad(msg: string): KtoError {
  return new KtoError('KTO_ERR_ANALYZER_BAD_ARGUMENT', msg);
}

function checkOptions(o: AnalyzeOptions): void {
  if (o === null || typeof o !== 'object') throw bad('options must be an object with at least { zone }');
  if (typeof o.zone !== 'string' || !isValidName(o.zone === '.' ? '.' : o.zone.replace(/\.?$/, '.'))) throw bad(`zone must be a domain name, got ${JSON.stringify(o.zone)}`);
  for (const k of ['from', 'to', 'now', 'dprpMs', 'dsgnMs', 'maxEpisodeGapMs'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || (k !== 'from' && k !== 'to' && k !== 'now' && v < 0))) {
      throw bad(`option ${k} must be a finite number${k.endsWith('Ms') ? ' >= 0' : ''}, got ${String(v)}`);
    }
  }
  if (o.regionLagShare !== undefined && !(o.regionLagShare > 0 && o.regionLagShare <= 1)) throw bad(`option regionLagShare must be in (0, 1], got ${String(o.regionLagShare)}`);
  if (o.signatureCache !== undefined && !(o.signatureCache instanceof Map)) throw bad('option signatureCache must be a Map');
}

function maxOver(vs: readonly Vantage[], pred: (qt: number) => boolean): number {
  let m = 0;
  for (const v of vs) {
    for (const [qt, s] of v.series) {
      if (!pred(qt)) continue;
      for (const r of s.runs) m = Math.max(m, r.maxOrigTtl > 0 ? r.maxOrigTtl : r.maxTtl);
    }
  }
  return m;
}

/** Dprp from the spread of SOA serial first sightings across authoritative servers (beyond sampling noise). */
function estimateDprp(sources: readonly Vantage[]): number {
  const firstSeen = new Map<number, number[]>();
  for (const v of sources) {
    const s = v.series.get(QTYPE.SOA);
    if (s === undefined) continue;
    for (let i = 0; i < s.serials.length; i += 2) {
      const serial = s.serials[i + 1] as number;
      const list = firstSeen.get(serial) ?? [];
      list.push(s.serials[i] as number);
      firstSeen.set(serial, list);
    }
  }
  const noise = Math.max(0, ...sources.map(cadenceOf));
  let spread = 0;
  for (const list of firstSeen.values()) {
    if (list.length < 2) continue;
    const d = Math.max(...list) - Math.min(...list);
    if (d > noise && d > spread) spread = d;
  }
  return spread;
}

function gapsOf(runs: RunSet): Gap[] {
  const out: Gap[] = [];
  for (const v of runs.vantages) {
    const cad = cadenceOf(v);
    if (cad <= 0) continue;
    for (let i = 0; i < v.longGaps.length; i += 2) {
      const from = v.longGaps[i] as number;
      const to = v.longGaps[i + 1] as number;
      if (to - from > 3 * cad) out.push({ vantage: v.id, from_ms: from, to_ms: to });
    }
  }
  return out;
}

function multiSignerOf(segments: readonly Segment[]): MultiSignerState | null {
  let model: 1 | 2 | null = null;
  const servers = new Set<string>();
  const key = (s: ReadonlySet<KeyRecord>): string => [...s].map((k) => k.idx).sort((a, b) => a - b).join(',');
  for (const seg of segments) {
    const live = seg.servers.filter((s, i) => seg.serving[i] === true && s.published.size > 0);
    if (live.length < 2) continue;
    const dk = new Set(live.map((s) => `${key(s.published)}|${key(s.dnskeySigners)}`));
    const zs = new Set(live.map((s) => key(s.zoneSigners)));
    if (dk.size > 1) model = 2;
    else if (zs.size > 1 && model === null) model = 1;
    if (dk.size > 1 || zs.size > 1) for (const s of live) servers.add(s.vantage.server_name || s.vantage.server);
  }
  return model === null ? null : { model, servers: [...servers].sort(), steady: false };
}

function nsProcedure(ns: NsChange, keyTransitions: readonly Transition[], segments: readonly Segment[]): { procedure: Procedure; rule: string; detail: string } {
  const same = keyTransitions.find((t) => t.switch_at !== null && t.switch_at.at === ns.at.at);
  if (same !== undefined) return { procedure: same.procedure, rule: 'with-key-transition', detail: `the NS change is a step of ${same.id} (${same.procedure})` };
  const seg = segments[ns.seg];
  const prev = segments[ns.seg - 1];
  const csync = [seg, prev].some((sg) => sg !== undefined && sg.servers.some((s) => s.csync !== null && s.csync.csync !== null));
  if (csync) return { procedure: 'ns-change-csync', rule: 'ns-change-csync', detail: 'a CSYNC record asked the parent to copy the NS RRset (RFC 7477)' };
  return { procedure: 'unknown', rule: 'none', detail: 'the NS RRset changed without a CSYNC record or a key transition' };
}

/**
 * Analyses the observations of one zone. Rows of other zones, outside [from, to), failed, truncated,
 * malformed or duplicated are skipped and counted in `quality`; rows may come in any order.
 */
export function analyzeZone(rows: readonly ObservationRow[], options: AnalyzeOptions): ZoneAnalysis {
  if (!Array.isArray(rows)) throw bad(`rows must be an array of observation rows, got ${typeof rows}`);
  checkOptions(options);
  const zone = normalizeZone(options.zone);
  return analyzeRuns(buildRuns(rows, { zone, from: options.from ?? -Infinity, to: options.to ?? Infinity }), zone, options);
}

/** Analyses the runs of one zone (from buildRuns, or assembled from stored runs: stored-runs.ts). */
export function analyzeRunSet(runs: RunSet, options: AnalyzeOptions): ZoneAnalysis {
  checkOptions(options);
  return analyzeRuns(runs, normalizeZone(options.zone), options);
}

/** The analysis proper, over checked options. */
function analyzeRuns(runs: RunSet, zone: string, options: AnalyzeOptions): ZoneAnalysis {
  const now = options.now ?? runs.lastT;
  const maxGap = options.maxEpisodeGapMs ?? 30 * DAY;
  const notes: string[] = [];

  const keys = new KeyRegistry();
  for (const st of runs.states) if (st.qtype === QTYPE.DNSKEY) for (const k of st.keys) keys.fromStateKey(k);
  attachKeyRdata(runs, keys);
  const verify = options.verifySignatures !== false;
  const sig = verify ? verifySignatures(runs, keys, zone, options.signatureCache) : null;

  const childLike = (v: Vantage): boolean => [...v.series.keys()].some((qt) => qt === QTYPE.DNSKEY || isZoneDataType(qt));
  let sources = runs.vantages.filter((v) => v.kind === 'authoritative' && childLike(v));
  if (sources.length === 0 && runs.vantages.length > 0) {
    sources = runs.vantages.filter(childLike);
    notes.push('no authoritative observations of the zone: its authoritative view is approximated from the vantage points (changes appear late by their caches)');
  }
  // The DS RRset lives on the parent side of the delegation (RFC 4034 §5, RFC 4035 §3.1.4.1): a DS
  // answer from a server of the child zone itself (it answers the zone's DNSKEY or data) is the child's
  // NODATA or its own copy, not the parent's DS view. Parent servers, if observed, and else the
  // resolvers (validated answers from the parent) give the DS RRset.
  let dsSources = runs.vantages.filter((v) => v.kind === 'authoritative' && v.series.has(QTYPE.DS) && !childLike(v));
  if (dsSources.length === 0) {
    dsSources = runs.vantages.filter((v) => v.kind !== 'authoritative' && v.series.has(QTYPE.DS));
    if (dsSources.length > 0) notes.push('no authoritative DS observations: the parent\'s DS RRset is approximated by the newest DS RRset any vantage point returned');
  }
  const seg = buildSegments({ zone, keys, sources, dsSources, resolved: sig?.resolved ?? new Map() });
  const segments = seg.segments;
  if (runs.counts.truncated > 0) notes.push(`${runs.counts.truncated} truncated answers (TC without a TCP retry) were not used: their RRsets may be incomplete`);
  if (runs.counts.outOfOrder > 0) notes.push(`${runs.counts.outOfOrder} observations came out of time order; they were sorted`);

  const ttl = {
    dnskey: maxOver(sources, (qt) => qt === QTYPE.DNSKEY),
    sig: maxOver(sources, (qt) => isZoneDataType(qt) && qt !== QTYPE.NS),
    ds: maxOver(dsSources, (qt) => qt === QTYPE.DS),
    ns: maxOver(sources, (qt) => qt === QTYPE.NS),
  };
  if (ttl.sig === 0) ttl.sig = maxOver(sources, (qt) => qt === QTYPE.NS);
  const dprpSeen = estimateDprp(sources);
  const delays: Delays = {
    Dprp: Math.max(options.dprpMs ?? 0, dprpSeen), Dsgn: options.dsgnMs ?? 0,
    TTLkey: ttl.dnskey * 1000, TTLsig: ttl.sig * 1000, TTLds: ttl.ds * 1000,
  };
  const iv = intervalsOf(delays);
  const hold = {
    key: delays.TTLkey + delays.Dprp, data: delays.TTLsig + delays.Dprp + delays.Dsgn,
    ds: delays.TTLds + delays.Dprp, ns: (ttl.ns || ttl.sig) * 1000 + delays.Dprp,
  };

  const timelines = authTimelines(segments, keys);
  const endT = runs.lastT;
  const episodes: Episode[] = [...detectEpisodes(segments, 'zone', maxGap, endT), ...detectEpisodes(segments, 'dnskey', maxGap, endT)];
  episodes.push(...pendingEpisodes(segments, timelines, episodes));
  const nsChanges = detectNsChanges(segments);
  const requests = cdsRequests(sources);
  const setsByScope = { zone: signingSets(segments, 'zone'), dnskey: signingSets(segments, 'dnskey') };

  const transitions: Transition[] = [];
  const ids = new Set<string>();
  const uniqueId = (base: string): string => {
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    return id;
  };
  for (const e of episodes) {
    const ctx: ClassifyContext = { episode: e, timelines, segments, nsChanges, cdsRequests: requests };
    const { procedure, evidence } = classify(ctx);
    const anatomy = anatomyOf(e, timelines, segments, setsByScope[e.scope], now, endT);
    const firstChange = e.changes[0];
    const switchAt = e.pending || firstChange === undefined ? null : { at: firstChange.at.at, after: firstChange.at.after };
    const waits = waitsOf(procedure, e, anatomy, delays, switchAt);
    const times: number[] = e.pending ? [] : e.changes.map((c) => c.at.at);
    for (const k of e.keysIn) {
      const ev = anatomy.events[k.id];
      if (ev?.t_pub != null && ev.t_pub.after !== null) times.push(ev.t_pub.at);
      if (ev?.t_ds != null && ev.t_ds.after !== null) times.push(ev.t_ds.at);
      if (ev?.t_sign != null && ev.t_sign.after !== null) times.push(ev.t_sign.at);
    }
    const ends = [...times];
    for (const k of e.keysOut) {
      const ev = anatomy.events[k.id];
      for (const t of [ev?.t_unpub, ev?.t_ds_gone, ev?.t_revoke]) if (t != null) ends.push(t.at);
    }
    const lastChange = e.changes[e.changes.length - 1]?.at.at ?? endT;
    const structural = procedure === 'multi-signer-join' || procedure === 'multi-signer-leave' || procedure === 'operator-handoff';
    const status = e.pending || (!structural && (e.inFlight || (retiring(e, timelines) && endT - lastChange <= maxGap))) ? 'in-progress' : 'complete';
    const algs = (ks: readonly KeyRecord[]) => [...new Set(ks.map((k) => k.algorithm))].sort((a, b) => a - b);
    const algBefore = algs([...e.before]);
    const algAfter = algs([...e.after]);
    const start = times.length === 0 ? lastChange : Math.min(...times);
    transitions.push({
      id: uniqueId(`${e.role}@${start}`), role: e.role, procedure, status, conformant: true,
      start_ms: start, end_ms: Math.max(start, ...ends), switch_at: switchAt,
      keys_in: e.keysIn.map((k) => k.id).sort(), keys_out: e.keysOut.map((k) => k.id).sort(), keys_kept: e.keysKept.map((k) => k.id).sort(),
      algorithms_in: algAfter.filter((a) => !algBefore.includes(a)), algorithms_out: algBefore.filter((a) => !algAfter.includes(a)),
      ns_in: [], ns_out: [], anatomy, waits, evidence, findings: [],
    });
  }
  const keyTransitions = [...transitions];
  for (const ns of nsChanges) {
    const p = nsProcedure(ns, keyTransitions, segments);
    transitions.push({
      id: uniqueId(`NS@${ns.at.at}`), role: 'NS', procedure: p.procedure, status: 'complete', conformant: true,
      start_ms: ns.at.at, end_ms: ns.at.at, switch_at: { at: ns.at.at, after: ns.at.after },
      keys_in: [], keys_out: [], keys_kept: [], algorithms_in: [], algorithms_out: [],
      ns_in: ns.after.filter((h) => !ns.before.includes(h)), ns_out: ns.before.filter((h) => !ns.after.includes(h)),
      anatomy: { pre_publish_ms: {}, double_sign_ms: { ms: 0, min: 0, max: 0 }, post_retire_ms: {}, ds_lag_ms: {}, ds_gone_lag_ms: {}, key_age_ms: {}, events: {} },
      waits: [], evidence: { rule: p.rule, detail: p.detail, times: { ns_change: { at: ns.at.at, after: ns.at.after } }, coarse: false, candidates: [p.procedure] }, findings: [],
    });
  }
  const keysById = new Map(keys.list.map((k) => [k.id, k]));
  const merged = mergeProviderChanges({ transitions, keysById, cdsRequests: requests, segments, uniqueId });
  transitions.length = 0;
  transitions.push(...merged);
  transitions.sort((a, b) => a.start_ms - b.start_ms || a.id.localeCompare(b.id));

  // findings
  const rules = checkCacheRules(segments, hold);
  const findings: Finding[] = [
    ...rules.findings,
    ...(sig === null ? [] : invalidSignatureFindings(sig.invalid)),
    ...expiryFindings(runs, keys),
    ...orphanDsFindings(seg.orphanDs),
    ...validationFailureFindings(runs),
  ].sort((a, b) => a.at_ms - b.at_ms || a.code.localeCompare(b.code));
  const maxHold = Math.max(hold.key, hold.data, hold.ds);
  for (const f of findings) {
    for (const t of transitions) {
      const involved = new Set([...t.keys_in, ...t.keys_out]);
      for (const id of Object.keys(t.anatomy.events)) involved.add(id);
      // a multi-signer join or leave involves the keys that stay as well: every provider's ZSKs must
      // be in every provider's DNSKEY RRset (RFC 8901 §8), so a ZSK missing at the joining provider is its finding
      if (t.procedure === 'multi-signer-join' || t.procedure === 'multi-signer-leave') for (const id of t.keys_kept) involved.add(id);
      if (!f.keys.some((k) => involved.has(k))) continue;
      if (f.at_ms < t.start_ms - maxHold || f.at_ms > t.end_ms + maxHold) continue;
      if (!t.findings.includes(f.code)) t.findings.push(f.code);
      f.transition ??= t.id;
    }
  }
  for (const t of transitions) {
    const undecided = rules.undecided.some((u) => u.keys.some((k) => t.keys_in.includes(k) || t.keys_out.includes(k)));
    if (t.findings.length > 0 || t.waits.some((w) => w.respected === false)) t.conformant = false;
    else if (undecided || t.waits.some((w) => w.respected === null)) t.conformant = null;
  }

  const multi = multiSignerOf(segments);
  if (multi !== null) multi.steady = keyTransitions.length === 0;
  const procedures = [...new Set<Procedure>(transitions.map((t) => t.procedure))];
  if (multi !== null && multi.steady && multi.model === 2) procedures.push('multi-signer-steady');

  const collisions = keys.collisions();
  const collided = new Set(collisions.flatMap((c) => c.keys));
  const sightings = [...authSightings(timelines, now)];
  for (const v of runs.vantages) if (v.kind !== 'authoritative') sightings.push(...vantageSightings(v, keys, now));

  const dataQtype = [QTYPE.SOA, ...sources.flatMap((v) => [...v.series.keys()])].find((qt) => isZoneDataType(qt) && qt !== QTYPE.NS && sources.some((v) => v.series.has(qt))) ?? null;
  const lag = lagAnalysis({
    vantages: runs.vantages, sources, dsSources, segments, dataQtype,
    authTtl: { DNSKEY: ttl.dnskey, DS: ttl.ds, 'ZONE-SIGNERS': ttl.sig }, dprp: delays.Dprp, now, regionShare: options.regionLagShare ?? 0.5,
  });
  const breakage = breakageForecast({ transitions, keysById, vantages: runs.vantages, dataQtype, intervals: iv, now });

  const skew: DataQuality['clock_skew'] = [];
  for (const [agent, d] of runs.uploadDelayByAgent) {
    if (d < -60_000) skew.push({ agent_id: agent, skew_ms: -d, evidence: 'observations stamped later than the collector received them: the agent clock runs ahead by at least this much' });
  }
  const quality: DataQuality = {
    rows: runs.counts.rows, used: runs.counts.used, other_zone: runs.counts.otherZone, outside_window: runs.counts.outsideWindow,
    duplicates: runs.counts.duplicates, out_of_order: runs.counts.outOfOrder, truncated: runs.counts.truncated,
    failed_queries: runs.counts.failed, malformed: runs.counts.malformed, gaps: gapsOf(runs), clock_skew: skew,
    tag_collisions: collisions, ambiguous_signers: seg.ambiguous, notes,
  };
  const signatures: SignatureStats = sig?.stats ?? { checked: 0, valid: 0, invalid: 0, key_unknown: 0, unsupported: 0, without_raw: runs.counts.withoutRaw };
  if (!verify) notes.push('signature verification was switched off (verifySignatures: false)');

  return {
    zone, analyzer: ANALYZER_VERSION, from_ms: runs.firstT, to_ms: runs.lastT, now_ms: now,
    observations: runs.counts.used, vantages: runs.vantages.length,
    ttl, intervals: { Dprp: delays.Dprp, Dsgn: delays.Dsgn, Ipub: iv.Ipub, Iret: iv.Iret, IretDoubleSignature: iv.IretDoubleSignature, IpubC: iv.IpubC, IpubP: iv.IpubP },
    keys: keys.list.map((k) => keyInfoOf(k, collided.has(k.id))),
    sightings, transitions, procedures, multi_signer: multi, findings, undecided: rules.undecided,
    lag: { vantages: lag.vantages, regions: lag.regions, breakage },
    ds_automation: dsAutomationOf(zone, requests, dsSources), signatures, quality,
  };
}
