// Folding observations into stored runs at ingest: the same per-row pass as the analyzer's buildRuns
// (packages/analyzer/src/runs.ts), cut by the same content comparison (@kto/core run-content.ts), kept open per
// vantage point in memory between flushes and written through to `runs` after every flush, so the
// table always holds the fold of every row stored before it. A vantage point not in memory (new, evicted,
// or after a restart) is resumed from its stored run rows (load()).
//
// Rows must come in time order per vantage point. A row older than the last row already folded for its
// vantage point cannot be placed exactly any more: it is counted (`late`) and not folded, and fold()
// names its vantage point (FoldResult.late); a fold of that vantage point's stored rows afresh
// (rebuild.ts refoldRows: the writer does it after the flush) folds it in its place.
import type { ObservationRow, RunRecord, RunSample, VantageKey } from '../storage/types.js';
import { emptyRunRecord } from '../storage/run-rows.js';
import { NO_EXPIRATION, expiryAt, failureKind, normalizeHost, noteInterval, sameContent, signatureWindowsInto, wellFormed } from '@kto/core';

const QTYPE_SOA = 6;
/** Vantage points a folder keeps in memory by default (the collector passes insert.runCacheVantages). */
export const DEFAULT_MAX_VANTAGES = 100_000;

interface SeriesState {
  qtype: number;
  /** The open answer run (the series' latest). */
  answer: RunRecord | null;
  failure: RunRecord | null;
  lastT: number;
  lastSeq: number;
  lastIdx: number;
  minExp: number;
  validity: number;
  origTtl: number;
  lastSerial: number;
}

interface VantageState {
  record: RunRecord;
  series: Map<number, SeriesState>;
  lastT: number;
}

/**
 * What one fold() changed: run rows to write, and the raw responses of the runs that started.
 * `extended` holds the rows of `runs` that existed before this fold (read from the store or made by an
 * earlier fold of this folder): when every fold's result is written (as the writer does), their whole
 * rows are stored already and only their extent columns need writing (Store.insertRuns).
 */
export interface FoldResult {
  runs: RunRecord[];
  samples: RunSample[];
  extended: Set<RunRecord>;
  /** The vantage points that met rows older than their last folded row (counted `late`, not folded). */
  late: VantageKey[];
}

const keyOf = (zone: string, agentId: string, server: string): string => `${zone}\n${agentId}\n${server}`;

function newSeries(qtype: number): SeriesState {
  return {
    qtype, answer: null, failure: null, lastT: -Infinity, lastSeq: 0, lastIdx: 0, minExp: NO_EXPIRATION, validity: 0, origTtl: 0, lastSerial: -1,
  };
}

/** Row order of the store: (observed_at_ms, agent_id, seq, idx). */
export function compareRowOrder(a: ObservationRow, b: ObservationRow): number {
  if (a.observed_at_ms !== b.observed_at_ms) return a.observed_at_ms - b.observed_at_ms;
  if (a.agent_id !== b.agent_id) return a.agent_id < b.agent_id ? -1 : 1;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.idx - b.idx;
}

export class RunFolder {
  /** Vantage points in memory, least recently folded first. */
  private readonly vantages = new Map<string, VantageState>();
  private lastVersion = 0;

  /**
   * `maxVantages`: vantage points kept in memory, the least recently used dropped and re-read from the
   * store when their rows come again (about 2 kB per series, measured: ~11 kB for a vantage point asking
   * six qtypes). Size it to the vantage points that report: a smaller cache re-reads on most flushes.
   */
  constructor(private readonly maxVantages = DEFAULT_MAX_VANTAGES) {}

  get size(): number {
    return this.vantages.size;
  }

  /** The vantage points of `rows` not in memory: load them from the store (Store.vantageRuns) before fold(). */
  missing(rows: readonly ObservationRow[]): VantageKey[] {
    const out: VantageKey[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as ObservationRow;
      const k = keyOf(r.zone, r.agent_id, r.server);
      if (this.vantages.has(k) || seen.has(k)) continue;
      seen.add(k);
      out.push({ zone: r.zone, agent_id: r.agent_id, server: r.server });
    }
    return out;
  }

