// Row codecs of `runs` and `run_samples` (migration 0012) and `run_extents` (0013): the column lists in insert order and the
// TabSeparated encoders (each value checked against its column's type). JSONEachRow results of
// RUN_COLUMNS are RunRecords as parsed (64-bit integers come as numbers); streamRuns reads them packed.
import type { RunRecord, RunSample } from './types.js';
import { MAX_UINT16, MAX_UINT32, MAX_UINT64, MAX_UINT8, TsvWriter } from './escape.js';

export const RUN_COLUMNS = [
  'zone', 'agent_id', 'server', 'qtype', 'kind', 'first_ms', 'version', 'last_ms', 'count',
  'seq', 'idx', 'last_seq', 'last_idx', 'has_prev', 'prev_last_ms', 'raw_length', 'max_ttl', 'expired_at_ms', 'expiring_at_ms',
  'serials', 'last_serial', 'vantage_kind',
  'dnskey_flags', 'dnskey_algorithms', 'dnskey_key_tags', 'dnskey_key_hashes', 'dnskey_key_bits',
  'ds_key_tags', 'ds_algorithms', 'ds_digest_types', 'ds_digests', 'ns_hosts', 'csync_serial', 'csync_flags', 'csync_types',
  'rrsig_type_covered', 'rrsig_algorithms', 'rrsig_original_ttls', 'rrsig_inceptions', 'rrsig_expirations', 'rrsig_key_tags',
  'rcode', 'failure_kind', 'ede_codes',
  'server_name', 'country', 'continent', 'observations', 'used', 'duplicates', 'failed', 'truncated', 'malformed', 'without_raw',
  'late', 'deltas', 'provisional', 'long_gaps', 'min_upload_delay', 'qtypes', 'rebuilt_ms', 'open',
] as const satisfies readonly (keyof RunRecord)[];

// streamRuns reads tens of thousands of rows of ~60 columns: as JSONEachRow objects their keys alone are
// most of the text (~1.1 kB a row). They are packed instead into four arrays (numbers, arrays of numbers,
// arrays of strings, strings), which both engines print and JSON.parse reads at a fraction of the cost.

/** Scalar number columns, in the order of the packed `n` array (all fit Int64). */
const PACKED_NUMBERS = [
  'qtype', 'first_ms', 'version', 'last_ms', 'count', 'seq', 'idx', 'last_seq', 'last_idx', 'has_prev', 'prev_last_ms', 'raw_length',
  'max_ttl', 'expired_at_ms', 'expiring_at_ms', 'last_serial', 'csync_serial', 'csync_flags', 'rcode', 'observations', 'used',
  'duplicates', 'failed', 'truncated', 'malformed', 'without_raw', 'late', 'provisional', 'min_upload_delay', 'rebuilt_ms', 'open',
] as const satisfies readonly (keyof RunRecord)[];
/** Array(UInt*) columns, in the order of the packed `a` array. */
const PACKED_NUMBER_ARRAYS = [
  'serials', 'dnskey_flags', 'dnskey_algorithms', 'dnskey_key_tags', 'dnskey_key_bits', 'ds_key_tags', 'ds_algorithms', 'ds_digest_types',
  'csync_types', 'rrsig_type_covered', 'rrsig_algorithms', 'rrsig_original_ttls', 'rrsig_inceptions', 'rrsig_expirations', 'rrsig_key_tags',
  'ede_codes', 'deltas', 'long_gaps', 'qtypes',
] as const satisfies readonly (keyof RunRecord)[];
/** Array(String) columns, in the order of the packed `s` array. */
const PACKED_STRING_ARRAYS = ['dnskey_key_hashes', 'ds_digests', 'ns_hosts'] as const satisfies readonly (keyof RunRecord)[];
/** String columns and their short names in the packed row (zone is the query's). */
const PACKED_STRINGS = {
  agent_id: 'g', server: 'v', kind: 'k', vantage_kind: 'vk', failure_kind: 'fk', server_name: 'sn', country: 'c', continent: 'ct',
} as const satisfies Partial<Record<keyof RunRecord, string>>;

