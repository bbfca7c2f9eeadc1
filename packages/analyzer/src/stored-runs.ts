// Analysis from stored runs: the collector folds every stored observation into runs at ingest
// (packages/collector/src/runs/fold.ts, table `runs`), so a zone's year is read as some thousands of run
// rows instead of tens of millions of observations. This file turns them into the RunSet that buildRuns
// (runs.ts) would have made from the rows, fetching in one query only the raw responses the analysis
// decodes (one per distinct RRSIG window set, and the DNSKEY answer of each key set: table run_samples
// keeps the raw bytes of each run's first row), and analyses it. The store gives each run as it is now
// (its row in `runs` with its latest extent from `run_extents`: Store.streamRuns).
//
// Exact (same RunSet, hence the same analysis as from rows) for every vantage point observed by one
// agent, when the window covers whole runs and no row came late (`late` rows are counted at ingest; the
// collector then re-folds their vantage point from its stored rows by itself: collector ingest/writer.ts).
// An authoritative server asked by several agents is one vantage point (runs.ts), folded per agent at
// ingest (agents upload at their own pace, so their rows reach the collector out of each other's order)
// and merged here in time order: equal to the row fold when the server changes cleanly (no agent sees
// the old answer after another saw the new one); see mergeCadence for its cadence and gaps.
import { CADENCE_DELTAS, NO_EXPIRATION, noteInterval, signatureWindowsInto } from '@kto/core';
import type { SignatureWindows } from '@kto/core';
import type { ObservationRow, RunQuery, RunRecord, RunSampleKey, Store } from '@kto/collector';
import { analyzeRunSet } from './analyze.js';
import { QTYPE } from './observation.js';
import type { FailurePeriod, RunSet, RunState, Series, SigSample, Vantage } from './runs.js';
import { internState, normalizeZone, windowsKey } from './runs.js';
import type { AnalyzeOptions, ZoneAnalysis } from './types.js';

const EMPTY = new Uint8Array(0);
const EMPTY_NUMS: readonly number[] = [];
/** Stands in for raw bytes not fetched: only its length is read (windowsKey), before fetched bytes replace it. */
const PLACEHOLDER = new Uint8Array(65_536);
const AUTHORITATIVE = 'authoritative';

/** Store row order of the first rows of runs: (time, agent_id, seq, idx). */
function byFirstRow(a: RunRecord, b: RunRecord): number {
  if (a.first_ms !== b.first_ms) return a.first_ms - b.first_ms;
  if (a.agent_id !== b.agent_id) return a.agent_id < b.agent_id ? -1 : 1;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.idx - b.idx;
}

/** The first row of an answer run, as far as the analysis reads it (content columns, identity, time). */
function firstRowOf(r: RunRecord): ObservationRow {
  return {
    agent_id: r.agent_id, seq: r.seq, idx: r.idx, received_at_ms: 0, country: '', continent: '', asn: 0,
    vantage_kind: r.vantage_kind as ObservationRow['vantage_kind'], server: r.server, server_port: 0, server_name: '', family: 0,
    transport: 'unknown', tc_retry: 0, zone: r.zone, qname: r.zone, qtype: r.qtype, do_bit: 1, cd_bit: 0, edns_udp_size: 0,
    observed_at_ms: r.first_ms, rtt_us: 0, status: 'ok', error: '', rcode: 0, header_flags: 0, aa: 0, tc: 0, ad: 0,
    ede_codes: [], ede_texts: [], attempts: 0, raw: PLACEHOLDER.subarray(0, r.raw_length), answer_ttl: 0, soa_serial: 0,
    dnskey_flags: r.dnskey_flags, dnskey_protocols: [], dnskey_algorithms: r.dnskey_algorithms, dnskey_key_tags: r.dnskey_key_tags,
    dnskey_key_hashes: r.dnskey_key_hashes, dnskey_key_bits: r.dnskey_key_bits,
    ds_key_tags: r.ds_key_tags, ds_algorithms: r.ds_algorithms, ds_digest_types: r.ds_digest_types, ds_digests: r.ds_digests,
    ns_hosts: r.ns_hosts, csync_serial: r.csync_serial, csync_flags: r.csync_flags, csync_types: r.csync_types,
    rrsig_type_covered: r.rrsig_type_covered, rrsig_algorithms: r.rrsig_algorithms, rrsig_labels: [],
    rrsig_original_ttls: r.rrsig_original_ttls, rrsig_inceptions: r.rrsig_inceptions, rrsig_expirations: r.rrsig_expirations,
    rrsig_key_tags: r.rrsig_key_tags, rrsig_signers: [], rrsig_ttls: [], rrsig_checks: [],
  };
}

