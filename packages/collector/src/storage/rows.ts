// Row codecs of every table: the column list in insert order, the TabSeparated encoder that writes rows
// in that order (checked against each column's type), and the decoder of JSONEachRow results. The column
// types live in migrations/*.sql; the widths here (MAX_*) are those types.
import type { AgentRecord, BatchLedgerEntry, EnrolmentToken, ObservationRow, ZoneRecord } from './types.js';
import { MAX_UINT16, MAX_UINT32, MAX_UINT64, MAX_UINT8, TsvWriter } from './escape.js';

/** Columns of `observations` written by inserts (`observed_at` is MATERIALIZED from observed_at_ms). */
export const OBSERVATION_COLUMNS = [
  'agent_id', 'seq', 'idx', 'received_at_ms',
  'country', 'continent', 'asn', 'vantage_kind', 'server', 'server_port', 'server_name', 'family', 'transport',
  'tc_retry',
  'zone', 'qname', 'qtype', 'do_bit', 'cd_bit', 'edns_udp_size',
  'observed_at_ms', 'rtt_us',
  'status', 'error', 'rcode', 'header_flags', 'aa', 'tc', 'ad', 'ede_codes', 'ede_texts', 'attempts', 'raw',
  'answer_ttl', 'soa_serial',
  'dnskey_flags', 'dnskey_protocols', 'dnskey_algorithms', 'dnskey_key_tags', 'dnskey_key_hashes', 'dnskey_key_bits',
  'ds_key_tags', 'ds_algorithms', 'ds_digest_types', 'ds_digests',
  'ns_hosts',
  'csync_serial', 'csync_flags', 'csync_types',
  'rrsig_type_covered', 'rrsig_algorithms', 'rrsig_labels', 'rrsig_original_ttls', 'rrsig_inceptions',
  'rrsig_expirations', 'rrsig_key_tags', 'rrsig_signers', 'rrsig_ttls', 'rrsig_checks',
] as const satisfies readonly (keyof ObservationRow)[];

/** Bytes per row beyond `raw` reserved up front (the writer grows when a row needs more). */
const OBSERVATION_ROW_ESTIMATE = 640;