/** Every column streamRuns returns, packed: the columns of the packed form, for tests to check against RUN_STREAM_COLUMNS. */
export const PACKED_RUN_COLUMNS: readonly string[] = [
  'zone', ...Object.keys(PACKED_STRINGS), ...PACKED_NUMBERS, ...PACKED_NUMBER_ARRAYS, ...PACKED_STRING_ARRAYS,
];

/** The select list of the packed form (over a table or subquery with the runs columns). */
export const RUN_PACKED_SELECT = [
  ...Object.entries(PACKED_STRINGS).map(([c, a]) => `${c} AS ${a}`),
  `[${PACKED_NUMBERS.map((c) => `toInt64(${c})`).join(', ')}] AS n`,
  `[${PACKED_NUMBER_ARRAYS.map((c) => `CAST(${c} AS Array(Int64))`).join(', ')}] AS a`,
  `[${PACKED_STRING_ARRAYS.join(', ')}] AS s`,
].join(', ');

/** A packed run row as JSONEachRow parses it. */
export interface PackedRun {
  g: string; v: string; k: string; vk: string; fk: string; sn: string; c: string; ct: string;
  n: number[];
  a: number[][];
  s: string[][];
}

/** The RunRecord of a packed row of `zone`. */
export function unpackRun(zone: string, o: PackedRun): RunRecord {
  const n = o.n;
  const a = o.a;
  const s = o.s;
  return {
    zone, agent_id: o.g, server: o.v, qtype: n[0] as number, kind: o.k as RunRecord['kind'], first_ms: n[1] as number, version: n[2] as number,
    last_ms: n[3] as number, count: n[4] as number, seq: n[5] as number, idx: n[6] as number, last_seq: n[7] as number, last_idx: n[8] as number,
    has_prev: n[9] as number, prev_last_ms: n[10] as number, raw_length: n[11] as number, max_ttl: n[12] as number,
    expired_at_ms: n[13] as number, expiring_at_ms: n[14] as number, serials: a[0] as number[], last_serial: n[15] as number, vantage_kind: o.vk,
    dnskey_flags: a[1] as number[], dnskey_algorithms: a[2] as number[], dnskey_key_tags: a[3] as number[], dnskey_key_hashes: s[0] as string[],
    dnskey_key_bits: a[4] as number[], ds_key_tags: a[5] as number[], ds_algorithms: a[6] as number[], ds_digest_types: a[7] as number[],
    ds_digests: s[1] as string[], ns_hosts: s[2] as string[], csync_serial: n[16] as number, csync_flags: n[17] as number, csync_types: a[8] as number[],
    rrsig_type_covered: a[9] as number[], rrsig_algorithms: a[10] as number[], rrsig_original_ttls: a[11] as number[],
    rrsig_inceptions: a[12] as number[], rrsig_expirations: a[13] as number[], rrsig_key_tags: a[14] as number[],
    rcode: n[18] as number, failure_kind: o.fk, ede_codes: a[15] as number[], server_name: o.sn, country: o.c, continent: o.ct,
    observations: n[19] as number, used: n[20] as number, duplicates: n[21] as number, failed: n[22] as number, truncated: n[23] as number,
    malformed: n[24] as number, without_raw: n[25] as number, late: n[26] as number, deltas: a[16] as number[], provisional: n[27] as number,
    long_gaps: a[17] as number[], min_upload_delay: n[28] as number, qtypes: a[18] as number[], rebuilt_ms: n[29] as number,
    open: n[30] as number,
  };
}

export const RUN_SAMPLE_COLUMNS = ['zone', 'agent_id', 'seq', 'idx', 'raw'] as const satisfies readonly (keyof RunSample)[];

/** One TabSeparated payload of run samples, columns in RUN_SAMPLE_COLUMNS order. */
export function encodeRunSamples(samples: readonly RunSample[]): Buffer {
  let estimate = 0;
  for (let i = 0; i < samples.length; i++) estimate += 96 + 2 * (samples[i] as RunSample).raw.length;
  const w = new TsvWriter(estimate);
  for (let i = 0; i < samples.length; i++) {
    const r = samples[i] as RunSample;
    w.row = i;
    w.string(r.zone, 'zone'); w.tab();
    w.string(r.agent_id, 'agent_id'); w.tab();
    w.uint(r.seq, MAX_UINT64, 'seq'); w.tab();
    w.uint(r.idx, MAX_UINT32, 'idx'); w.tab();
    w.bytes(r.raw, 'raw');
    w.newline();
  }
  return w.finish();
}

