// The storage contract of the collector: one interface, two implementations (embedded chdb and a
// ClickHouse server over HTTP). Everything above this file speaks only these types.

/** One stored observation: ARCHITECTURE.md §2 flattened into columns of `observations`. */
export interface ObservationRow {
  // identity of the row: (agent_id, seq, idx) is unique; idx = position in the batch
  agent_id: string;
  seq: number;
  idx: number;
  received_at_ms: number;       // collector clock when the batch arrived
  // who / where
  country: string;              // declared location of the agent ('' = unknown)
  continent: string;
  asn: number;
  vantage_kind: 'resolver' | 'authoritative' | 'unknown';
  server: string;               // address queried
  server_port: number;
  server_name: string;          // NS host name for authoritative vantage points
  family: number;               // 4 | 6 | 0
  transport: 'udp' | 'tcp' | 'unknown';
  tc_retry: number;             // 0 | 1
  // what
  zone: string;                 // canonical, trailing dot
  qname: string;
  qtype: number;
  do_bit: number;
  cd_bit: number;
  edns_udp_size: number;
  // when
  observed_at_ms: number;       // query send time (agent clock), ms since epoch
  rtt_us: number;
  // result
  status: 'ok' | 'timeout' | 'network_error' | 'parse_error' | 'mismatch' | 'unknown';
  error: string;
  rcode: number;
  header_flags: number;
  aa: number;
  tc: number;
  ad: number;
  ede_codes: number[];
  ede_texts: string[];
  attempts: number;
  raw: Uint8Array;              // response bytes exactly as received
  // parsed summary (answer section)
  answer_ttl: number;           // min TTL of the answer RRset of qtype as served; 0 when none
  soa_serial: number;           // SOA serial when the answer holds a SOA, else 0
  dnskey_flags: number[];       // DNSKEY or CDNSKEY records, parallel arrays
  dnskey_protocols: number[];
  dnskey_algorithms: number[];
  dnskey_key_tags: number[];
  dnskey_key_hashes: string[];  // hex, 16 chars
  dnskey_key_bits: number[];
  ds_key_tags: number[];        // DS or CDS records, parallel arrays
  ds_algorithms: number[];
  ds_digest_types: number[];
  ds_digests: string[];         // hex, lower case
  ns_hosts: string[];
  csync_serial: number;
  csync_flags: number;
  csync_types: number[];
  rrsig_type_covered: number[]; // every answer-section RRSIG, parallel arrays
  rrsig_algorithms: number[];
  rrsig_labels: number[];
  rrsig_original_ttls: number[];
  rrsig_inceptions: number[];   // seconds since epoch
  rrsig_expirations: number[];
  rrsig_key_tags: number[];
  rrsig_signers: string[];
  rrsig_ttls: number[];
  rrsig_checks: string[];       // 'unchecked' | 'valid' | 'invalid' | 'key_not_present' | 'unsupported_algorithm'
}

/** A row of `batches`: the ledger of stored batches, written after their observations. */
export interface BatchLedgerEntry {
  agent_id: string;
  seq: number;
  rows: number;
  body_sha256: string;          // hex; a re-sent batch has the same hash, a replay with other content not
  created_at_ms: number;        // agent clock
  stored_at_ms: number;         // collector clock
}

export interface AgentRecord {
  agent_id: string;
  public_key: string;           // Ed25519 raw public key, hex (64 chars)
  country: string;
  continent: string;
  asn: number;
  name: string;                 // optional human label chosen by the volunteer
  enrolled_at_ms: number;
  revoked: number;              // 0 | 1
  revoked_at_ms: number;
  updated_at_ms: number;        // version for ReplacingMergeTree
}

export interface EnrolmentToken {
  token_sha256: string;         // hex of SHA-256(token); the token itself is never stored
  label: string;
  created_at_ms: number;
  expires_at_ms: number;        // 0 = never
  max_uses: number;             // 0 = unlimited
}

