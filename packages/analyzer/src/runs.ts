// The hot path: one pass over the observations of a zone that folds them into runs. A run is a maximal
// sequence of consecutive observations of one RRset type at one vantage point that show the same content
// (key set, DS set, NS set, signers). Everything the analyzer derives later reads runs, never rows, so the
// per-row work is a few array comparisons; content keys are built and interned only when content changes.
// Failed queries, truncated answers, malformed summaries, duplicates and gaps are counted here.

import { NO_EXPIRATION, expiryAt, failureKind, medianInterval, normalizeHost, noteInterval, sameContent, signatureWindowsInto, wellFormed } from '@kto/core';
import { QTYPE } from './observation.js';
import type { ObservationRow } from './observation.js';

/** Interned content of an answer (order-insensitive: records and RRSIGs sorted). */
export interface RunState {
  id: number;
  key: string;
  qtype: number;
  /** DNSKEY / CDNSKEY records. */
  keys: readonly StateKey[];
  /** RRSIGs: type covered, algorithm, key tag. */
  sigs: readonly StateSig[];
  /** DS / CDS records. */
  ds: readonly StateDs[];
  ns: readonly string[];
  csync: { serial: number; flags: number; types: readonly number[] } | null;
}

export interface StateKey {
  algorithm: number;
  tag: number;
  hash: string;
  flags: number;
  bits: number;
}

export interface StateSig {
  covered: number;
  algorithm: number;
  tag: number;
}

export interface StateDs {
  tag: number;
  algorithm: number;
  digestType: number;
  digest: string;
}

export interface Run {
  state: RunState;
  /** First / last observation (ms) of the run. */
  first: number;
  last: number;
  count: number;
  /** Last observation of the same series before this run (null: the series starts with it). */
  prevLast: number | null;
  /** Largest answer TTL served during the run (seconds). */
  maxTtl: number;
  /** Largest RRSIG original TTL seen during the run (seconds). */
  maxOrigTtl: number;
  /** First observation (ms) that carried an RRSIG past its expiration; 0: none. */
  expiredAt: number;
  /** First observation (ms) that carried an RRSIG about to expire (less than its TTL or a tenth of its validity left); 0: none. */
  expiringAt: number;
  /** Smallest RRSIG expiration seen (s), and the validity period of that RRSIG (s). */
  minExpiration: number;
  /** The first observation of the run (its raw bytes are used to verify signatures). */
  sample: ObservationRow;
}

/** Non-answers of one series: failed queries and error RCODEs, folded into periods. */
export interface FailurePeriod {
  first: number;
  last: number;
  count: number;
  rcode: number;
  /** 'servfail' | 'timeout' | 'network_error' | ... | 'rcode' */
  kind: string;
  ede: number[];
}

export interface Series {
  qtype: number;
  runs: Run[];
  failures: FailurePeriod[];
  /** SOA serial changes: [time, serial] pairs (authoritative SOA series only). */
  serials: number[];
  // state of the pass
  last: ObservationRow | null;
  lastT: number;
  minExp: number;
  validity: number;
  origTtl: number;
}

export interface Vantage {
  index: number;
  /**
   * `${agent_id}|${server}` for a resolver (each agent's resolver is its own vantage point: its own
   * cache); `authoritative|${server}` for an authoritative server, whose view combines what every
   * agent saw of it (one server serves one zone state at a time, whoever asks).
   */
  id: string;
  /** The agent (for an authoritative server: the first agent whose rows were seen; see `agents`). */
  agent_id: string;
  /** Every agent whose rows this vantage point holds. */
  agents: string[];
  server: string;
  server_name: string;
  kind: 'resolver' | 'authoritative' | 'unknown';
  country: string;
  continent: string;
  series: Map<number, Series>;
  observations: number;
  firstT: number;
  lastT: number;
  /** The first intervals between distinct observation times (cadence estimate). */
  deltas: number[];
  /** Median of the first intervals, updated as they come (1, 2, 4 ... 64 of them). */
  provisional: number;
  /** Intervals longer than 1.5 x the provisional cadence: [from, to] pairs (gap candidates). */
  longGaps: number[];
  /** Smallest (received_at - observed_at), for clock skew (agent ahead of the collector when negative). */
  minUploadDelay: number;
}

export interface SigSample {
  row: ObservationRow;
  state: RunState;
  vantage: Vantage;
}