/** Bytes per run row reserved up front (the writer grows when a row needs more). */
const RUN_ROW_ESTIMATE = 512;

/** One TabSeparated payload of all `records`, columns in RUN_COLUMNS order. */
export function encodeRuns(records: readonly RunRecord[]): Buffer {
  const w = new TsvWriter(RUN_ROW_ESTIMATE * records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RunRecord;
    w.row = i;
    w.string(r.zone, 'zone'); w.tab();
    w.string(r.agent_id, 'agent_id'); w.tab();
    w.string(r.server, 'server'); w.tab();
    w.uint(r.qtype, MAX_UINT16, 'qtype'); w.tab();
    w.string(r.kind, 'kind'); w.tab();
    w.uint(r.first_ms, MAX_UINT64, 'first_ms'); w.tab();
    w.uint(r.version, MAX_UINT64, 'version'); w.tab();
    w.uint(r.last_ms, MAX_UINT64, 'last_ms'); w.tab();
    w.uint(r.count, MAX_UINT64, 'count'); w.tab();
    w.uint(r.seq, MAX_UINT64, 'seq'); w.tab();
    w.uint(r.idx, MAX_UINT32, 'idx'); w.tab();
    w.uint(r.last_seq, MAX_UINT64, 'last_seq'); w.tab();
    w.uint(r.last_idx, MAX_UINT32, 'last_idx'); w.tab();
    w.uint(r.has_prev, MAX_UINT8, 'has_prev'); w.tab();
    w.uint(r.prev_last_ms, MAX_UINT64, 'prev_last_ms'); w.tab();
    w.uint(r.raw_length, MAX_UINT32, 'raw_length'); w.tab();
    w.uint(r.max_ttl, MAX_UINT32, 'max_ttl'); w.tab();
    w.uint(r.expired_at_ms, MAX_UINT64, 'expired_at_ms'); w.tab();
    w.uint(r.expiring_at_ms, MAX_UINT64, 'expiring_at_ms'); w.tab();
    w.uintArray(r.serials, MAX_UINT64, 'serials'); w.tab();
    w.int(r.last_serial, 'last_serial'); w.tab();
    w.string(r.vantage_kind, 'vantage_kind'); w.tab();
    w.uintArray(r.dnskey_flags, MAX_UINT16, 'dnskey_flags'); w.tab();
    w.uintArray(r.dnskey_algorithms, MAX_UINT8, 'dnskey_algorithms'); w.tab();
    w.uintArray(r.dnskey_key_tags, MAX_UINT16, 'dnskey_key_tags'); w.tab();
    w.stringArray(r.dnskey_key_hashes, 'dnskey_key_hashes'); w.tab();
    w.uintArray(r.dnskey_key_bits, MAX_UINT32, 'dnskey_key_bits'); w.tab();
    w.uintArray(r.ds_key_tags, MAX_UINT16, 'ds_key_tags'); w.tab();
    w.uintArray(r.ds_algorithms, MAX_UINT8, 'ds_algorithms'); w.tab();
    w.uintArray(r.ds_digest_types, MAX_UINT8, 'ds_digest_types'); w.tab();
    w.stringArray(r.ds_digests, 'ds_digests'); w.tab();
    w.stringArray(r.ns_hosts, 'ns_hosts'); w.tab();
    w.uint(r.csync_serial, MAX_UINT32, 'csync_serial'); w.tab();
    w.uint(r.csync_flags, MAX_UINT16, 'csync_flags'); w.tab();
    w.uintArray(r.csync_types, MAX_UINT16, 'csync_types'); w.tab();
    w.uintArray(r.rrsig_type_covered, MAX_UINT16, 'rrsig_type_covered'); w.tab();
    w.uintArray(r.rrsig_algorithms, MAX_UINT8, 'rrsig_algorithms'); w.tab();
    w.uintArray(r.rrsig_original_ttls, MAX_UINT32, 'rrsig_original_ttls'); w.tab();
    w.uintArray(r.rrsig_inceptions, MAX_UINT32, 'rrsig_inceptions'); w.tab();
    w.uintArray(r.rrsig_expirations, MAX_UINT32, 'rrsig_expirations'); w.tab();
    w.uintArray(r.rrsig_key_tags, MAX_UINT16, 'rrsig_key_tags'); w.tab();
    w.uint(r.rcode, MAX_UINT16, 'rcode'); w.tab();
    w.string(r.failure_kind, 'failure_kind'); w.tab();
    w.uintArray(r.ede_codes, MAX_UINT16, 'ede_codes'); w.tab();
    w.string(r.server_name, 'server_name'); w.tab();
    w.string(r.country, 'country'); w.tab();
    w.string(r.continent, 'continent'); w.tab();
    w.uint(r.observations, MAX_UINT64, 'observations'); w.tab();
    w.uint(r.used, MAX_UINT64, 'used'); w.tab();
    w.uint(r.duplicates, MAX_UINT64, 'duplicates'); w.tab();
    w.uint(r.failed, MAX_UINT64, 'failed'); w.tab();
    w.uint(r.truncated, MAX_UINT64, 'truncated'); w.tab();
    w.uint(r.malformed, MAX_UINT64, 'malformed'); w.tab();
    w.uint(r.without_raw, MAX_UINT64, 'without_raw'); w.tab();
    w.uint(r.late, MAX_UINT64, 'late'); w.tab();
    w.uintArray(r.deltas, MAX_UINT64, 'deltas'); w.tab();
    w.uint(r.provisional, MAX_UINT64, 'provisional'); w.tab();
    w.uintArray(r.long_gaps, MAX_UINT64, 'long_gaps'); w.tab();
    w.int(r.min_upload_delay, 'min_upload_delay'); w.tab();
    w.uintArray(r.qtypes, MAX_UINT16, 'qtypes'); w.tab();
    w.uint(r.rebuilt_ms, MAX_UINT64, 'rebuilt_ms'); w.tab();
    w.uint(r.open, MAX_UINT8, 'open');
    w.newline();
  }
  return w.finish();
}

