// The Store contract (types.ts) over a Driver: one implementation of the logic for both transports, so
// the embedded and the server store send the same statements (sql.ts) and the same payloads (rows.ts).
import { compareNames, KtoError } from '@kto/core';
import {
  ANALYSIS_COLUMNS, encodeAnalysisHeader, encodeFindings, encodeKeySightings, encodeTransitions, encodeVantageLag,
  FINDING_COLUMNS, KEY_SIGHTING_COLUMNS, TRANSITION_COLUMNS, VANTAGE_LAG_COLUMNS,
} from './analysis-rows.js';
import type { Driver } from './driver.js';
import { readMigrations, runMigrations } from './migrations.js';
import {
  AGENT_COLUMNS, bytesFromHex, decodeObservation, encodeAgent, encodeEnrolmentUse, encodeLedger, encodeObservations, encodeToken,
  encodeZone, ENROLMENT_USE_COLUMNS, LEDGER_COLUMNS, OBSERVATION_COLUMNS, TOKEN_COLUMNS, ZONE_COLUMNS,
  type ObservationJson,
} from './rows.js';
import {
  encodeRunExtents, encodeRunSamples, encodeRuns, type PackedRun, RUN_COLUMNS, RUN_EXTENT_ROW_COLUMNS, RUN_SAMPLE_COLUMNS, unpackRun,
} from './run-rows.js';
import { StoreSql } from './sql.js';
import type {
  AgentRecord, AnalysisHeader, AnalysisRecord, BatchLedgerEntry, EnrolmentToken, FindingRecord, KeySightingRecord,
  MigrationReport, ObservationQuery, ObservationRow, RunQuery, RunRecord, RunSample, RunSampleKey, Store, TransitionRecord, VantageKey, VantageLagRecord,
  ZoneRecord,
} from './types.js';

/** Item columns read back: all but the (zone, analysis_id) the query filters on. */
const itemSelect = (columns: readonly string[]): string[] => columns.filter((c) => c !== 'zone' && c !== 'analysis_id');
const KEY_SIGHTING_SELECT = itemSelect(KEY_SIGHTING_COLUMNS);
const TRANSITION_SELECT = itemSelect(TRANSITION_COLUMNS);
const FINDING_SELECT = itemSelect(FINDING_COLUMNS);
const VANTAGE_LAG_SELECT = itemSelect(VANTAGE_LAG_COLUMNS);

/** Times latestAnalysis reads again when an analysis was replaced while it read (a newer version seen). */
const LATEST_ANALYSIS_ATTEMPTS = 3;

/**
 * The rows of exactly `version` (rows of an earlier, longer run under the same id have older versions),
 * without their version column; `newer` tells whether a later run has replaced rows meanwhile.
 */
function ofVersion<T>(rows: (T & { version?: number })[], version: number): { items: T[]; newer: boolean } {
  const items: T[] = [];
  let newer = false;
  for (const r of rows) {
    const v = r.version as number;
    if (v > version) newer = true;
    else if (v === version) {
      delete r.version;
      items.push(r);
    }
  }
  return { items, newer };
}

/** Rows per page of streamObservations. */
export const STREAM_PAGE_ROWS = 10_000;

/** Vantage points one vantageRuns query asks for (the rest in further queries). */
const VANTAGES_PER_QUERY = 2_000;

/** Zones one query for the vantage points with stored runs asks for (vantageRuns). */
const ZONES_PER_QUERY = 5_000;

/** Run samples one runSamples query asks for (the rest in further queries). */
const SAMPLES_PER_QUERY = 5_000;

/**
 * Keeps, per vantage point (of one zone), what its last rebuild wrote and what was written after it: the
 * answer and failure rows of a version at least its rebuilt_ms (older ones are left from before it), and
 * the vantage row of that rebuild. A rebuild whose first row is earlier than the first row folded before
 * (a late row) writes its vantage row under another key (first_ms, seq, idx): the vantage rows with a
 * lower rebuilt_ms are then left from before it too.
 */
export function currentRuns(records: RunRecord[]): RunRecord[] {
  const rebuilt = new Map<string, number>();
  for (const r of records) {
    if (r.kind !== 'vantage' || r.rebuilt_ms === 0) continue;
    const k = `${r.agent_id}\n${r.server}`;
    if (r.rebuilt_ms > (rebuilt.get(k) ?? 0)) rebuilt.set(k, r.rebuilt_ms);
  }
  if (rebuilt.size === 0) return records;
  return records.filter((r) => {
    const since = rebuilt.get(`${r.agent_id}\n${r.server}`) ?? 0;
    return r.kind === 'vantage' ? r.rebuilt_ms >= since : r.version >= since;
  });
}