export interface RunSet {
  vantages: Vantage[];
  states: RunState[];
  /** One row per distinct (content, RRSIG windows, response size): the signatures to verify. */
  sigSamples: Map<string, SigSample>;
  counts: {
    rows: number;
    used: number;
    otherZone: number;
    outsideWindow: number;
    duplicates: number;
    outOfOrder: number;
    truncated: number;
    failed: number;
    malformed: number;
    withoutRaw: number;
  };
  firstT: number;
  lastT: number;
  /** Smallest (received_at - observed_at) per agent, for clock skew (an agent ahead of the collector when negative). */
  uploadDelayByAgent: Map<string, number>;
}

export interface RunOptions {
  zone: string;
  from: number;
  to: number;
}

/** The interned state of a row (built only when content changed). */
export function stateKeyOf(r: ObservationRow): string {
  const parts: string[] = [];
  for (let i = 0; i < r.dnskey_key_hashes.length; i++) {
    parts.push(`k${r.dnskey_algorithms[i]}:${r.dnskey_key_tags[i]}:${r.dnskey_key_hashes[i]}:${r.dnskey_flags[i]}`);
  }
  for (let i = 0; i < r.ds_key_tags.length; i++) {
    parts.push(`d${r.ds_key_tags[i]}:${r.ds_algorithms[i]}:${r.ds_digest_types[i]}:${r.ds_digests[i]}`);
  }
  for (const h of r.ns_hosts) parts.push(`n${normalizeHost(h)}`);
  for (let i = 0; i < r.rrsig_key_tags.length; i++) {
    parts.push(`s${r.rrsig_type_covered[i]}:${r.rrsig_algorithms[i]}:${r.rrsig_key_tags[i]}`);
  }
  if (r.qtype === QTYPE.CSYNC && r.csync_serial !== 0) parts.push(`c${r.csync_serial}:${r.csync_flags}:${r.csync_types.join(',')}`);
  parts.sort();
  // duplicates (the same RRSIG twice) collapse
  let out = `${r.qtype}`;
  let prev = '';
  for (const p of parts) {
    if (p !== prev) out += `|${p}`;
    prev = p;
  }
  return out;
}

/** The interned state of a row's content: the one of `states` with its key, or a new one appended to them. */
export function internState(states: RunState[], byKey: Map<string, RunState>, r: ObservationRow): RunState {
  const key = stateKeyOf(r);
  let st = byKey.get(key);
  if (st === undefined) {
    st = buildState(states.length, key, r);
    states.push(st);
    byKey.set(key, st);
  }
  return st;
}

function buildState(id: number, key: string, r: ObservationRow): RunState {
  const keys: StateKey[] = [];
  const seenKey = new Set<string>();
  for (let i = 0; i < r.dnskey_key_hashes.length; i++) {
    const k: StateKey = {
      algorithm: r.dnskey_algorithms[i] as number, tag: r.dnskey_key_tags[i] as number, hash: r.dnskey_key_hashes[i] as string,
      flags: r.dnskey_flags[i] as number, bits: r.dnskey_key_bits[i] ?? 0,
    };
    const kk = `${k.algorithm}:${k.tag}:${k.hash}:${k.flags}`;
    if (!seenKey.has(kk)) {
      seenKey.add(kk);
      keys.push(k);
    }
  }
  const sigs: StateSig[] = [];
  const seenSig = new Set<string>();
  for (let i = 0; i < r.rrsig_key_tags.length; i++) {
    const s: StateSig = { covered: r.rrsig_type_covered[i] as number, algorithm: r.rrsig_algorithms[i] as number, tag: r.rrsig_key_tags[i] as number };
    const sk = `${s.covered}:${s.algorithm}:${s.tag}`;
    if (!seenSig.has(sk)) {
      seenSig.add(sk);
      sigs.push(s);
    }
  }
  const ds: StateDs[] = [];
  for (let i = 0; i < r.ds_key_tags.length; i++) {
    ds.push({ tag: r.ds_key_tags[i] as number, algorithm: r.ds_algorithms[i] as number, digestType: r.ds_digest_types[i] as number, digest: r.ds_digests[i] as string });
  }
  const ns = [...new Set(r.ns_hosts.map(normalizeHost))].sort();
  const csync = r.qtype === QTYPE.CSYNC && r.csync_serial !== 0 ? { serial: r.csync_serial, flags: r.csync_flags, types: [...r.csync_types] } : null;
  return { id, key, qtype: r.qtype, keys, sigs, ds, ns, csync };
}

