// An in-memory Store for unit tests. It honours the storage contract (storage/types.ts): atomic
// inserts, the batch ledger with crash recovery, latest-version ("FINAL") semantics for agents, zones
// and ledger rows, keyset pagination; and it injects faults: an unavailable store, failing inserts,
// slow inserts.
import { compareNames, KtoError } from '@kto/core';
import { STORE_UNAVAILABLE } from '../errors.js';
import type {
  AgentRecord, AnalysisHeader, AnalysisRecord, BatchLedgerEntry, EnrolmentToken, MigrationReport, ObservationQuery, ObservationRow, RunQuery,
  RunRecord, RunSample, RunSampleKey, Store, VantageKey, ZoneRecord,
} from '../storage/types.js';
import { RUN_EXTENT_COLUMNS } from '../storage/run-rows.js';
import { currentRuns } from '../storage/sql-store.js';

export interface MemoryStoreFaults {
  /** Every call fails with KTO_ERR_STORE_UNAVAILABLE and ping() answers false. */
  unavailable: boolean;
  /** The next N insertObservations calls fail with KTO_ERR_STORE_UNAVAILABLE (nothing is stored). */
  failInserts: number;
  /** The next N insertLedger calls fail with KTO_ERR_STORE_UNAVAILABLE. */
  failLedgerInserts: number;
  /** The next insertObservations call fails with this error (a non-transient failure). */
  insertError: Error | null;
  /**
   * The next N insertObservations calls store their rows and THEN fail with KTO_ERR_STORE_UNAVAILABLE
   * (a server that finished the insert after the client timed out).
   */
  landThenFail: number;
  /** Each insertObservations call waits this long before storing (uses setTimeout: fake timers apply). */
  insertDelayMs: number;
  /** The next N insertRuns calls fail with KTO_ERR_STORE_UNAVAILABLE (nothing is stored). */
  failRunInserts: number;
  /** The next insertRuns call fails with this error (a non-transient failure). */
  runInsertError: Error | null;
}

export interface MemoryStoreCalls {
  /** Row count of every successful insertObservations call, in order. */
  insertObservations: number[];
  /** Entry count of every successful insertLedger call, in order. */
  insertLedger: number[];
  /** Row count of every successful insertRuns call, in order. */
  insertRuns: number[];
  /** Every failed insert attempt (any kind). */
  failedInserts: number;
  /** The tables of successful inserts, in order ('observations' | 'runs' | 'batches'). */
  inserts: string[];
}

const key2 = (agentId: string, seq: number): string => `${agentId}\n${seq}`;

/** The columns of a run_extents row past its key (run-rows.ts RUN_EXTENT_COLUMNS). */
type RunExtent = Pick<RunRecord, (typeof RUN_EXTENT_COLUMNS)[number]>;

/** A run's key in `runs` and `run_extents`. */
const runKey = (c: RunRecord): string => [c.zone, c.agent_id, c.server, c.qtype, c.kind, c.first_ms, c.seq, c.idx].join('\n');

/** ClickHouse ReplacingMergeTree(version) read with FINAL: the highest version wins, the later insert on a tie. */
function replaceIfNotOlder<T>(map: Map<string, T>, key: string, rec: T, version: (r: T) => number): void {
  const old = map.get(key);
  if (old === undefined || version(rec) >= version(old)) map.set(key, rec);
}

type RowKey = Pick<ObservationRow, 'observed_at_ms' | 'agent_id' | 'seq' | 'idx'>;

/** The keyset order (observed_at_ms, agent_id, seq, idx). */
function compareRows(a: RowKey, b: RowKey): number {
  if (a.observed_at_ms !== b.observed_at_ms) return a.observed_at_ms - b.observed_at_ms;
  if (a.agent_id !== b.agent_id) return a.agent_id < b.agent_id ? -1 : 1;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.idx - b.idx;
}

