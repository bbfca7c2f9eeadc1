// Every statement the stores send, as text, shared by the chdb and the server store. Values enter only
// through escape.ts; table names are qualified with the (validated) database, so no statement depends on
// a current database. The SQL stays within what ClickHouse 18.16 and chdb (26.x) both run: no CTEs,
// window functions or query parameters; FINAL on ReplacingMergeTree, filters on non-key columns outside it.
import { sqlString, sqlUInt } from './escape.js';
import { ANALYSIS_COLUMNS } from './analysis-rows.js';
import { AGENT_COLUMNS, OBSERVATION_SELECT, TOKEN_COLUMNS, ZONE_COLUMNS, LEDGER_COLUMNS } from './rows.js';
import { RUN_COLUMNS, RUN_EXTENT_COLUMNS, RUN_KEY_COLUMNS, RUN_PACKED_SELECT } from './run-rows.js';
import type { ObservationQuery, RunQuery, RunSampleKey, VantageKey } from './types.js';

/** Run columns a run_extents row overrides. */
const EXTENT_COLUMN: ReadonlySet<string> = new Set(RUN_EXTENT_COLUMNS);

/** Largest second a DateTime holds (2106-02-07). */
const MAX_DATETIME_S = 0xffff_ffff;

export class StoreSql {
  readonly observations: string;
  readonly batches: string;
  readonly agents: string;
  readonly enrolmentTokens: string;
  readonly enrolmentUses: string;
  readonly zones: string;
  readonly migrations: string;
  readonly analyses: string;
  readonly keySightings: string;
  readonly transitions: string;
  readonly findings: string;
  readonly vantageLag: string;
  readonly runs: string;
  readonly runSamples: string;
  readonly runExtents: string;

  /** `database` must satisfy isSqlIdentifier (checked by openStore). */
  constructor(readonly database: string) {
    this.observations = `${database}.observations`;
    this.batches = `${database}.batches`;
    this.agents = `${database}.agents`;
    this.enrolmentTokens = `${database}.enrolment_tokens`;
    this.enrolmentUses = `${database}.enrolment_uses`;
    this.zones = `${database}.zones`;
    this.migrations = `${database}.schema_migrations`;
    this.analyses = `${database}.analyses`;
    this.keySightings = `${database}.key_sightings`;
    this.transitions = `${database}.transitions`;
    this.findings = `${database}.findings`;
    this.vantageLag = `${database}.vantage_lag`;
    this.runs = `${database}.runs`;
    this.runSamples = `${database}.run_samples`;
    this.runExtents = `${database}.run_extents`;
  }

  createDatabase(): string {
    return `CREATE DATABASE IF NOT EXISTS ${this.database}`;
  }