export function windowsKey(r: ObservationRow): string {
  let s = `${r.raw.length}`;
  for (let i = 0; i < r.rrsig_key_tags.length; i++) s += `|${r.rrsig_key_tags[i]}:${r.rrsig_inceptions[i]}:${r.rrsig_expirations[i]}`;
  return s;
}

/** The owner part of an authoritative server's vantage id (resolver vantages are owned by their agent id). */
const AUTHORITATIVE = 'authoritative';

/** Folds the rows of one zone into runs per vantage point and RRset type. Rows may come in any order. */
export function buildRuns(rows: readonly ObservationRow[], opts: RunOptions): RunSet {
  const counts = {
    rows: rows.length, used: 0, otherZone: 0, outsideWindow: 0, duplicates: 0, outOfOrder: 0, truncated: 0, failed: 0, malformed: 0, withoutRaw: 0,
  };
  // observations out of order: process through a sorted index (stable, by time)
  let order: number[] | null = null;
  let prevT = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const t = (rows[i] as ObservationRow).observed_at_ms;
    if (t < prevT) counts.outOfOrder++;
    else prevT = t;
  }
  if (counts.outOfOrder > 0) {
    order = Array.from({ length: rows.length }, (_, i) => i);
    order.sort((a, b) => ((rows[a] as ObservationRow).observed_at_ms - (rows[b] as ObservationRow).observed_at_ms) || a - b);
  }

  const vantages: Vantage[] = [];
  // per agent for resolvers; authoritative servers under one key: several agents asking one server
  // see one sequence of states (a clean switch must not read as two servers serving at once)
  const byAgent = new Map<string, Map<string, Vantage>>();
  const uploadDelayByAgent = new Map<string, number>();
  const stateByKey = new Map<string, RunState>();
  const states: RunState[] = [];
  const sigSamples = new Map<string, SigSample>();
  const zone = opts.zone;
  const from = opts.from;
  const to = opts.to;
  let firstT = Infinity;
  let lastT = -Infinity;

  for (let n = 0; n < rows.length; n++) {
    const r = rows[order === null ? n : (order[n] as number)] as ObservationRow;
    if (r.zone !== zone && (typeof r.zone !== 'string' || normalizeZone(r.zone) !== zone)) {
      counts.otherZone++;
      continue;
    }
    const t = r.observed_at_ms;
    if (!(t >= from && t < to)) {
      if (typeof t === 'number' && Number.isFinite(t)) counts.outsideWindow++;
      else counts.malformed++;
      continue;
    }
    const auth = r.vantage_kind === 'authoritative';
    const owner = auth ? AUTHORITATIVE : r.agent_id;
    let agents = byAgent.get(owner);
    if (agents === undefined) {
      agents = new Map();
      byAgent.set(owner, agents);
    }
    let v = agents.get(r.server);
    if (v === undefined) {
      v = {
        index: vantages.length, id: `${owner}|${r.server}`, agent_id: r.agent_id, agents: [r.agent_id], server: r.server,
        server_name: normalizeHost(r.server_name ?? ''), kind: r.vantage_kind, country: auth ? '' : r.country ?? '', continent: auth ? '' : r.continent ?? '',
        series: new Map(), observations: 0, firstT: t, lastT: -Infinity, deltas: [], provisional: 0, longGaps: [], minUploadDelay: Infinity,
      };
      agents.set(r.server, v);
      vantages.push(v);
    } else if (auth && v.agent_id !== r.agent_id && !v.agents.includes(r.agent_id)) {
      v.agents.push(r.agent_id);
    }
    v.observations++;
    if (t > v.lastT) {
      if (v.lastT !== -Infinity) v.provisional = noteInterval(v.deltas, v.longGaps, v.provisional, v.lastT, t);
      v.lastT = t;
    }
    const upload = r.received_at_ms - t;
    if (upload < v.minUploadDelay) v.minUploadDelay = upload;
    const ud = uploadDelayByAgent.get(r.agent_id);
    if (ud === undefined || upload < ud) uploadDelayByAgent.set(r.agent_id, upload);

    let s = v.series.get(r.qtype);
    if (s === undefined) {
      s = { qtype: r.qtype, runs: [], failures: [], serials: [], last: null, lastT: -Infinity, minExp: NO_EXPIRATION, validity: 0, origTtl: 0 };
      v.series.set(r.qtype, s);
    }
    const last = s.last;
    if (last !== null && t === s.lastT && last.seq === r.seq && last.idx === r.idx && last.agent_id === r.agent_id) {
      counts.duplicates++;
      continue;
    }
    const failure = failureKind(r.status, r.rcode);
    if (failure !== null) {
      counts.failed++;
      recordFailure(s, r, t, failure);
      continue;
    }
    if (r.tc === 1 && r.tc_retry !== 1) {
      counts.truncated++;
      continue;
    }
    if (!wellFormed(r)) {
      counts.malformed++;
      continue;
    }
    counts.used++;
    if (t < firstT) firstT = t;
    if (t > lastT) lastT = t;
    if (r.raw.length === 0) counts.withoutRaw++;

    let run = s.runs.length === 0 ? undefined : s.runs[s.runs.length - 1];
    if (last === null || run === undefined || !sameContent(last, r)) {
      const st = internState(states, stateByKey, r);
      // RRSIG windows of this content
      signatureWindowsInto(s, r);
      const minExp = s.minExp;
      const orig = s.origTtl;
      if (r.rrsig_expirations.length > 0) {
        const wk = `${r.qtype}|${st.key}|${windowsKey(r)}`;
        if (!sigSamples.has(wk)) sigSamples.set(wk, { row: r, state: st, vantage: v });
      }
      if (run === undefined || run.state !== st) {
        run = {
          state: st, first: t, last: t, count: 0, prevLast: s.lastT === -Infinity ? null : s.lastT, maxTtl: 0, maxOrigTtl: 0,
          expiredAt: 0, expiringAt: 0, minExpiration: minExp, sample: r,
        };
        s.runs.push(run);
      }
      if (orig > run.maxOrigTtl) run.maxOrigTtl = orig;
      if (minExp < run.minExpiration) run.minExpiration = minExp;
    }
    run.last = t;
    run.count++;
    if (r.answer_ttl > run.maxTtl) run.maxTtl = r.answer_ttl;
    const expiry = expiryAt(s, t);
    if (expiry === 'expired') {
      if (run.expiredAt === 0) run.expiredAt = t;
    } else if (expiry === 'expiring' && run.expiringAt === 0) {
      run.expiringAt = t;
    }
    if (r.qtype === QTYPE.SOA && r.vantage_kind === 'authoritative') {
      const sr = s.serials;
      if (sr.length === 0 || sr[sr.length - 1] !== r.soa_serial) sr.push(t, r.soa_serial);
    }
    s.last = r;
    s.lastT = t;
  }
  return { vantages, states, sigSamples, counts, firstT: firstT === Infinity ? 0 : firstT, lastT: lastT === -Infinity ? 0 : lastT, uploadDelayByAgent };
}