/** The key of a run row (runs and run_extents). */
export const RUN_KEY_COLUMNS = ['zone', 'agent_id', 'server', 'qtype', 'kind', 'first_ms', 'seq', 'idx'] as const satisfies readonly (keyof RunRecord)[];

/** The columns a flush changes when it extends a run already stored (run_extents, migration 0013), version first. */
export const RUN_EXTENT_COLUMNS = [
  'version', 'last_ms', 'count', 'last_seq', 'last_idx', 'max_ttl', 'expired_at_ms', 'expiring_at_ms', 'serials', 'last_serial',
  'ede_codes', 'open', 'observations', 'used', 'duplicates', 'failed', 'truncated', 'malformed', 'without_raw', 'late', 'deltas',
  'provisional', 'long_gaps', 'min_upload_delay', 'qtypes',
] as const satisfies readonly (keyof RunRecord)[];

/** Columns of run_extents in insert order. */
export const RUN_EXTENT_ROW_COLUMNS = [...RUN_KEY_COLUMNS, ...RUN_EXTENT_COLUMNS] as const;

/** Bytes per extent row reserved up front. */
const EXTENT_ROW_ESTIMATE = 192;

/** One TabSeparated payload of the extents of `records`, columns in RUN_EXTENT_ROW_COLUMNS order. */
export function encodeRunExtents(records: readonly RunRecord[]): Buffer {
  const w = new TsvWriter(EXTENT_ROW_ESTIMATE * records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RunRecord;
    w.row = i;
    w.string(r.zone, 'zone'); w.tab();
    w.string(r.agent_id, 'agent_id'); w.tab();
    w.string(r.server, 'server'); w.tab();
    w.uint(r.qtype, MAX_UINT16, 'qtype'); w.tab();
    w.string(r.kind, 'kind'); w.tab();
    w.uint(r.first_ms, MAX_UINT64, 'first_ms'); w.tab();
    w.uint(r.seq, MAX_UINT64, 'seq'); w.tab();
    w.uint(r.idx, MAX_UINT32, 'idx'); w.tab();
    w.uint(r.version, MAX_UINT64, 'version'); w.tab();
    w.uint(r.last_ms, MAX_UINT64, 'last_ms'); w.tab();
    w.uint(r.count, MAX_UINT64, 'count'); w.tab();
    w.uint(r.last_seq, MAX_UINT64, 'last_seq'); w.tab();
    w.uint(r.last_idx, MAX_UINT32, 'last_idx'); w.tab();
    w.uint(r.max_ttl, MAX_UINT32, 'max_ttl'); w.tab();
    w.uint(r.expired_at_ms, MAX_UINT64, 'expired_at_ms'); w.tab();
    w.uint(r.expiring_at_ms, MAX_UINT64, 'expiring_at_ms'); w.tab();
    w.uintArray(r.serials, MAX_UINT64, 'serials'); w.tab();
    w.int(r.last_serial, 'last_serial'); w.tab();
    w.uintArray(r.ede_codes, MAX_UINT16, 'ede_codes'); w.tab();
    w.uint(r.open, MAX_UINT8, 'open'); w.tab();
    w.uint(r.observations, MAX_UINT64, 'observations'); w.tab();
    w.uint(r.used, MAX_UINT64, 'used'); w.tab();
    w.uint(r.duplicates, MAX_UINT64, 'duplicates'); w.tab();
    w.uint(r.failed, MAX_UINT64, 'failed'); w.tab();
    w.uint(r.truncated, MAX_UINT64, 'truncated'); w.tab();
    w.uint(r.malformed, MAX_UINT64, 'malformed'); w.tab();
    w.uint(r.without_raw, MAX_UINT64, 'without_raw'); w.tab();
    w.uint(r.late, MAX_UINT64, 'late'); w.tab();
    w.uintArray(r.deltas, MAX_UINT64, 'deltas'); w.tab();
    w.uint(r.provisional, MAX_UINT64, 'provisional'); w.tab();
    w.uintArray(r.long_gaps, MAX_UINT64, 'long_gaps'); w.tab();
    w.int(r.min_upload_delay, 'min_upload_delay'); w.tab();
    w.uintArray(r.qtypes, MAX_UINT16, 'qtypes');
    w.newline();
  }
  return w.finish();
}