export class SqlStore implements Store {
  readonly mode: 'chdb' | 'server';
  private readonly sql: StoreSql;
  private closed = false;

  constructor(
    private readonly driver: Driver,
    database: string,
    private readonly migrationsDir: string,
  ) {
    this.mode = driver.mode;
    this.sql = new StoreSql(database);
  }

  private open(what: string): void {
    if (this.closed) throw new KtoError('KTO_ERR_STORE_CLOSED', `${this.mode} store: ${what} after close()`);
  }

  async migrate(): Promise<MigrationReport> {
    this.open('migrate');
    const files = await readMigrations(this.migrationsDir);
    return runMigrations(this.driver, this.sql, files, await this.serverVersion());
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    return this.driver.ping();
  }

  async serverVersion(): Promise<string> {
    this.open('serverVersion');
    const [row] = await this.driver.select<{ version: string }>(this.sql.version());
    return row?.version ?? '';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }

  async insertObservations(rows: readonly ObservationRow[]): Promise<void> {
    this.open('insertObservations');
    if (rows.length === 0) return;
    const payload = encodeObservations(rows);
    await this.driver.insertTsv(this.sql.observations, OBSERVATION_COLUMNS, payload, rows.length);
  }

  async insertLedger(entries: readonly BatchLedgerEntry[]): Promise<void> {
    this.open('insertLedger');
    if (entries.length === 0) return;
    await this.driver.insertTsv(this.sql.batches, LEDGER_COLUMNS, encodeLedger(entries), entries.length);
  }

  async ledgerMaxSeq(): Promise<Map<string, number>> {
    this.open('ledgerMaxSeq');
    const out = new Map<string, number>();
    for (const r of await this.driver.select<{ agent_id: string; seq: number }>(this.sql.ledgerMaxSeq())) {
      out.set(r.agent_id, r.seq);
    }
    return out;
  }

  async ledgerGet(agentId: string, seq: number): Promise<BatchLedgerEntry | null> {
    this.open('ledgerGet');
    const [row] = await this.driver.select<BatchLedgerEntry>(this.sql.ledgerGet(agentId, seq));
    return row ?? null;
  }

  async reconcileLedger(sinceMs: number): Promise<number> {
    this.open('reconcileLedger');
    const found = await this.driver.select<{ agent_id: string; seq: number; rows: number; stored_at_ms: number }>(
      this.sql.unledgeredBatches(sinceMs),
    );
    if (found.length === 0) return 0;
    const entries: BatchLedgerEntry[] = found.map((f) => ({
      agent_id: f.agent_id, seq: f.seq, rows: f.rows, body_sha256: '', created_at_ms: 0, stored_at_ms: f.stored_at_ms,
    }));
    await this.insertLedger(entries);
    return entries.length;
  }

  async storedIndexes(batches: readonly { agent_id: string; seq: number }[], receivedSinceMs: number): Promise<Map<string, number[]>> {
    this.open('storedIndexes');
    const out = new Map<string, number[]>();
    if (batches.length === 0) return out;
    const found = await this.driver.select<{ agent_id: string; seq: number; idx: number[] }>(
      this.sql.storedIndexes(batches, receivedSinceMs),
    );
    for (const f of found) out.set(`${f.agent_id}/${f.seq}`, f.idx.map(Number));
    return out;
  }

  async ledgerLastStoredAt(): Promise<number> {
    this.open('ledgerLastStoredAt');
    const [row] = await this.driver.select<{ stored_at_ms: number | null }>(this.sql.ledgerLastStoredAt());
    return row?.stored_at_ms ?? 0;
  }

  async upsertAgent(agent: AgentRecord): Promise<void> {
    this.open('upsertAgent');
    await this.driver.insertTsv(this.sql.agents, AGENT_COLUMNS, encodeAgent(agent), 1);
  }

  async getAgent(agentId: string): Promise<AgentRecord | null> {
    this.open('getAgent');
    const [row] = await this.driver.select<AgentRecord>(this.sql.agentGet(agentId));
    return row ?? null;
  }

  async listAgents(): Promise<AgentRecord[]> {
    this.open('listAgents');
    return this.driver.select<AgentRecord>(this.sql.agentsList());
  }

  async agentActivity(sinceMs: number): Promise<Map<string, { observations: number; last_observed_at_ms: number }>> {
    this.open('agentActivity');
    const rows = await this.driver.select<{ agent_id: string; observations: number; last_observed_at_ms: number }>(
      this.sql.agentActivity(sinceMs),
    );
    const out = new Map<string, { observations: number; last_observed_at_ms: number }>();
    for (const r of rows) out.set(r.agent_id, { observations: r.observations, last_observed_at_ms: r.last_observed_at_ms });
    return out;
  }