function recordFailure(s: Series, r: ObservationRow, t: number, kind: string): void {
  const f = s.failures.length === 0 ? undefined : s.failures[s.failures.length - 1];
  // a failure period continues while no answer came in between
  if (f !== undefined && f.kind === kind && f.rcode === r.rcode && f.last >= s.lastT) {
    f.last = t;
    f.count++;
    for (const e of r.ede_codes ?? []) if (!f.ede.includes(e)) f.ede.push(e);
  } else {
    s.failures.push({ first: t, last: t, count: 1, rcode: r.rcode, kind, ede: [...(r.ede_codes ?? [])] });
  }
}

/** Median interval between the distinct observation times of a vantage point (0 with < 2 observations). */
export function cadenceOf(v: Vantage): number {
  return v.deltas.length === 0 ? 0 : medianInterval(v.deltas);
}

/** Host names compare in lower case with a trailing dot ('' stays ''): core's rule, also the ingest fold's. */
export { normalizeHost };

/** Canonical zone name: lower case with a trailing dot. */
export function normalizeZone(z: string): string {
  const l = z.trim().toLowerCase();
  return l.endsWith('.') ? l : `${l}.`;
}

/** Whether an RRset type is zone data (signed by the ZSK role), i.e. not DNSKEY/CDS/CDNSKEY/DS/NS-at-parent. */
export function isZoneDataType(qtype: number): boolean {
  return qtype !== QTYPE.DNSKEY && qtype !== QTYPE.CDS && qtype !== QTYPE.CDNSKEY && qtype !== QTYPE.DS && qtype !== QTYPE.RRSIG;
}