/** The value of every array column a row of its kind does not fill (frozen: shared by every row). */
const NONE = Object.freeze([]) as unknown as never[];

/**
 * A run row with every column at its zero value (the fold fills the columns of its kind). Only the arrays
 * the fold appends to are its own: serials (answer), ede_codes (failure), deltas, long_gaps and qtypes
 * (vantage); the others share one frozen empty array, since an open run is kept in memory per series.
 */
export function emptyRunRecord(zone: string, agentId: string, server: string, qtype: number, kind: RunRecord['kind'], firstMs: number): RunRecord {
  const vantage = kind === 'vantage';
  return {
    zone, agent_id: agentId, server, qtype, kind, first_ms: firstMs, version: 0, last_ms: firstMs, count: 0,
    seq: 0, idx: 0, last_seq: 0, last_idx: 0, has_prev: 0, prev_last_ms: 0, raw_length: 0, max_ttl: 0, expired_at_ms: 0, expiring_at_ms: 0,
    serials: kind === 'answer' ? [] : NONE, last_serial: -1, vantage_kind: '',
    dnskey_flags: NONE, dnskey_algorithms: NONE, dnskey_key_tags: NONE, dnskey_key_hashes: NONE, dnskey_key_bits: NONE,
    ds_key_tags: NONE, ds_algorithms: NONE, ds_digest_types: NONE, ds_digests: NONE, ns_hosts: NONE, csync_serial: 0, csync_flags: 0, csync_types: NONE,
    rrsig_type_covered: NONE, rrsig_algorithms: NONE, rrsig_original_ttls: NONE, rrsig_inceptions: NONE, rrsig_expirations: NONE, rrsig_key_tags: NONE,
    rcode: 0, failure_kind: '', ede_codes: kind === 'failure' ? [] : NONE,
    server_name: '', country: '', continent: '', observations: 0, used: 0, duplicates: 0, failed: 0, truncated: 0, malformed: 0,
    without_raw: 0, late: 0, deltas: vantage ? [] : NONE, provisional: 0, long_gaps: vantage ? [] : NONE, min_upload_delay: 0,
    qtypes: vantage ? [] : NONE, rebuilt_ms: 0, open: 1,
  };
}