function sameNums(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameStrs(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether two runs of one series have every column their state key (runs.ts stateKeyOf) reads equal:
 * then they have the same state, found without building the key (most runs differ only in RRSIG windows).
 */
function sameStateColumns(a: RunRecord, b: RunRecord): boolean {
  return sameStrs(a.dnskey_key_hashes, b.dnskey_key_hashes) && sameNums(a.dnskey_key_tags, b.dnskey_key_tags)
    && sameNums(a.dnskey_algorithms, b.dnskey_algorithms) && sameNums(a.dnskey_flags, b.dnskey_flags)
    && sameNums(a.rrsig_key_tags, b.rrsig_key_tags) && sameNums(a.rrsig_type_covered, b.rrsig_type_covered)
    && sameNums(a.rrsig_algorithms, b.rrsig_algorithms)
    && sameStrs(a.ds_digests, b.ds_digests) && sameNums(a.ds_key_tags, b.ds_key_tags) && sameNums(a.ds_algorithms, b.ds_algorithms)
    && sameNums(a.ds_digest_types, b.ds_digest_types) && sameStrs(a.ns_hosts, b.ns_hosts)
    && a.csync_serial === b.csync_serial && a.csync_flags === b.csync_flags && sameNums(a.csync_types, b.csync_types);
}

export interface StoredRunSet {
  runs: RunSet;
  /** The observations whose raw bytes the analysis decodes; fill them with `attachRaw`. */
  wanted: RunSampleKey[];
  /** Replaces the placeholders by the fetched bytes (EMPTY for every sample not fetched). */
  attachRaw(raws: ReadonlyMap<string, Uint8Array>): void;
  /** Rows that reached the collector after later rows of their vantage point and are not in the runs. */
  late: number;
}

interface VantageDraft {
  v: Vantage;
  /** The vantage rows of its agents (several for an authoritative server asked by several agents). */
  parts: RunRecord[];
}

/**
 * Cadence and long intervals of a vantage point observed by several agents, as buildRuns computes them
 * over all its rows together. Each agent's vantage row holds its first times (first_ms and up to 64
 * intervals), so the merged first 65 times, hence the intervals and cadence, are exact; later long
 * intervals are those in which no agent observed, from the agents' own long intervals (complete when
 * the agents ask at similar cadences and are at most two; else shorter ones may be missing).
 */
function mergeCadence(v: Vantage, parts: readonly RunRecord[]): void {
  const all: number[] = [];
  for (const r of parts) {
    let t = r.first_ms;
    all.push(t);
    for (const d of r.deltas) all.push((t += d));
  }
  all.sort((a, b) => a - b);
  const deltas: number[] = [];
  const longGaps: number[] = [];
  let provisional = 0;
  let lastT = -Infinity;
  let seen = 0;
  for (const t of all) {
    if (t === lastT) continue;
    if (++seen > CADENCE_DELTAS + 1) break;
    if (lastT !== -Infinity) provisional = noteInterval(deltas, longGaps, provisional, lastT, t);
    lastT = t;
  }
  // later: intervals free of every agent's rows (before its first row, in its long intervals, after its last)
  let free: number[] = [-Infinity, Infinity];
  for (const r of parts) {
    const own = [-Infinity, r.first_ms, ...r.long_gaps, r.last_ms, Infinity];
    const next: number[] = [];
    for (let i = 0, j = 0; i < free.length && j < own.length;) {
      const lo = Math.max(free[i] as number, own[j] as number);
      const hi = Math.min(free[i + 1] as number, own[j + 1] as number);
      if (lo < hi) next.push(lo, hi);
      if ((free[i + 1] as number) < (own[j + 1] as number)) i += 2;
      else j += 2;
    }
    free = next;
  }
  for (let i = 0; i < free.length; i += 2) {
    const lo = free[i] as number;
    const hi = free[i + 1] as number;
    if (lo >= lastT && Number.isFinite(hi) && hi - lo > 1.5 * provisional) longGaps.push(lo, hi);
  }
  v.deltas = deltas;
  v.provisional = provisional;
  v.longGaps = longGaps;
}

/** The RunSet buildRuns would make from the rows that were folded into `records` (all of one zone). */
export function runSetFromStored(records: readonly RunRecord[]): StoredRunSet {
  const vantageRows: RunRecord[] = [];
  const answers: RunRecord[] = [];
  const failures: RunRecord[] = [];
  for (const r of records) {
    if (r.kind === 'vantage') vantageRows.push(r);
    else if (r.kind === 'answer') answers.push(r);
    else if (r.kind === 'failure') failures.push(r);
  }
  vantageRows.sort(byFirstRow);
  answers.sort(byFirstRow);
  failures.sort(byFirstRow);

  const counts = {
    rows: 0, used: 0, otherZone: 0, outsideWindow: 0, duplicates: 0, outOfOrder: 0, truncated: 0, failed: 0, malformed: 0, withoutRaw: 0,
  };
  let late = 0;
  const vantages: Vantage[] = [];
  const drafts = new Map<string, VantageDraft>();
  const byAgentServer = new Map<string, Map<string, Vantage>>();
  const uploadDelayByAgent = new Map<string, number>();
  for (const r of vantageRows) {
    counts.rows += r.observations + r.late;
    counts.used += r.used;
    counts.duplicates += r.duplicates;
    counts.truncated += r.truncated;
    counts.failed += r.failed;
    counts.malformed += r.malformed;
    counts.withoutRaw += r.without_raw;
    late += r.late;
    const ud = uploadDelayByAgent.get(r.agent_id);
    if (ud === undefined || r.min_upload_delay < ud) uploadDelayByAgent.set(r.agent_id, r.min_upload_delay);
    const auth = r.vantage_kind === AUTHORITATIVE;
    const id = `${auth ? AUTHORITATIVE : r.agent_id}|${r.server}`;
    let d = drafts.get(id);
    if (d === undefined) {
      const v: Vantage = {
        index: vantages.length, id, agent_id: r.agent_id, agents: [r.agent_id], server: r.server, server_name: r.server_name,
        kind: r.vantage_kind as Vantage['kind'], country: auth ? '' : r.country, continent: auth ? '' : r.continent,
        series: new Map(), observations: r.observations, firstT: r.first_ms, lastT: r.last_ms, deltas: r.deltas,
        provisional: r.provisional, longGaps: r.long_gaps, minUploadDelay: r.min_upload_delay,
      };
      vantages.push(v);
      d = { v, parts: [r] };
      drafts.set(id, d);
    } else {
      const v = d.v;
      d.parts.push(r);
      v.agents.push(r.agent_id);
      v.observations += r.observations;
      if (r.last_ms > v.lastT) v.lastT = r.last_ms;
      if (r.min_upload_delay < v.minUploadDelay) v.minUploadDelay = r.min_upload_delay;
    }
    for (const qt of r.qtypes) {
      if (!d.v.series.has(qt)) {
        d.v.series.set(qt, { qtype: qt, runs: [], failures: [], serials: [], last: null, lastT: -Infinity, minExp: NO_EXPIRATION, validity: 0, origTtl: 0 });
      }
    }
    let servers = byAgentServer.get(r.agent_id);
    if (servers === undefined) byAgentServer.set(r.agent_id, (servers = new Map()));
    servers.set(r.server, d.v);
  }

  for (const d of drafts.values()) if (d.parts.length > 1) mergeCadence(d.v, d.parts);
  /** Series of vantage points with several agents: the last run end seen per agent (for prevLast). */
  const agentEnds = new Map<Series, Map<string, number>>();
  for (const d of drafts.values()) if (d.parts.length > 1) for (const s of d.v.series.values()) agentEnds.set(s, new Map());

  const stateByKey = new Map<string, RunState>();
  const states: RunState[] = [];
  const sigSamples = new Map<string, SigSample>();
  const samples: ObservationRow[] = [];
  // per series: its latest run row and that row's state (the next row's state is usually the same)
  const latest = new Map<Series, { rec: RunRecord; state: RunState; row: ObservationRow | null }>();
  const windows = { raw: { length: 0 }, rrsig_key_tags: EMPTY_NUMS, rrsig_inceptions: EMPTY_NUMS, rrsig_expirations: EMPTY_NUMS };
  const w: SignatureWindows = { minExp: NO_EXPIRATION, validity: 0, origTtl: 0 };
  let firstT = Infinity;
  let lastT = -Infinity;
  for (const rec of answers) {
    const v = byAgentServer.get(rec.agent_id)?.get(rec.server);
    const s = v?.series.get(rec.qtype);
    if (v === undefined || s === undefined) continue;
    // the first row is materialized only where the analysis keeps it: a new state, a new signature sample, a new run
    let row: ObservationRow | null = null;
    const prev = latest.get(s);
    let st: RunState | undefined;
    if (prev !== undefined && sameStateColumns(prev.rec, rec)) st = prev.state;
    else {
      row = firstRowOf(rec);
      st = internState(states, stateByKey, row);
    }
    signatureWindowsInto(w, rec);
    const minExp = w.minExp;
    const orig = w.origTtl;
    const ex = rec.rrsig_expirations;
    if (ex.length > 0) {
      // buildRuns keys samples by (qtype, state key, windows); the state id stands for both
      windows.raw.length = rec.raw_length;
      windows.rrsig_key_tags = rec.rrsig_key_tags;
      windows.rrsig_inceptions = rec.rrsig_inceptions;
      windows.rrsig_expirations = ex;
      const wk = `${st.id}|${windowsKey(windows as unknown as ObservationRow)}`;
      if (!sigSamples.has(wk)) {
        row ??= firstRowOf(rec);
        sigSamples.set(wk, { row, state: st, vantage: v });
      }
    }
    const last = s.runs.length === 0 ? undefined : s.runs[s.runs.length - 1];
    const ends = agentEnds.get(s);
    if (last !== undefined && last.state === st) {
      if (rec.last_ms > last.last) last.last = rec.last_ms;
      last.count += rec.count;
      if (rec.max_ttl > last.maxTtl) last.maxTtl = rec.max_ttl;
      if (orig > last.maxOrigTtl) last.maxOrigTtl = orig;
      if (minExp < last.minExpiration) last.minExpiration = minExp;
      // the first such observation of the run (runs of several agents may overlap in time)
      if (rec.expired_at_ms !== 0 && (last.expiredAt === 0 || rec.expired_at_ms < last.expiredAt)) last.expiredAt = rec.expired_at_ms;
      if (rec.expiring_at_ms !== 0 && (last.expiringAt === 0 || rec.expiring_at_ms < last.expiringAt)) last.expiringAt = rec.expiring_at_ms;
    } else {
      row ??= firstRowOf(rec);
      let prevLast = rec.has_prev === 1 ? rec.prev_last_ms : null;
      if (ends !== undefined) {
        // several agents: the series' last answer before this run is the latest of any agent's
        prevLast = null;
        for (const e of ends.values()) if (e < rec.first_ms && (prevLast === null || e > prevLast)) prevLast = e;
      }
      s.runs.push({
        state: st, first: rec.first_ms, last: rec.last_ms, count: rec.count, prevLast,
        maxTtl: rec.max_ttl, maxOrigTtl: orig, expiredAt: rec.expired_at_ms, expiringAt: rec.expiring_at_ms, minExpiration: minExp, sample: row,
      });
    }
    ends?.set(rec.agent_id, rec.last_ms);
    if (row !== null) samples.push(row);
    for (let i = 0; i < rec.serials.length; i += 2) {
      const serial = rec.serials[i + 1] as number;
      if (s.serials.length === 0 || s.serials[s.serials.length - 1] !== serial) s.serials.push(rec.serials[i] as number, serial);
    }
    if (prev === undefined) latest.set(s, { rec, state: st, row });
    else if (rec.last_ms >= prev.rec.last_ms) {
      prev.rec = rec;
      prev.state = st;
      prev.row = row;
    }
    if (rec.first_ms < firstT) firstT = rec.first_ms;
    if (rec.last_ms > lastT) lastT = rec.last_ms;
  }
  // several agents' SOA serial changes: in time order, a change only where the serial differs from the previous
  for (const s of agentEnds.keys()) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < s.serials.length; i += 2) pairs.push([s.serials[i] as number, s.serials[i + 1] as number]);
    pairs.sort((a, b) => a[0] - b[0]);
    s.serials = [];
    for (const [t, serial] of pairs) if (s.serials.length === 0 || s.serials[s.serials.length - 1] !== serial) s.serials.push(t, serial);
  }
  // each series' state after its last run
  for (const [s, l] of latest) {
    if (l.row === null) {
      l.row = firstRowOf(l.rec);
      samples.push(l.row);
    }
    s.last = l.row;
    s.lastT = l.rec.last_ms;
    signatureWindowsInto(s, l.rec);
  }
  for (const rec of failures) {
    const s = byAgentServer.get(rec.agent_id)?.get(rec.server)?.series.get(rec.qtype);
    if (s === undefined) continue;
    const f: FailurePeriod = { first: rec.first_ms, last: rec.last_ms, count: rec.count, rcode: rec.rcode, kind: rec.failure_kind, ede: rec.ede_codes };
    s.failures.push(f);
  }

  const runs: RunSet = {
    vantages, states, sigSamples, counts, firstT: firstT === Infinity ? 0 : firstT, lastT: lastT === -Infinity ? 0 : lastT, uploadDelayByAgent,
  };

  // Raw bytes the analysis decodes: every signature sample, and per DNSKEY key set the first run with bytes
  // in the order attachKeyRdata (signatures.ts) visits them.
  const wanted = new Map<string, ObservationRow>();
  const want = (row: ObservationRow): void => {
    wanted.set(`${row.agent_id}/${row.seq}/${row.idx}`, row);
  };
  for (const sample of sigSamples.values()) if (sample.row.raw.length > 0) want(sample.row);
  const done = new Set<number>();
  for (const v of vantages) {
    const s: Series | undefined = v.series.get(QTYPE.DNSKEY);
    if (s === undefined) continue;
    for (const run of s.runs) {
      if (done.has(run.state.id) || run.sample.raw.length === 0) continue;
      done.add(run.state.id);
      want(run.sample);
    }
  }
  return {
    runs,
    late,
    wanted: [...wanted.values()].map((r) => ({ agent_id: r.agent_id, seq: r.seq, idx: r.idx })),
    attachRaw(raws: ReadonlyMap<string, Uint8Array>): void {
      for (const row of samples) row.raw = raws.get(`${row.agent_id}/${row.seq}/${row.idx}`) ?? EMPTY;
    },
  };
}