export class MemoryStore implements Store {
  readonly mode = 'chdb' as const;
  readonly faults: MemoryStoreFaults = {
    unavailable: false, failInserts: 0, failLedgerInserts: 0, insertError: null, insertDelayMs: 0, landThenFail: 0,
    failRunInserts: 0, runInsertError: null,
  };
  readonly calls: MemoryStoreCalls = { insertObservations: [], insertLedger: [], insertRuns: [], failedInserts: 0, inserts: [] };
  /** Rows per chunk yielded by streamObservations. */
  streamChunkRows = 1_000;

  private readonly observations: ObservationRow[] = [];
  private readonly ledger = new Map<string, BatchLedgerEntry>();
  private readonly agents = new Map<string, AgentRecord>();
  private readonly tokens = new Map<string, EnrolmentToken>();
  private readonly tokenUses = new Map<string, Set<string>>();
  private readonly zones = new Map<string, ZoneRecord>();
  /** zone -> analysis_id -> the stored analysis (the highest version wins, as ReplacingMergeTree). */
  private readonly analyses = new Map<string, Map<string, AnalysisRecord>>();
  /** Run rows by their sort key (zone, agent_id, server, qtype, kind, first_ms, seq, idx); the highest version wins. */
  private readonly runs = new Map<string, RunRecord>();
  /** Extents of runs (as table run_extents), by the same key; the highest version wins. */
  private readonly runExtents = new Map<string, RunExtent>();
  /** Raw responses of first rows of runs, by `${zone}/${agent_id}/${seq}/${idx}`. */
  private readonly runSampleBytes = new Map<string, Uint8Array>();
  private closed = false;

  private gate(what: string): void {
    if (this.closed) throw new KtoError('KTO_ERR_STORE_CLOSED', `memory store: ${what} after close()`);
    if (this.faults.unavailable) throw new KtoError(STORE_UNAVAILABLE, `memory store: ${what}: store unavailable (injected)`);
  }

  async migrate(): Promise<MigrationReport> {
    this.gate('migrate');
    return { applied: [], already: [], serverVersion: 'memory' };
  }

  async ping(): Promise<boolean> {
    return !this.closed && !this.faults.unavailable;
  }