/** One TabSeparated payload of all `rows`, columns in OBSERVATION_COLUMNS order. */
export function encodeObservations(rows: readonly ObservationRow[]): Buffer {
  let estimate = 0;
  for (let i = 0; i < rows.length; i++) {
    const raw = (rows[i] as ObservationRow).raw;
    estimate += OBSERVATION_ROW_ESTIMATE + (raw instanceof Uint8Array ? raw.length + (raw.length >> 2) : 0);
  }
  const w = new TsvWriter(estimate);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ObservationRow;
    w.row = i;
    w.string(r.agent_id, 'agent_id'); w.tab();
    w.uint(r.seq, MAX_UINT64, 'seq'); w.tab();
    w.uint(r.idx, MAX_UINT32, 'idx'); w.tab();
    w.uint(r.received_at_ms, MAX_UINT64, 'received_at_ms'); w.tab();
    w.string(r.country, 'country'); w.tab();
    w.string(r.continent, 'continent'); w.tab();
    w.uint(r.asn, MAX_UINT32, 'asn'); w.tab();
    w.string(r.vantage_kind, 'vantage_kind'); w.tab();
    w.string(r.server, 'server'); w.tab();
    w.uint(r.server_port, MAX_UINT16, 'server_port'); w.tab();
    w.string(r.server_name, 'server_name'); w.tab();
    w.uint(r.family, MAX_UINT8, 'family'); w.tab();
    w.string(r.transport, 'transport'); w.tab();
    w.uint(r.tc_retry, MAX_UINT8, 'tc_retry'); w.tab();
    w.string(r.zone, 'zone'); w.tab();
    w.string(r.qname, 'qname'); w.tab();
    w.uint(r.qtype, MAX_UINT16, 'qtype'); w.tab();
    w.uint(r.do_bit, MAX_UINT8, 'do_bit'); w.tab();
    w.uint(r.cd_bit, MAX_UINT8, 'cd_bit'); w.tab();
    w.uint(r.edns_udp_size, MAX_UINT16, 'edns_udp_size'); w.tab();
    w.uint(r.observed_at_ms, MAX_UINT64, 'observed_at_ms'); w.tab();
    w.uint(r.rtt_us, MAX_UINT32, 'rtt_us'); w.tab();
    w.string(r.status, 'status'); w.tab();
    w.string(r.error, 'error'); w.tab();
    w.uint(r.rcode, MAX_UINT16, 'rcode'); w.tab();
    w.uint(r.header_flags, MAX_UINT16, 'header_flags'); w.tab();
    w.uint(r.aa, MAX_UINT8, 'aa'); w.tab();
    w.uint(r.tc, MAX_UINT8, 'tc'); w.tab();
    w.uint(r.ad, MAX_UINT8, 'ad'); w.tab();
    w.uintArray(r.ede_codes, MAX_UINT16, 'ede_codes'); w.tab();
    w.stringArray(r.ede_texts, 'ede_texts'); w.tab();
    w.uint(r.attempts, MAX_UINT16, 'attempts'); w.tab();
    w.bytes(r.raw, 'raw'); w.tab();
    w.uint(r.answer_ttl, MAX_UINT32, 'answer_ttl'); w.tab();
    w.uint(r.soa_serial, MAX_UINT32, 'soa_serial'); w.tab();
    w.uintArray(r.dnskey_flags, MAX_UINT16, 'dnskey_flags'); w.tab();
    w.uintArray(r.dnskey_protocols, MAX_UINT8, 'dnskey_protocols'); w.tab();
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
    w.uintArray(r.rrsig_labels, MAX_UINT8, 'rrsig_labels'); w.tab();
    w.uintArray(r.rrsig_original_ttls, MAX_UINT32, 'rrsig_original_ttls'); w.tab();
    w.uintArray(r.rrsig_inceptions, MAX_UINT32, 'rrsig_inceptions'); w.tab();
    w.uintArray(r.rrsig_expirations, MAX_UINT32, 'rrsig_expirations'); w.tab();
    w.uintArray(r.rrsig_key_tags, MAX_UINT16, 'rrsig_key_tags'); w.tab();
    w.stringArray(r.rrsig_signers, 'rrsig_signers'); w.tab();
    w.uintArray(r.rrsig_ttls, MAX_UINT32, 'rrsig_ttls'); w.tab();
    w.stringArray(r.rrsig_checks, 'rrsig_checks');
    w.newline();
  }
  return w.finish();
}

/**
 * The select list of `observations`: every inserted column, `raw` as hex (JSON cannot carry bytes) under
 * its own name, so decoding swaps one value and the row keeps its shape (both engines allow the alias).
 */
export const OBSERVATION_SELECT = OBSERVATION_COLUMNS.map((c) => (c === 'raw' ? 'hex(raw) AS raw' : c)).join(', ');

/** A row of an observations select as JSONEachRow parses it: `raw` is hex. */
export type ObservationJson = Omit<ObservationRow, 'raw'> & { raw: string };

/** Turns a parsed JSONEachRow object of OBSERVATION_SELECT into an ObservationRow, in place. */
export function decodeObservation(o: ObservationJson): ObservationRow {
  const row = o as unknown as ObservationRow;
  row.raw = bytesFromHex(o.raw);
  return row;
}

/** A fresh Uint8Array (not a view of a shared pool) holding the bytes of an even-length hex string. */
export function bytesFromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  if (out.length > 0) Buffer.from(out.buffer, out.byteOffset, out.length).write(hex, 'hex');
  return out;
}

export const LEDGER_COLUMNS = [
  'agent_id', 'seq', 'rows', 'body_sha256', 'created_at_ms', 'stored_at_ms',
] as const satisfies readonly (keyof BatchLedgerEntry)[];

export function encodeLedger(entries: readonly BatchLedgerEntry[]): Buffer {
  const w = new TsvWriter(128 * entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as BatchLedgerEntry;
    w.row = i;
    w.string(e.agent_id, 'agent_id'); w.tab();
    w.uint(e.seq, MAX_UINT64, 'seq'); w.tab();
    w.uint(e.rows, MAX_UINT32, 'rows'); w.tab();
    w.string(e.body_sha256, 'body_sha256'); w.tab();
    w.uint(e.created_at_ms, MAX_UINT64, 'created_at_ms'); w.tab();
    w.uint(e.stored_at_ms, MAX_UINT64, 'stored_at_ms');
    w.newline();
  }
  return w.finish();
}