  createMigrationsTable(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.migrations} (name String, checksum String, applied_at_ms UInt64) ` +
      'ENGINE = ReplacingMergeTree(applied_at_ms) ORDER BY name';
  }

  appliedMigrations(): string {
    return `SELECT name, any(checksum) AS checksum FROM ${this.migrations} GROUP BY name ORDER BY name`;
  }

  version(): string {
    return 'SELECT version() AS version';
  }

  /** Keyset page of observations ordered by (observed_at_ms, agent_id, seq, idx). */
  selectObservations(q: Omit<ObservationQuery, 'limit'>, limit: number): string {
    const where = [`zone = ${sqlString(q.zone)}`];
    // observed_at (seconds, in the sort key and the partition key) bounds the scan; observed_at_ms decides.
    let lowMs = q.fromMs;
    if (q.fromMs !== undefined) where.push(`observed_at_ms >= ${sqlUInt(q.fromMs, 'fromMs')}`);
    if (q.toMs !== undefined) {
      where.push(`observed_at_ms < ${sqlUInt(q.toMs, 'toMs')}`);
      if (q.toMs > 0 && (q.toMs - 1) / 1000 <= MAX_DATETIME_S) {
        where.push(`observed_at <= toDateTime(${Math.floor((q.toMs - 1) / 1000)})`);
      }
    }
    if (q.agentId !== undefined) where.push(`agent_id = ${sqlString(q.agentId)}`);
    if (q.server !== undefined) where.push(`server = ${sqlString(q.server)}`);
    if (q.qtype !== undefined) where.push(`qtype = ${sqlUInt(q.qtype, 'qtype')}`);
    const a = q.after;
    if (a !== undefined) {
      where.push(
        `(observed_at_ms, agent_id, seq, idx) > (${sqlUInt(a.observed_at_ms, 'after.observed_at_ms')}, ` +
          `${sqlString(a.agent_id)}, ${sqlUInt(a.seq, 'after.seq')}, ${sqlUInt(a.idx, 'after.idx')})`,
      );
      if (lowMs === undefined || a.observed_at_ms > lowMs) lowMs = a.observed_at_ms;
    }
    if (lowMs !== undefined && lowMs / 1000 <= MAX_DATETIME_S) {
      where.push(`observed_at >= toDateTime(${Math.floor(lowMs / 1000)})`);
    }
    return `SELECT ${OBSERVATION_SELECT} FROM ${this.observations} WHERE ${where.join(' AND ')} ` +
      `ORDER BY observed_at_ms, agent_id, seq, idx LIMIT ${sqlUInt(limit, 'limit')}`;
  }

  countObservations(filter: { agentId?: string; zone?: string }): string {
    const where: string[] = [];
    if (filter.zone !== undefined) where.push(`zone = ${sqlString(filter.zone)}`);
    if (filter.agentId !== undefined) where.push(`agent_id = ${sqlString(filter.agentId)}`);
    return `SELECT count() AS n FROM ${this.observations}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
  }

  agentActivity(sinceMs: number): string {
    const since = sqlUInt(sinceMs, 'sinceMs');
    const bound = sinceMs / 1000 <= MAX_DATETIME_S ? ` AND observed_at >= toDateTime(${Math.floor(sinceMs / 1000)})` : '';
    return `SELECT agent_id, count() AS observations, max(observed_at_ms) AS last_observed_at_ms ` +
      `FROM ${this.observations} WHERE observed_at_ms >= ${since}${bound} GROUP BY agent_id`;
  }

  /**
   * Batches with observations received at or after `sinceMs` and no ledger row: one row per batch with
   * its row count and last receive time. Scans received_at_ms of all observations (not in the sort key).
   */
  unledgeredBatches(sinceMs: number): string {
    return `SELECT agent_id, seq, count() AS rows, max(received_at_ms) AS stored_at_ms FROM ${this.observations} ` +
      `WHERE received_at_ms >= ${sqlUInt(sinceMs, 'sinceMs')} ` +
      `AND (agent_id, seq) NOT IN (SELECT agent_id, seq FROM ${this.batches}) ` +
      'GROUP BY agent_id, seq ORDER BY agent_id, seq';
  }

  storedIndexes(batches: readonly { agent_id: string; seq: number }[], receivedSinceMs: number): string {
    const keys = batches.map((b) => `(${sqlString(b.agent_id)}, ${sqlUInt(b.seq, 'seq')})`).join(', ');
    return `SELECT agent_id, seq, groupArray(idx) AS idx FROM ${this.observations} ` +
      `WHERE received_at_ms >= ${sqlUInt(receivedSinceMs, 'receivedSinceMs')} AND (agent_id, seq) IN (${keys}) ` +
      'GROUP BY agent_id, seq';
  }

  ledgerMaxSeq(): string {
    return `SELECT agent_id, max(seq) AS seq FROM ${this.batches} GROUP BY agent_id`;
  }

  ledgerGet(agentId: string, seq: number): string {
    return `SELECT ${LEDGER_COLUMNS.join(', ')} FROM ${this.batches} FINAL ` +
      `WHERE agent_id = ${sqlString(agentId)} AND seq = ${sqlUInt(seq, 'seq')}`;
  }

  ledgerLastStoredAt(): string {
    return `SELECT max(stored_at_ms) AS stored_at_ms FROM ${this.batches}`;
  }

  agentGet(agentId: string): string {
    return `SELECT ${AGENT_COLUMNS.join(', ')} FROM ${this.agents} FINAL WHERE agent_id = ${sqlString(agentId)}`;
  }

  agentsList(): string {
    return `SELECT ${AGENT_COLUMNS.join(', ')} FROM ${this.agents} FINAL ORDER BY agent_id`;
  }

  tokenGet(tokenSha256: string): string {
    return `SELECT ${TOKEN_COLUMNS.join(', ')} FROM ${this.enrolmentTokens} FINAL ` +
      `WHERE token_sha256 = ${sqlString(tokenSha256)}`;
  }

  tokenUses(tokenSha256: string): string {
    return `SELECT uniqExact(agent_id) AS uses FROM ${this.enrolmentUses} WHERE token_sha256 = ${sqlString(tokenSha256)}`;
  }

  /** Zones whose latest version is not a tombstone; `removed` is filtered after FINAL has picked that version. */
  zonesList(): string {
    return `SELECT ${ZONE_COLUMNS.join(', ')} FROM (SELECT ${ZONE_COLUMNS.join(', ')} FROM ${this.zones} FINAL) ` +
      'WHERE removed = 0';
  }

  /** The zone's analysis header with the latest computed_at_ms (zone is in the key: filtered inside FINAL). */
  latestAnalysisHeader(zone: string): string {
    return `SELECT ${ANALYSIS_COLUMNS.join(', ')} FROM ${this.analyses} FINAL WHERE zone = ${sqlString(zone)} ` +
      'ORDER BY computed_at_ms DESC, version DESC LIMIT 1';
  }

  /** Every item row of one analysis id in `table` (all versions still stored; the caller picks one). */
  analysisItems(table: string, columns: readonly string[], zone: string, analysisId: string): string {
    return `SELECT ${columns.join(', ')} FROM ${table} FINAL ` +
      `WHERE zone = ${sqlString(zone)} AND analysis_id = ${sqlString(analysisId)} ORDER BY idx`;
  }
  /**
   * The current run rows of `where` (a condition on key columns, applied to both tables): each `runs` row
   * (FINAL) with the extent columns of its `run_extents` row (FINAL) when that has a higher version
   * (migration 0013); without one the join gives version 0. Both sides rename the extent columns (b_*,
   * e_*): an alias equal to a column name it reads is cyclic in ClickHouse.
   */
  private currentRuns(where: string): string {
    const base = RUN_COLUMNS.map((c) => (EXTENT_COLUMN.has(c) ? `${c} AS b_${c}` : c)).join(', ');
    const ext = [...RUN_KEY_COLUMNS, ...RUN_EXTENT_COLUMNS.map((c) => `${c} AS e_${c}`)].join(', ');
    const cols = RUN_COLUMNS.map((c) => (EXTENT_COLUMN.has(c) ? `if(e_version > b_version, e_${c}, b_${c}) AS ${c}` : c)).join(', ');
    return `SELECT ${cols} FROM (SELECT ${base} FROM ${this.runs} FINAL WHERE ${where}) AS b ` +
      `ANY LEFT JOIN (SELECT ${ext} FROM ${this.runExtents} FINAL WHERE ${where}) AS e USING (${RUN_KEY_COLUMNS.join(', ')})`;
  }

  /**
   * The zone's current run rows (currentRuns), packed (run-rows.ts), in the order of their first rows (the
   * order the analyzer assembles them in). The window filters the current rows; vantage rows always pass.
   */
  selectRuns(q: RunQuery): string {
    const inner = this.currentRuns(`zone = ${sqlString(q.zone)}`);
    const where: string[] = [];
    if (q.fromMs !== undefined) where.push(`last_ms >= ${sqlUInt(q.fromMs, 'fromMs')}`);
    if (q.toMs !== undefined) where.push(`first_ms < ${sqlUInt(q.toMs, 'toMs')}`);
    const filter = where.length === 0 ? '' : ` WHERE kind = 'vantage' OR (${where.join(' AND ')})`;
    return `SELECT ${RUN_PACKED_SELECT} FROM (${inner})${filter} ORDER BY first_ms, agent_id, seq, idx`;
  }

  /**
   * The vantage rows and open runs (current rows: currentRuns) of some vantage points; the zones bound the
   * key range read; `open` is not in the key, so it filters the current rows.
   */
  selectVantageRuns(vantages: readonly VantageKey[]): string {
    const zones = [...new Set(vantages.map((v) => v.zone))].map(sqlString).join(', ');
    const keys = vantages.map((v) => `(${sqlString(v.zone)}, ${sqlString(v.agent_id)}, ${sqlString(v.server)})`).join(', ');
    return `SELECT ${RUN_COLUMNS.join(', ')} FROM (${this.currentRuns(`zone IN (${zones}) AND (zone, agent_id, server) IN (${keys})`)}) ` +
      `WHERE kind = 'vantage' OR open = 1`;
  }

  /**
   * The vantage points of some zones that have a vantage row (of any version: it is only ever rewritten).
   * Asked by zone alone: a list of (zone, agent_id, server) tuples costs the engine ~10 x as much to parse
   * (chdb: ~45 ms against ~4 ms for 2,000 vantage points).
   */
  selectRunVantages(zones: readonly string[]): string {
    return `SELECT DISTINCT zone, agent_id, server FROM ${this.runs} WHERE zone IN (${zones.map(sqlString).join(', ')}) AND kind = 'vantage'`;
  }

  /** Raw responses of first rows of answer runs (duplicates of a retried insert are alike: any copy does). */
  selectRunSamples(zone: string, keys: readonly RunSampleKey[]): string {
    const list = keys.map((k) => `(${sqlString(k.agent_id)}, ${sqlUInt(k.seq, 'seq')}, ${sqlUInt(k.idx, 'idx')})`).join(', ');
    return `SELECT agent_id, seq, idx, hex(raw) AS raw FROM ${this.runSamples} WHERE zone = ${sqlString(zone)} ` +
      `AND (agent_id, seq, idx) IN (${list})`;
  }
}