export interface StoredAnalysis {
  analysis: ZoneAnalysis;
  /** Run rows read. */
  runs: number;
  /** Raw responses fetched. */
  raws: number;
  /** Raw responses the analysis needed (to verify signatures) that are not in run_samples. */
  missingRaw: number;
  /** Stored rows not in the runs (they came late; the collector re-folds them). */
  late: number;
  timings: { readMs: number; rawMs: number; analyzeMs: number };
}

/**
 * Analyses a zone from its stored runs, or returns null when the zone has none. `options.from/to`
 * select the runs that overlap the window (whole runs: a run is not cut at the window's edges).
 */
export async function analyzeZoneFromRuns(store: Store, options: AnalyzeOptions): Promise<StoredAnalysis | null> {
  const zone = normalizeZone(options.zone);
  const q = { zone, ...(options.from !== undefined ? { fromMs: options.from } : {}), ...(options.to !== undefined ? { toMs: options.to } : {}) };
  const read = await readStoredRuns(store, q);
  return read === null ? null : analyseStoredRuns(store, read, options);
}

interface StoredRead {
  zone: string;
  records: number;
  stored: ReturnType<typeof runSetFromStored>;
  readMs: number;
}

/** The zone's stored runs assembled into a RunSet (raw bytes not fetched yet), or null when it has none. */
async function readStoredRuns(store: Store, q: RunQuery): Promise<StoredRead | null> {
  const t0 = performance.now();
  const records: RunRecord[] = [];
  for await (const chunk of store.streamRuns(q)) for (const r of chunk) records.push(r);
  if (records.length === 0) return null;
  return { zone: q.zone, records: records.length, stored: runSetFromStored(records), readMs: performance.now() - t0 };
}

