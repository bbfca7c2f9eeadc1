// An ObservationRow from a DNS response the analyzer builds itself (zone snapshots, synthesized series):
// the summary columns are filled by core's summarizeAnswer over the raw bytes, as an agent's would be.

import { decodeMessage, hexEncode, summarizeAnswer } from '@kto/core';
import type { ObservationRow } from '../observation.js';

export interface RowMeta {
  agent_id: string;
  seq: number;
  idx: number;
  vantage_kind: ObservationRow['vantage_kind'];
  server: string;
  server_name: string;
  country: string;
  continent: string;
  zone: string;
  qtype: number;
  observed_at_ms: number;
  /** Default: observed_at_ms. */
  received_at_ms?: number;
}

/** A row whose query failed (timeout, network error): no response. */
export function failedRow(meta: RowMeta, status: Exclude<ObservationRow['status'], 'ok'>): ObservationRow {
  return { ...baseRow(meta), status, error: status };
}

function baseRow(m: RowMeta): ObservationRow {
  return {
    agent_id: m.agent_id, seq: m.seq, idx: m.idx, received_at_ms: m.received_at_ms ?? m.observed_at_ms,
    country: m.country, continent: m.continent, asn: 0, vantage_kind: m.vantage_kind, server: m.server, server_port: 53,
    server_name: m.server_name, family: 4, transport: 'udp', tc_retry: 0, zone: m.zone, qname: m.zone, qtype: m.qtype,
    do_bit: 1, cd_bit: 0, edns_udp_size: 1232, observed_at_ms: m.observed_at_ms, rtt_us: 0, status: 'ok', error: '',
    rcode: 0, header_flags: 0, aa: 0, tc: 0, ad: 0, ede_codes: [], ede_texts: [], attempts: 1, raw: new Uint8Array(0),
    answer_ttl: 0, soa_serial: 0, dnskey_flags: [], dnskey_protocols: [], dnskey_algorithms: [], dnskey_key_tags: [],
    dnskey_key_hashes: [], dnskey_key_bits: [], ds_key_tags: [], ds_algorithms: [], ds_digest_types: [], ds_digests: [],
    ns_hosts: [], csync_serial: 0, csync_flags: 0, csync_types: [], rrsig_type_covered: [], rrsig_algorithms: [], rrsig_labels: [],
    rrsig_original_ttls: [], rrsig_inceptions: [], rrsig_expirations: [], rrsig_key_tags: [], rrsig_signers: [], rrsig_ttls: [], rrsig_checks: [],
  };
}

/** The row of an observation whose response bytes are `raw` (summary from summarizeAnswer). */
export function rowFromResponse(meta: RowMeta, raw: Uint8Array, opts: { withRaw?: boolean } = {}): ObservationRow {
  const row = baseRow(meta);
  const msg = decodeMessage(raw);
  const s = summarizeAnswer(msg, meta.qtype);
  row.raw = opts.withRaw === false ? new Uint8Array(0) : raw;
  row.rcode = msg.header.rcode;
  row.header_flags = msg.header.flags;
  row.aa = msg.header.aa ? 1 : 0;
  row.tc = msg.header.tc ? 1 : 0;
  row.ede_codes = msg.ede.map((e) => e.code);
  row.ede_texts = msg.ede.map((e) => e.text);
  row.answer_ttl = s.answerTtl;
  row.soa_serial = s.soaSerial;
  for (const rec of s.answer) {
    if (rec.dnskey !== undefined && rec.type === meta.qtype) {
      row.dnskey_flags.push(rec.dnskey.flags);
      row.dnskey_protocols.push(rec.dnskey.protocol);
      row.dnskey_algorithms.push(rec.dnskey.algorithm);
      row.dnskey_key_tags.push(rec.dnskey.keyTag);
      row.dnskey_key_hashes.push(hexEncode(rec.dnskey.keyHash));
      row.dnskey_key_bits.push(rec.dnskey.keyBits);
    } else if (rec.ds !== undefined && rec.type === meta.qtype) {
      row.ds_key_tags.push(rec.ds.keyTag);
      row.ds_algorithms.push(rec.ds.algorithm);
      row.ds_digest_types.push(rec.ds.digestType);
      row.ds_digests.push(hexEncode(rec.ds.digest));
    } else if (rec.ns !== undefined) {
      row.ns_hosts.push(rec.ns.host);
    } else if (rec.csync !== undefined) {
      row.csync_serial = rec.csync.serial;
      row.csync_flags = rec.csync.flags;
      row.csync_types = [...rec.csync.types];
    }
  }
  for (const g of s.rrsigs) {
    row.rrsig_type_covered.push(g.typeCovered);
    row.rrsig_algorithms.push(g.algorithm);
    row.rrsig_labels.push(g.labels);
    row.rrsig_original_ttls.push(g.originalTtl);
    row.rrsig_inceptions.push(g.inception);
    row.rrsig_expirations.push(g.expiration);
    row.rrsig_key_tags.push(g.keyTag);
    row.rrsig_signers.push(g.signer);
    row.rrsig_ttls.push(g.ttl);
    row.rrsig_checks.push('unchecked');
  }
  return row;
}