export interface ZoneRecord {
  zone: string;                 // canonical
  interval_s: number;           // 0 = agent default
  qtypes: number[];             // empty = default set
  query_authoritatives: number; // 0 | 1
  added_at_ms: number;
  removed: number;              // 0 | 1 (tombstone)
  updated_at_ms: number;        // version for ReplacingMergeTree
}

export interface ObservationQuery {
  zone: string;
  fromMs?: number;              // observed_at_ms >= fromMs
  toMs?: number;                // observed_at_ms < toMs
  agentId?: string;
  /** The queried server (address or name as the agent reports it): with agentId and zone, one vantage point's rows. */
  server?: string;
  qtype?: number;
  limit: number;
  /** Keyset pagination: rows strictly after this (observed_at_ms, agent_id, seq, idx). */
  after?: { observed_at_ms: number; agent_id: string; seq: number; idx: number };
}

/** Header of one stored analysis of one zone (table `analyses`). */
export interface AnalysisHeader {
  zone: string;                 // canonical
  /** Names what was analysed: the same id again replaces that analysis (e.g. 'live', 'batch'). */
  analysis_id: string;
  /** ReplacingMergeTree version: a re-run under the same id must use a higher one. */
  version: number;
  computed_at_ms: number;
  mode: 'batch' | 'live' | 'on-demand';
  analyzer: string;             // analyzer name and version
  from_ms: number;              // observations analysed: observed_at_ms in [from_ms, to_ms)
  to_ms: number;
  observations: number;
  summary: string;              // JSON: the analyzer's result beyond the item tables
}

/** Columns every item row shares: the analysis it belongs to and its position in it. */
interface AnalysisItem {
  idx: number;
  /** The analyzer's item as JSON: what the API serves. */
  detail: string;
}

export interface KeySightingRecord extends AnalysisItem {
  key_id: string;               // algorithm/key tag/public-key hash
  algorithm: number;
  key_tag: number;
  role: string;
  vantage: string;              // 'authoritative' or a vantage point id
  first_published_ms: number;   // 0 = never
  last_published_ms: number;
  first_signing_ms: number;
  last_signing_ms: number;
  first_ds_ms: number;
  last_ds_ms: number;
  revoked_ms: number;
}

export interface TransitionRecord extends AnalysisItem {
  role: string;
  procedure: string;
  conformance: string;          // 'yes' | 'no' | 'undecided'
  start_ms: number;
  end_ms: number;
  keys_in: string[];
  keys_out: string[];
  algorithms_in: number[];
  algorithms_out: number[];
}

export interface FindingRecord extends AnalysisItem {
  code: string;
  severity: string;
  at_ms: number;
  keys: string[];
  refs: string[];
  message: string;
}

export interface VantageLagRecord extends AnalysisItem {
  vantage: string;
  agent_id: string;
  server: string;
  country: string;
  continent: string;
  lagging: number;              // 0 | 1
  max_lag_ms: number;
  bound_ms: number;
}

/** One analysis of one zone as stored: its header and its items (tables of migrations 0007-0011). */
export interface AnalysisRecord {
  header: AnalysisHeader;
  keys: KeySightingRecord[];
  transitions: TransitionRecord[];
  findings: FindingRecord[];
  lag: VantageLagRecord[];
}

/**
 * One row of `runs` (migration 0012): a run of same-content answers, a failure period or a vantage point's
 * summary, folded from observations at ingest (src/runs/fold.ts). Columns not of its kind hold zeros.
 */