/** Fetches the raw samples the analysis verifies, then analyses. */
async function analyseStoredRuns(store: Store, read: StoredRead, options: AnalyzeOptions): Promise<StoredAnalysis> {
  const { stored } = read;
  const t1 = performance.now();
  const raws = await store.runSamples(read.zone, stored.wanted);
  stored.attachRaw(raws);
  let missingRaw = 0;
  for (const k of stored.wanted) if (!raws.has(`${k.agent_id}/${k.seq}/${k.idx}`)) missingRaw++;
  const t2 = performance.now();
  const analysis = analyzeRunSet(stored.runs, options);
  if (missingRaw > 0) {
    analysis.quality.notes.push(`${missingRaw} raw responses the stored runs point to are missing from run_samples: their signatures were not verified; run \`kto-collector rebuild-runs\``);
  }
  if (stored.late > 0) {
    analysis.quality.notes.push(`${stored.late} observations reached the collector after later ones of their vantage point and are not in the stored runs yet: the collector re-folds their vantage points from the stored rows by itself within a flush or two (\`kto-collector rebuild-runs\` if it stopped before that)`);
  }
  const t3 = performance.now();
  return { analysis, runs: read.records, raws: raws.size, missingRaw, late: stored.late, timings: { readMs: read.readMs, rawMs: t2 - t1, analyzeMs: t3 - t2 } };
}