  /**
   * Resumes vantage points from their stored run rows (Store.vantageRuns). A vantage point without a
   * stored row starts empty at its first row. Of several vantage rows of one vantage point (a rebuild
   * that folded a row earlier than the first one folded before writes its vantage row under another
   * key), the one of the latest rebuild is current (as Store.streamRuns reads them).
   */
  load(records: readonly RunRecord[]): void {
    const byVantage = new Map<string, RunRecord[]>();
    for (const r of records) {
      if (r.version > this.lastVersion) this.lastVersion = r.version;
      const k = keyOf(r.zone, r.agent_id, r.server);
      let list = byVantage.get(k);
      if (list === undefined) byVantage.set(k, (list = []));
      list.push(r);
    }
    for (const [k, list] of byVantage) {
      let vr: RunRecord | undefined;
      for (const r of list) {
        if (r.kind !== 'vantage') continue;
        if (vr === undefined || r.rebuilt_ms > vr.rebuilt_ms || (r.rebuilt_ms === vr.rebuilt_ms && r.version > vr.version)) vr = r;
      }
      if (vr === undefined) continue; // runs without their vantage row: none to resume (a rebuild writes both)
      if (vr.rebuilt_ms > this.lastVersion) this.lastVersion = vr.rebuilt_ms;
      const v: VantageState = { record: vr, series: new Map(), lastT: vr.last_ms };
      for (const qt of vr.qtypes) v.series.set(qt, newSeries(qt));
      for (const r of list) {
        if (r.kind === 'vantage' || r.version < vr.rebuilt_ms) continue;
        const s = v.series.get(r.qtype);
        if (s === undefined) continue;
        if (r.kind === 'answer') {
          if (s.answer === null || r.first_ms > s.answer.first_ms) s.answer = r;
        } else if (r.kind === 'failure') {
          if (s.failure === null || r.first_ms > s.failure.first_ms) s.failure = r;
        }
      }
      for (const s of v.series.values()) {
        const a = s.answer;
        if (a === null) continue;
        s.lastT = a.last_ms;
        s.lastSeq = a.last_seq;
        s.lastIdx = a.last_idx;
        s.lastSerial = a.last_serial;
        signatureWindowsInto(s, a);
      }
      this.vantages.set(k, v);
    }
  }

  /** A version above every version this folder wrote or read, and at least `now`. */
  nextVersion(now: number): number {
    this.lastVersion = Math.max(now, this.lastVersion + 1);
    return this.lastVersion;
  }

  /** Drops the in-memory state of these vantage points (e.g. after their runs failed to be written). */
  forget(keys: Iterable<VantageKey>): void {
    for (const k of keys) this.vantages.delete(keyOf(k.zone, k.agent_id, k.server));
  }