export interface RunRecord {
  zone: string;
  agent_id: string;
  server: string;
  qtype: number;                // 0 for kind 'vantage'
  kind: RunKind;
  first_ms: number;             // first observation of the run / period / vantage point
  version: number;              // ReplacingMergeTree version: a rewrite of an open run uses a higher one
  last_ms: number;
  count: number;                // observations in the run / period
  // answer: identity of the first row (its raw bytes) and of the last row (duplicate detection)
  seq: number;                  // vantage: the first row's seq and idx (ordering of vantage points)
  idx: number;
  last_seq: number;
  last_idx: number;
  has_prev: number;             // 0 | 1: the series had an answer before this run
  prev_last_ms: number;         // the series' last answer before this run (when has_prev)
  raw_length: number;           // bytes of the first row's raw response (in run_samples)
  max_ttl: number;
  expired_at_ms: number;        // first observation carrying an expired RRSIG (0 = none)
  expiring_at_ms: number;       // first observation carrying an RRSIG about to expire (0 = none)
  serials: number[];            // SOA serial changes in the run: [time, serial] pairs
  last_serial: number;          // the series' last SOA serial after this run (-1 = none)
  vantage_kind: string;
  dnskey_flags: number[];       // content columns of the first row (as in ObservationRow)
  dnskey_algorithms: number[];
  dnskey_key_tags: number[];
  dnskey_key_hashes: string[];
  dnskey_key_bits: number[];
  ds_key_tags: number[];
  ds_algorithms: number[];
  ds_digest_types: number[];
  ds_digests: string[];
  ns_hosts: string[];
  csync_serial: number;
  csync_flags: number;
  csync_types: number[];
  rrsig_type_covered: number[];
  rrsig_algorithms: number[];
  rrsig_original_ttls: number[];
  rrsig_inceptions: number[];
  rrsig_expirations: number[];
  rrsig_key_tags: number[];
  // failure
  rcode: number;
  failure_kind: string;         // 'servfail' | 'rcode' | a status ('timeout', 'network_error', ...)
  ede_codes: number[];
  // vantage
  server_name: string;          // normalized host name of the first row
  country: string;
  continent: string;
  observations: number;         // every row of the vantage point, counted as the analyzer counts them
  used: number;
  duplicates: number;
  failed: number;
  truncated: number;
  malformed: number;
  without_raw: number;
  late: number;                 // rows older than the vantage point's last folded row: not folded (a re-fold folds them)
  deltas: number[];             // the first (up to 64) intervals between distinct observation times
  provisional: number;          // running median of those intervals
  long_gaps: number[];          // intervals longer than 1.5 x the running median: [from, to] pairs
  min_upload_delay: number;     // smallest received_at_ms - observed_at_ms
  qtypes: number[];             // the vantage point's series, in the order they appeared
  rebuilt_ms: number;           // version of the last rebuild from rows (0 = never rebuilt)
  open: number;                 // 1: the latest answer run / failure period of its series (folding resumes from it)
}

export type RunKind = 'answer' | 'failure' | 'vantage';

export interface RunQuery {
  zone: string;
  /** Runs that end at or after fromMs (vantage rows always come). */
  fromMs?: number;
  /** Runs that start before toMs. */
  toMs?: number;
}

/** A vantage point of a zone as the runs are folded: one agent asking one server. */
export interface VantageKey {
  zone: string;
  agent_id: string;
  server: string;
}

/** The raw response of the first row of an answer run (table run_samples). */
export interface RunSample {
  zone: string;
  agent_id: string;
  seq: number;
  idx: number;
  raw: Uint8Array;
}

/** The first row of an answer run, by its identity. */
export interface RunSampleKey {
  agent_id: string;
  seq: number;
  idx: number;
}

export interface MigrationReport {
  applied: string[];            // file names applied by this call
  already: string[];            // already applied before
  serverVersion: string;
}

export interface Store {
  readonly mode: 'chdb' | 'server';
  /** Applies numbered migrations not applied yet. Safe to call on every start and concurrently re-run. */
  migrate(): Promise<MigrationReport>;
  ping(): Promise<boolean>;
  serverVersion(): Promise<string>;
  close(): Promise<void>;