  async putEnrolmentToken(token: EnrolmentToken): Promise<void> {
    this.open('putEnrolmentToken');
    await this.driver.insertTsv(this.sql.enrolmentTokens, TOKEN_COLUMNS, encodeToken(token), 1);
  }

  async getEnrolmentToken(tokenSha256: string): Promise<EnrolmentToken | null> {
    this.open('getEnrolmentToken');
    const [row] = await this.driver.select<EnrolmentToken>(this.sql.tokenGet(tokenSha256));
    return row ?? null;
  }

  async enrolmentTokenUses(tokenSha256: string): Promise<number> {
    this.open('enrolmentTokenUses');
    const [row] = await this.driver.select<{ uses: number }>(this.sql.tokenUses(tokenSha256));
    return row?.uses ?? 0;
  }

  async recordEnrolmentUse(tokenSha256: string, agentId: string, atMs: number): Promise<void> {
    this.open('recordEnrolmentUse');
    await this.driver.insertTsv(this.sql.enrolmentUses, ENROLMENT_USE_COLUMNS, encodeEnrolmentUse(tokenSha256, agentId, atMs), 1);
  }

  async putZone(zone: ZoneRecord): Promise<void> {
    this.open('putZone');
    await this.driver.insertTsv(this.sql.zones, ZONE_COLUMNS, encodeZone(zone), 1);
  }

  async listZones(): Promise<ZoneRecord[]> {
    this.open('listZones');
    const zones = await this.driver.select<ZoneRecord>(this.sql.zonesList());
    return zones.sort((a, b) => compareNames(a.zone, b.zone));
  }

  async queryObservations(q: ObservationQuery): Promise<ObservationRow[]> {
    this.open('queryObservations');
    const rows = await this.driver.select<ObservationJson>(this.sql.selectObservations(q, q.limit));
    for (let i = 0; i < rows.length; i++) decodeObservation(rows[i] as ObservationJson);
    return rows as unknown as ObservationRow[];
  }

  async *streamObservations(
    q: Omit<ObservationQuery, 'limit' | 'after'> & { limit?: number },
  ): AsyncIterable<ObservationRow[]> {
    let left = q.limit ?? Number.POSITIVE_INFINITY;
    const { limit: _total, ...filter } = q;
    let after: ObservationQuery['after'];
    while (left > 0) {
      const limit = Math.min(left, STREAM_PAGE_ROWS);
      const page = await this.queryObservations(after === undefined ? { ...filter, limit } : { ...filter, limit, after });
      if (page.length === 0) return;
      yield page;
      if (page.length < limit) return;
      left -= page.length;
      const last = page[page.length - 1] as ObservationRow;
      after = { observed_at_ms: last.observed_at_ms, agent_id: last.agent_id, seq: last.seq, idx: last.idx };
    }
  }

  async insertRuns(records: readonly RunRecord[], samples: readonly RunSample[] = [], extended?: ReadonlySet<RunRecord>): Promise<void> {
    this.open('insertRuns');
    let whole = records;
    const extents: RunRecord[] = [];
    if (extended !== undefined && extended.size > 0) {
      const w: RunRecord[] = [];
      for (const r of records) (extended.has(r) ? extents : w).push(r);
      whole = w;
    }
    // payloads first: a bad value refuses all before anything is written; samples before the runs naming them
    const runs = whole.length === 0 ? null : encodeRuns(whole);
    const ext = extents.length === 0 ? null : encodeRunExtents(extents);
    if (samples.length > 0) await this.driver.insertTsv(this.sql.runSamples, RUN_SAMPLE_COLUMNS, encodeRunSamples(samples), samples.length);
    if (runs !== null) await this.driver.insertTsv(this.sql.runs, RUN_COLUMNS, runs, whole.length);
    if (ext !== null) await this.driver.insertTsv(this.sql.runExtents, RUN_EXTENT_ROW_COLUMNS, ext, extents.length);
  }

  async *streamRuns(q: RunQuery): AsyncIterable<RunRecord[]> {
    this.open('streamRuns');
    const packed = await this.driver.select<PackedRun>(this.sql.selectRuns(q));
    const all = new Array<RunRecord>(packed.length);
    for (let i = 0; i < packed.length; i++) all[i] = unpackRun(q.zone, packed[i] as PackedRun);
    const rows = currentRuns(all);
    if (rows.length > 0) yield rows;
  }