/** A zone's whole history from its runs when they hold every stored row of it, else why not. */
export type CoveringAnalysis = { result: StoredAnalysis; observations: number; reason: null } | { result: null; observations: number; reason: string };

/**
 * Analyses a zone's whole history from its stored runs (up to `now`) if they hold every stored row of
 * the zone and none came late; otherwise says why (the caller reads the rows).
 */
export async function analyzeZoneIfRunsCover(store: Store, zone: string, now: number): Promise<CoveringAnalysis> {
  // the coverage is checked before the raw samples are fetched and the runs analysed: a zone whose runs
  // do not cover it is analysed from rows, and that work would be thrown away
  const read = await readStoredRuns(store, { zone: normalizeZone(zone) });
  if (read === null) return { result: null, observations: 0, reason: 'no stored runs for the zone' };
  const rows = await store.countObservations({ zone });
  const held = read.stored.runs.counts.rows;
  if (held !== rows) {
    return {
      result: null, observations: rows,
      reason: `the stored runs hold ${held} of ${rows} stored rows: runs of a flush in progress or not written yet (the collector re-folds those by itself), or rows stored before the runs table or before a crash (run \`kto-collector rebuild-runs\`)`,
    };
  }
  if (read.stored.late > 0) {
    return { result: null, observations: rows, reason: `${read.stored.late} rows came late and are not in the runs yet: the collector re-folds them by itself within a flush or two` };
  }
  const result = await analyseStoredRuns(store, read, { zone, now });
  if (result.missingRaw > 0) return { result: null, observations: rows, reason: `${result.missingRaw} raw samples of the runs are missing: run \`kto-collector rebuild-runs\`` };
  return { result, observations: rows, reason: null };
}