export const AGENT_COLUMNS = [
  'agent_id', 'public_key', 'country', 'continent', 'asn', 'name', 'enrolled_at_ms', 'revoked', 'revoked_at_ms',
  'updated_at_ms',
] as const satisfies readonly (keyof AgentRecord)[];

export function encodeAgent(a: AgentRecord): Buffer {
  const w = new TsvWriter(256);
  w.string(a.agent_id, 'agent_id'); w.tab();
  w.string(a.public_key, 'public_key'); w.tab();
  w.string(a.country, 'country'); w.tab();
  w.string(a.continent, 'continent'); w.tab();
  w.uint(a.asn, MAX_UINT32, 'asn'); w.tab();
  w.string(a.name, 'name'); w.tab();
  w.uint(a.enrolled_at_ms, MAX_UINT64, 'enrolled_at_ms'); w.tab();
  w.uint(a.revoked, MAX_UINT8, 'revoked'); w.tab();
  w.uint(a.revoked_at_ms, MAX_UINT64, 'revoked_at_ms'); w.tab();
  w.uint(a.updated_at_ms, MAX_UINT64, 'updated_at_ms');
  w.newline();
  return w.finish();
}

export const TOKEN_COLUMNS = [
  'token_sha256', 'label', 'created_at_ms', 'expires_at_ms', 'max_uses',
] as const satisfies readonly (keyof EnrolmentToken)[];

export function encodeToken(t: EnrolmentToken): Buffer {
  const w = new TsvWriter(256);
  w.string(t.token_sha256, 'token_sha256'); w.tab();
  w.string(t.label, 'label'); w.tab();
  w.uint(t.created_at_ms, MAX_UINT64, 'created_at_ms'); w.tab();
  w.uint(t.expires_at_ms, MAX_UINT64, 'expires_at_ms'); w.tab();
  w.uint(t.max_uses, MAX_UINT32, 'max_uses');
  w.newline();
  return w.finish();
}

export const ENROLMENT_USE_COLUMNS = ['token_sha256', 'agent_id', 'used_at_ms'] as const;

export function encodeEnrolmentUse(tokenSha256: string, agentId: string, atMs: number): Buffer {
  const w = new TsvWriter(160);
  w.string(tokenSha256, 'token_sha256'); w.tab();
  w.string(agentId, 'agent_id'); w.tab();
  w.uint(atMs, MAX_UINT64, 'used_at_ms');
  w.newline();
  return w.finish();
}

export const ZONE_COLUMNS = [
  'zone', 'interval_s', 'qtypes', 'query_authoritatives', 'added_at_ms', 'removed', 'updated_at_ms',
] as const satisfies readonly (keyof ZoneRecord)[];

export function encodeZone(z: ZoneRecord): Buffer {
  const w = new TsvWriter(256);
  w.string(z.zone, 'zone'); w.tab();
  w.uint(z.interval_s, MAX_UINT32, 'interval_s'); w.tab();
  w.uintArray(z.qtypes, MAX_UINT16, 'qtypes'); w.tab();
  w.uint(z.query_authoritatives, MAX_UINT8, 'query_authoritatives'); w.tab();
  w.uint(z.added_at_ms, MAX_UINT64, 'added_at_ms'); w.tab();
  w.uint(z.removed, MAX_UINT8, 'removed'); w.tab();
  w.uint(z.updated_at_ms, MAX_UINT64, 'updated_at_ms');
  w.newline();
  return w.finish();
}

export const MIGRATION_COLUMNS = ['name', 'checksum', 'applied_at_ms'] as const;

export function encodeMigration(name: string, checksum: string, appliedAtMs: number): Buffer {
  const w = new TsvWriter(160);
  w.string(name, 'name'); w.tab();
  w.string(checksum, 'checksum'); w.tab();
  w.uint(appliedAtMs, MAX_UINT64, 'applied_at_ms');
  w.newline();
  return w.finish();
}