  async vantageRuns(vantages: readonly VantageKey[]): Promise<RunRecord[]> {
    this.open('vantageRuns');
    // Only a vantage point with a vantage row has runs to resume from (RunFolder.load): find those first,
    // by zone, so that vantage points seen for the first time (all of them when a collector starts on
    // new zones) cost no query by key.
    const stored = new Set<string>();
    const zones = [...new Set(vantages.map((v) => v.zone))];
    for (let i = 0; i < zones.length; i += ZONES_PER_QUERY) {
      const found = await this.driver.select<VantageKey>(this.sql.selectRunVantages(zones.slice(i, i + ZONES_PER_QUERY)));
      for (const k of found) stored.add(`${k.zone}\n${k.agent_id}\n${k.server}`);
    }
    const wanted = vantages.filter((v) => stored.has(`${v.zone}\n${v.agent_id}\n${v.server}`));
    const out: RunRecord[] = [];
    for (let i = 0; i < wanted.length; i += VANTAGES_PER_QUERY) {
      for (const r of await this.driver.select<RunRecord>(this.sql.selectVantageRuns(wanted.slice(i, i + VANTAGES_PER_QUERY)))) out.push(r);
    }
    return out;
  }

  async runSamples(zone: string, keys: readonly RunSampleKey[]): Promise<Map<string, Uint8Array>> {
    this.open('runSamples');
    const out = new Map<string, Uint8Array>();
    for (let i = 0; i < keys.length; i += SAMPLES_PER_QUERY) {
      const part = keys.slice(i, i + SAMPLES_PER_QUERY);
      const found = await this.driver.select<{ agent_id: string; seq: number; idx: number; raw: string }>(this.sql.selectRunSamples(zone, part));
      for (const f of found) out.set(`${f.agent_id}/${f.seq}/${f.idx}`, bytesFromHex(f.raw));
    }
    return out;
  }

  async putAnalysis(a: AnalysisRecord): Promise<void> {
    this.open('putAnalysis');
    const h = a.header;
    // payloads first, so that a bad value refuses the whole analysis before anything is written
    const header = encodeAnalysisHeader(h);
    const parts: [string, readonly string[], Buffer, number][] = [
      [this.sql.keySightings, KEY_SIGHTING_COLUMNS, encodeKeySightings(h, a.keys), a.keys.length],
      [this.sql.transitions, TRANSITION_COLUMNS, encodeTransitions(h, a.transitions), a.transitions.length],
      [this.sql.findings, FINDING_COLUMNS, encodeFindings(h, a.findings), a.findings.length],
      [this.sql.vantageLag, VANTAGE_LAG_COLUMNS, encodeVantageLag(h, a.lag), a.lag.length],
    ];
    for (const [table, columns, payload, rows] of parts) {
      if (rows > 0) await this.driver.insertTsv(table, columns, payload, rows);
    }
    // the header last: readers find an analysis through it, and then its items are all there
    await this.driver.insertTsv(this.sql.analyses, ANALYSIS_COLUMNS, header, 1);
  }

  async latestAnalysis(zone: string): Promise<AnalysisRecord | null> {
    this.open('latestAnalysis');
    let result: AnalysisRecord | null = null;
    for (let attempt = 0; attempt < LATEST_ANALYSIS_ATTEMPTS; attempt++) {
      const [header] = await this.driver.select<AnalysisHeader>(this.sql.latestAnalysisHeader(zone));
      if (header === undefined) return null;
      const id = header.analysis_id;
      const [keys, transitions, findings, lag] = await Promise.all([
        this.driver.select<KeySightingRecord>(this.sql.analysisItems(this.sql.keySightings, KEY_SIGHTING_SELECT, zone, id)),
        this.driver.select<TransitionRecord>(this.sql.analysisItems(this.sql.transitions, TRANSITION_SELECT, zone, id)),
        this.driver.select<FindingRecord>(this.sql.analysisItems(this.sql.findings, FINDING_SELECT, zone, id)),
        this.driver.select<VantageLagRecord>(this.sql.analysisItems(this.sql.vantageLag, VANTAGE_LAG_SELECT, zone, id)),
      ]);
      const k = ofVersion(keys, header.version);
      const t = ofVersion(transitions, header.version);
      const f = ofVersion(findings, header.version);
      const l = ofVersion(lag, header.version);
      result = { header, keys: k.items, transitions: t.items, findings: f.items, lag: l.items };
      // a run under the same id stored items after this header was read: read its header again
      if (!(k.newer || t.newer || f.newer || l.newer)) break;
    }
    return result;
  }

  async latestAnalysisHeader(zone: string): Promise<AnalysisHeader | null> {
    this.open('latestAnalysisHeader');
    const [header] = await this.driver.select<AnalysisHeader>(this.sql.latestAnalysisHeader(zone));
    return header ?? null;
  }

  async countObservations(filter: { agentId?: string; zone?: string } = {}): Promise<number> {
    this.open('countObservations');
    const [row] = await this.driver.select<{ n: number }>(this.sql.countObservations(filter));
    return row?.n ?? 0;
  }
}