  /**
   * Folds rows (any order: sorted here per the store's row order) into the open runs and returns the run
   * rows that changed, all with `version`, and the raw responses of the runs that started. Vantage points
   * must be loaded first (missing() / load()).
   */
  fold(rows: readonly ObservationRow[], version: number): FoldResult {
    let sorted = rows;
    for (let i = 1; i < rows.length; i++) {
      if (compareRowOrder(rows[i - 1] as ObservationRow, rows[i] as ObservationRow) > 0) {
        sorted = [...rows].sort(compareRowOrder);
        break;
      }
    }
    const changed = new Set<RunRecord>();
    const created = new Set<RunRecord>();
    const samples: RunSample[] = [];
    const late: VantageKey[] = [];
    let lateSeen: Set<RunRecord> | null = null;
    let v: VantageState | undefined;
    let vk = '';
    for (let n = 0; n < sorted.length; n++) {
      const r = sorted[n] as ObservationRow;
      const t = r.observed_at_ms;
      const k = keyOf(r.zone, r.agent_id, r.server);
      if (k !== vk || v === undefined) {
        vk = k;
        v = this.vantages.get(k);
        if (v === undefined) {
          const rec = emptyRunRecord(r.zone, r.agent_id, r.server, 0, 'vantage', t);
          created.add(rec);
          rec.seq = r.seq;
          rec.idx = r.idx;
          rec.vantage_kind = r.vantage_kind;
          rec.server_name = normalizeHost(r.server_name ?? '');
          rec.country = r.country ?? '';
          rec.continent = r.continent ?? '';
          rec.min_upload_delay = r.received_at_ms - t;
          v = { record: rec, series: new Map(), lastT: -Infinity };
        } else {
          this.vantages.delete(k); // re-inserted below: most recently used last
        }
        this.vantages.set(k, v);
      }
      const vr = v.record;
      changed.add(vr);
      if (t < v.lastT) {
        vr.late++;
        if (!(lateSeen ??= new Set()).has(vr)) {
          lateSeen.add(vr);
          late.push({ zone: vr.zone, agent_id: vr.agent_id, server: vr.server });
        }
        continue;
      }
      vr.observations++;
      if (t > v.lastT) {
        if (v.lastT !== -Infinity) vr.provisional = noteInterval(vr.deltas, vr.long_gaps, vr.provisional, v.lastT, t);
        v.lastT = t;
        vr.last_ms = t;
      }
      const upload = r.received_at_ms - t;
      if (upload < vr.min_upload_delay) vr.min_upload_delay = upload;

      let s = v.series.get(r.qtype);
      if (s === undefined) {
        s = newSeries(r.qtype);
        v.series.set(r.qtype, s);
        vr.qtypes.push(r.qtype);
      }
      if (s.answer !== null && t === s.lastT && s.lastSeq === r.seq && s.lastIdx === r.idx) {
        vr.duplicates++;
        continue;
      }
      const failure = failureKind(r.status, r.rcode);
      if (failure !== null) {
        vr.failed++;
        const f = s.failure;
        const nf = this.failure(s, r, t, version, failure);
        if (f !== nf) {
          created.add(nf);
          if (f !== null) {
            f.open = 0;
            changed.add(f);
          }
        }
        changed.add(nf);
        continue;
      }
      if (r.tc === 1 && r.tc_retry !== 1) {
        vr.truncated++;
        continue;
      }
      if (!wellFormed(r)) {
        vr.malformed++;
        continue;
      }
      vr.used++;
      if (r.raw.length === 0) vr.without_raw++;

      let run = s.answer;
      if (run === null || !sameContent(run, r)) {
        signatureWindowsInto(s, r);
        run = emptyRunRecord(r.zone, r.agent_id, r.server, r.qtype, 'answer', t);
        created.add(run);
        run.seq = r.seq;
        run.idx = r.idx;
        run.has_prev = s.lastT === -Infinity ? 0 : 1;
        run.prev_last_ms = s.lastT === -Infinity ? 0 : s.lastT;
        run.raw_length = r.raw.length;
        if (r.raw.length > 0) samples.push({ zone: r.zone, agent_id: r.agent_id, seq: r.seq, idx: r.idx, raw: r.raw });
        run.vantage_kind = r.vantage_kind;
        run.last_serial = s.lastSerial;
        run.dnskey_flags = r.dnskey_flags;
        run.dnskey_algorithms = r.dnskey_algorithms;
        run.dnskey_key_tags = r.dnskey_key_tags;
        run.dnskey_key_hashes = r.dnskey_key_hashes;
        run.dnskey_key_bits = r.dnskey_key_bits;
        run.ds_key_tags = r.ds_key_tags;
        run.ds_algorithms = r.ds_algorithms;
        run.ds_digest_types = r.ds_digest_types;
        run.ds_digests = r.ds_digests;
        run.ns_hosts = r.ns_hosts;
        run.csync_serial = r.csync_serial;
        run.csync_flags = r.csync_flags;
        run.csync_types = r.csync_types;
        run.rrsig_type_covered = r.rrsig_type_covered;
        run.rrsig_algorithms = r.rrsig_algorithms;
        run.rrsig_original_ttls = r.rrsig_original_ttls;
        run.rrsig_inceptions = r.rrsig_inceptions;
        run.rrsig_expirations = r.rrsig_expirations;
        run.rrsig_key_tags = r.rrsig_key_tags;
        if (s.answer !== null) {
          s.answer.open = 0; // no longer the series' latest: written closed
          changed.add(s.answer);
        }
        s.answer = run;
      }
      changed.add(run);
      run.last_ms = t;
      run.count++;
      run.last_seq = r.seq;
      run.last_idx = r.idx;
      if (r.answer_ttl > run.max_ttl) run.max_ttl = r.answer_ttl;
      const expiry = expiryAt(s, t);
      if (expiry === 'expired') {
        if (run.expired_at_ms === 0) run.expired_at_ms = t;
      } else if (expiry === 'expiring' && run.expiring_at_ms === 0) {
        run.expiring_at_ms = t;
      }
      if (r.qtype === QTYPE_SOA && r.vantage_kind === 'authoritative' && s.lastSerial !== r.soa_serial) {
        run.serials.push(t, r.soa_serial);
        s.lastSerial = r.soa_serial;
      }
      run.last_serial = s.lastSerial;
      s.lastT = t;
      s.lastSeq = r.seq;
      s.lastIdx = r.idx;
    }
    const out = [...changed];
    const extended = new Set<RunRecord>();
    for (const rec of out) {
      rec.version = version;
      if (!created.has(rec)) extended.add(rec);
    }
    if (version > this.lastVersion) this.lastVersion = version;
    while (this.vantages.size > this.maxVantages) {
      const oldest = this.vantages.keys().next();
      if (oldest.done === true) break;
      this.vantages.delete(oldest.value);
    }
    return { runs: out, samples, extended, late };
  }

  private failure(s: SeriesState, r: ObservationRow, t: number, version: number, kind: string): RunRecord {
    const f = s.failure;
    // a failure period continues while no answer came in between
    if (f !== null && f.failure_kind === kind && f.rcode === r.rcode && f.last_ms >= s.lastT) {
      f.last_ms = t;
      f.count++;
      for (const e of r.ede_codes ?? []) if (!f.ede_codes.includes(e)) f.ede_codes.push(e);
      return f;
    }
    const nf = emptyRunRecord(r.zone, r.agent_id, r.server, r.qtype, 'failure', t);
    nf.count = 1;
    nf.rcode = r.rcode;
    nf.failure_kind = kind;
    nf.ede_codes = [...(r.ede_codes ?? [])];
    nf.seq = r.seq;
    nf.idx = r.idx;
    nf.version = version;
    s.failure = nf;
    return nf;
  }
}