  async serverVersion(): Promise<string> {
    this.gate('serverVersion');
    return 'memory';
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async insertObservations(rows: readonly ObservationRow[]): Promise<void> {
    if (this.faults.insertDelayMs > 0) {
      await new Promise<void>((resolve) => setTimeout(resolve, this.faults.insertDelayMs));
    }
    try {
      this.gate('insertObservations');
      if (this.faults.failInserts > 0) {
        this.faults.failInserts--;
        throw new KtoError(STORE_UNAVAILABLE, 'memory store: insertObservations failed (injected)');
      }
      const err = this.faults.insertError;
      if (err !== null) {
        this.faults.insertError = null;
        throw err;
      }
    } catch (e) {
      this.calls.failedInserts++;
      throw e;
    }
    // Atomic: copy everything first, then append in one step.
    const copies = rows.map((r) => ({ ...r }));
    for (const c of copies) this.observations.push(c);
    this.calls.insertObservations.push(rows.length);
    this.calls.inserts.push('observations');
    if (this.faults.landThenFail > 0) {
      this.faults.landThenFail--;
      this.calls.failedInserts++;
      throw new KtoError(STORE_UNAVAILABLE, 'memory store: insertObservations timed out after storing (injected)');
    }
  }

  async insertLedger(entries: readonly BatchLedgerEntry[]): Promise<void> {
    try {
      this.gate('insertLedger');
      if (this.faults.failLedgerInserts > 0) {
        this.faults.failLedgerInserts--;
        throw new KtoError(STORE_UNAVAILABLE, 'memory store: insertLedger failed (injected)');
      }
    } catch (e) {
      this.calls.failedInserts++;
      throw e;
    }
    for (const e of entries) replaceIfNotOlder(this.ledger, key2(e.agent_id, e.seq), { ...e }, (r) => r.stored_at_ms);
    this.calls.insertLedger.push(entries.length);
    this.calls.inserts.push('batches');
  }

  async ledgerMaxSeq(): Promise<Map<string, number>> {
    this.gate('ledgerMaxSeq');
    const out = new Map<string, number>();
    for (const e of this.ledger.values()) {
      const cur = out.get(e.agent_id);
      if (cur === undefined || e.seq > cur) out.set(e.agent_id, e.seq);
    }
    return out;
  }

  async ledgerGet(agentId: string, seq: number): Promise<BatchLedgerEntry | null> {
    this.gate('ledgerGet');
    const e = this.ledger.get(key2(agentId, seq));
    return e === undefined ? null : { ...e };
  }

  async reconcileLedger(sinceMs: number): Promise<number> {
    this.gate('reconcileLedger');
    const found = new Map<string, { agent_id: string; seq: number; rows: number; last: number }>();
    for (const r of this.observations) {
      if (r.received_at_ms < sinceMs) continue;
      const k = key2(r.agent_id, r.seq);
      if (this.ledger.has(k)) continue;
      const f = found.get(k);
      if (f === undefined) found.set(k, { agent_id: r.agent_id, seq: r.seq, rows: 1, last: r.received_at_ms });
      else {
        f.rows++;
        if (r.received_at_ms > f.last) f.last = r.received_at_ms;
      }
    }
    for (const [k, f] of found) {
      this.ledger.set(k, {
        agent_id: f.agent_id, seq: f.seq, rows: f.rows, body_sha256: '', created_at_ms: 0, stored_at_ms: f.last,
      });
    }
    return found.size;
  }

  async storedIndexes(batches: readonly { agent_id: string; seq: number }[], receivedSinceMs: number): Promise<Map<string, number[]>> {
    this.gate('storedIndexes');
    const wanted = new Set(batches.map((b) => `${b.agent_id}/${b.seq}`));
    const out = new Map<string, number[]>();
    for (const r of this.observations) {
      if (r.received_at_ms < receivedSinceMs) continue;
      const k = `${r.agent_id}/${r.seq}`;
      if (!wanted.has(k)) continue;
      const list = out.get(k);
      if (list === undefined) out.set(k, [r.idx]);
      else list.push(r.idx);
    }
    return out;
  }

  async ledgerLastStoredAt(): Promise<number> {
    this.gate('ledgerLastStoredAt');
    let max = 0;
    for (const e of this.ledger.values()) if (e.stored_at_ms > max) max = e.stored_at_ms;
    return max;
  }

  async upsertAgent(agent: AgentRecord): Promise<void> {
    this.gate('upsertAgent');
    replaceIfNotOlder(this.agents, agent.agent_id, { ...agent }, (r) => r.updated_at_ms);
  }

  async getAgent(agentId: string): Promise<AgentRecord | null> {
    this.gate('getAgent');
    const a = this.agents.get(agentId);
    return a === undefined ? null : { ...a };
  }

  async listAgents(): Promise<AgentRecord[]> {
    this.gate('listAgents');
    return [...this.agents.values()].map((a) => ({ ...a })).sort((a, b) => (a.agent_id < b.agent_id ? -1 : 1));
  }

  async agentActivity(sinceMs: number): Promise<Map<string, { observations: number; last_observed_at_ms: number }>> {
    this.gate('agentActivity');
    const out = new Map<string, { observations: number; last_observed_at_ms: number }>();
    for (const r of this.observations) {
      if (r.observed_at_ms < sinceMs) continue;
      const a = out.get(r.agent_id);
      if (a === undefined) out.set(r.agent_id, { observations: 1, last_observed_at_ms: r.observed_at_ms });
      else {
        a.observations++;
        if (r.observed_at_ms > a.last_observed_at_ms) a.last_observed_at_ms = r.observed_at_ms;
      }
    }
    return out;
  }

  async putEnrolmentToken(token: EnrolmentToken): Promise<void> {
    this.gate('putEnrolmentToken');
    this.tokens.set(token.token_sha256, { ...token });
  }

  async getEnrolmentToken(tokenSha256: string): Promise<EnrolmentToken | null> {
    this.gate('getEnrolmentToken');
    const t = this.tokens.get(tokenSha256);
    return t === undefined ? null : { ...t };
  }

  async enrolmentTokenUses(tokenSha256: string): Promise<number> {
    this.gate('enrolmentTokenUses');
    return this.tokenUses.get(tokenSha256)?.size ?? 0;
  }

  async recordEnrolmentUse(tokenSha256: string, agentId: string, _atMs: number): Promise<void> {
    this.gate('recordEnrolmentUse');
    let s = this.tokenUses.get(tokenSha256);
    if (s === undefined) this.tokenUses.set(tokenSha256, (s = new Set()));
    s.add(agentId);
  }

  async putZone(zone: ZoneRecord): Promise<void> {
    this.gate('putZone');
    replaceIfNotOlder(this.zones, zone.zone, { ...zone, qtypes: [...zone.qtypes] }, (r) => r.updated_at_ms);
  }

  async listZones(): Promise<ZoneRecord[]> {
    this.gate('listZones');
    return [...this.zones.values()]
      .filter((z) => z.removed === 0)
      .map((z) => ({ ...z, qtypes: [...z.qtypes] }))
      .sort((a, b) => compareNames(a.zone, b.zone));
  }

  private select(q: Omit<ObservationQuery, 'limit'>): ObservationRow[] {
    const out: ObservationRow[] = [];
    for (const r of this.observations) {
      if (r.zone !== q.zone) continue;
      if (q.fromMs !== undefined && r.observed_at_ms < q.fromMs) continue;
      if (q.toMs !== undefined && r.observed_at_ms >= q.toMs) continue;
      if (q.agentId !== undefined && r.agent_id !== q.agentId) continue;
      if (q.server !== undefined && r.server !== q.server) continue;
      if (q.qtype !== undefined && r.qtype !== q.qtype) continue;
      if (q.after !== undefined && compareRows(r, q.after) <= 0) continue;
      out.push(r);
    }
    return out.sort(compareRows);
  }

  async queryObservations(q: ObservationQuery): Promise<ObservationRow[]> {
    this.gate('queryObservations');
    return this.select(q).slice(0, q.limit).map((r) => ({ ...r }));
  }

  async *streamObservations(
    q: Omit<ObservationQuery, 'limit' | 'after'> & { limit?: number },
  ): AsyncIterable<ObservationRow[]> {
    this.gate('streamObservations');
    const all = this.select(q);
    const end = q.limit === undefined ? all.length : Math.min(q.limit, all.length);
    for (let i = 0; i < end; i += this.streamChunkRows) {
      this.gate('streamObservations');
      yield all.slice(i, Math.min(end, i + this.streamChunkRows)).map((r) => ({ ...r }));
    }
  }

  async countObservations(filter: { agentId?: string; zone?: string } = {}): Promise<number> {
    this.gate('countObservations');
    let n = 0;
    for (const r of this.observations) {
      if (filter.agentId !== undefined && r.agent_id !== filter.agentId) continue;
      if (filter.zone !== undefined && r.zone !== filter.zone) continue;
      n++;
    }
    return n;
  }

  async insertRuns(records: readonly RunRecord[], samples: readonly RunSample[] = [], extended?: ReadonlySet<RunRecord>): Promise<void> {
    try {
      this.gate('insertRuns');
      if (this.faults.failRunInserts > 0) {
        this.faults.failRunInserts--;
        throw new KtoError(STORE_UNAVAILABLE, 'memory store: insertRuns failed (injected)');
      }
      const err = this.faults.runInsertError;
      if (err !== null) {
        this.faults.runInsertError = null;
        throw err;
      }
    } catch (e) {
      this.calls.failedInserts++;
      throw e;
    }
    this.calls.insertRuns.push(records.length);
    this.calls.inserts.push('runs');
    for (const x of samples) this.runSampleBytes.set(`${x.zone}/${x.agent_id}/${x.seq}/${x.idx}`, x.raw.slice());
    for (const r of records) {
      const key = runKey(r);
      if (extended?.has(r) === true) {
        // as run_extents: its extent columns only, under the run's key
        const e: Partial<RunRecord> = {};
        for (const c of RUN_EXTENT_COLUMNS) (e as Record<string, unknown>)[c] = structuredClone(r[c]);
        replaceIfNotOlder(this.runExtents, key, e as RunExtent, (x) => x.version);
      } else {
        replaceIfNotOlder(this.runs, key, structuredClone(r), (x) => x.version);
      }
    }
  }

  /**
   * The stored runs whose key `keep` selects, as the SQL stores read them: each whole row with its extent
   * when that is newer (copies).
   */
  private currentRuns(keep: (r: RunRecord) => boolean): RunRecord[] {
    const out: RunRecord[] = [];
    for (const [key, r] of this.runs) {
      if (!keep(r)) continue;
      const e = this.runExtents.get(key);
      out.push(structuredClone(e !== undefined && e.version > r.version ? { ...r, ...e } : r));
    }
    return out;
  }

  async *streamRuns(q: RunQuery): AsyncIterable<RunRecord[]> {
    this.gate('streamRuns');
    const rows = this.currentRuns((r) => r.zone === q.zone).filter((r) => r.kind === 'vantage'
      || ((q.fromMs === undefined || r.last_ms >= q.fromMs) && (q.toMs === undefined || r.first_ms < q.toMs)));
    const out = currentRuns(rows);
    if (out.length > 0) yield out;
  }

  async vantageRuns(vantages: readonly VantageKey[]): Promise<RunRecord[]> {
    this.gate('vantageRuns');
    const want = new Set(vantages.map((v) => `${v.zone}\n${v.agent_id}\n${v.server}`));
    return this.currentRuns((r) => want.has(`${r.zone}\n${r.agent_id}\n${r.server}`)).filter((r) => r.kind === 'vantage' || r.open === 1);
  }

  async runSamples(zone: string, keys: readonly RunSampleKey[]): Promise<Map<string, Uint8Array>> {
    this.gate('runSamples');
    const out = new Map<string, Uint8Array>();
    for (const k of keys) {
      const raw = this.runSampleBytes.get(`${zone}/${k.agent_id}/${k.seq}/${k.idx}`);
      if (raw !== undefined) out.set(`${k.agent_id}/${k.seq}/${k.idx}`, raw.slice());
    }
    return out;
  }

  async putAnalysis(a: AnalysisRecord): Promise<void> {
    this.gate('putAnalysis');
    let byId = this.analyses.get(a.header.zone);
    if (byId === undefined) this.analyses.set(a.header.zone, (byId = new Map()));
    replaceIfNotOlder(byId, a.header.analysis_id, structuredClone(a), (r) => r.header.version);
  }

  async latestAnalysis(zone: string): Promise<AnalysisRecord | null> {
    this.gate('latestAnalysis');
    const best = this.latestOf(zone);
    return best === null ? null : structuredClone(best);
  }

  async latestAnalysisHeader(zone: string): Promise<AnalysisHeader | null> {
    this.gate('latestAnalysisHeader');
    const best = this.latestOf(zone);
    return best === null ? null : structuredClone(best.header);
  }

  private latestOf(zone: string): AnalysisRecord | null {
    let best: AnalysisRecord | null = null;
    for (const a of this.analyses.get(zone)?.values() ?? []) {
      const h = a.header;
      if (best === null || h.computed_at_ms > best.header.computed_at_ms ||
        (h.computed_at_ms === best.header.computed_at_ms && h.version > best.header.version)) best = a;
    }
    return best;
  }
}