  /** One atomic INSERT (all rows or none). Throws KTO_ERR_STORE_UNAVAILABLE when the store cannot be reached. */
  insertObservations(rows: readonly ObservationRow[]): Promise<void>;
  insertLedger(entries: readonly BatchLedgerEntry[]): Promise<void>;
  /** Highest stored seq per agent according to the ledger. */
  ledgerMaxSeq(): Promise<Map<string, number>>;
  /** The ledger row of one batch, or null. */
  ledgerGet(agentId: string, seq: number): Promise<BatchLedgerEntry | null>;
  /**
   * Crash recovery: batches whose observations were stored but whose ledger row was not (the collector
   * died between the two inserts). Scans observations received at or after `sinceMs`, writes the
   * missing ledger rows (body_sha256 = '' marks a recovered row) and returns how many it added.
   */
  reconcileLedger(sinceMs: number): Promise<number>;
  /**
   * After an insert failed in a way that leaves it unknown whether it landed (a timeout: the server
   * may finish the insert after the client gave up), which rows of these batches are stored:
   * key `${agent_id}/${seq}` -> the stored idx values (absent = none). Scans observations received at
   * or after `receivedSinceMs`.
   */
  storedIndexes(batches: readonly { agent_id: string; seq: number }[], receivedSinceMs: number): Promise<Map<string, number[]>>;
  /** Most recent stored_at_ms in the ledger (0 when empty). */
  ledgerLastStoredAt(): Promise<number>;

  upsertAgent(agent: AgentRecord): Promise<void>;
  getAgent(agentId: string): Promise<AgentRecord | null>;
  listAgents(): Promise<AgentRecord[]>;
  /** Observations per agent since a time, plus the last observation time. */
  agentActivity(sinceMs: number): Promise<Map<string, { observations: number; last_observed_at_ms: number }>>;

  putEnrolmentToken(token: EnrolmentToken): Promise<void>;
  getEnrolmentToken(tokenSha256: string): Promise<EnrolmentToken | null>;
  /** How many agents enrolled with this token so far. */
  enrolmentTokenUses(tokenSha256: string): Promise<number>;
  recordEnrolmentUse(tokenSha256: string, agentId: string, atMs: number): Promise<void>;

  putZone(zone: ZoneRecord): Promise<void>;
  /** Current (non-removed) zones, sorted canonically by name. */
  listZones(): Promise<ZoneRecord[]>;

  /** Observations ordered by (observed_at_ms, agent_id, seq, idx). */
  queryObservations(q: ObservationQuery): Promise<ObservationRow[]>;
  /** The same rows streamed in chunks, for NDJSON export of large ranges. */
  streamObservations(q: Omit<ObservationQuery, 'limit' | 'after'> & { limit?: number }): AsyncIterable<ObservationRow[]>;
  countObservations(filter?: { agentId?: string; zone?: string }): Promise<number>;

  /**
   * Stores the raw responses of new runs (one INSERT), then the run rows: whole rows in `runs` (one
   * INSERT; a rewrite of an open run replaces it: read with FINAL), and the records in `extended` (runs
   * whose whole row is stored already, with the same key, by an earlier call: RunFolder.fold tells which)
   * as their extent columns only, in `run_extents` (one INSERT; migration 0013). Readers see each run with
   * the extent of the higher version.
   */
  insertRuns(records: readonly RunRecord[], samples?: readonly RunSample[], extended?: ReadonlySet<RunRecord>): Promise<void>;
  /**
   * The zone's current runs (latest version of each, rows left from before a rebuild dropped), in chunks;
   * within a vantage point, answer and failure runs in time order.
   */
  streamRuns(q: RunQuery): AsyncIterable<RunRecord[]>;
  /** The vantage rows and open runs of some vantage points, of any zones (to resume folding). */
  vantageRuns(vantages: readonly VantageKey[]): Promise<RunRecord[]>;
  /** Raw responses of the first rows of some answer runs of a zone, in one query: key `${agent_id}/${seq}/${idx}`. */
  runSamples(zone: string, keys: readonly RunSampleKey[]): Promise<Map<string, Uint8Array>>;

  /** Stores one analysis (header last, so a reader never sees a header without its items). */
  putAnalysis(a: AnalysisRecord): Promise<void>;
  /** The zone's analysis with the latest computed_at_ms (any id), or null when none is stored. */
  latestAnalysis(zone: string): Promise<AnalysisRecord | null>;
  /** The header of that analysis alone (one query: tells whether a copy read earlier is still the latest). */
  latestAnalysisHeader(zone: string): Promise<AnalysisHeader | null>;
}
