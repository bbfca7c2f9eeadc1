// GET /v1/zones/:zone/observations: one JSON page, or NDJSON (one ObservationJson per line).
import { Type } from 'typebox';

export const MAX_PAGE = 10_000;
export const DEFAULT_PAGE = 1_000;

export const ObservationsQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'observed_at >= from: ISO 8601 with zone, or epoch ms' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'observed_at < to: ISO 8601 with zone, or epoch ms' })),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  qtype: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'mnemonic (DNSKEY) or number (48)' })),
  limit: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_PAGE,
    description: `page size (default ${DEFAULT_PAGE}); with ndjson, the most rows to stream (default: all)`,
  })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ndjson')], {
    description: 'ndjson streams every matching row (also chosen by Accept: application/x-ndjson)',
  })),
}, { additionalProperties: false });

const Int = Type.Integer();
const Ints = Type.Array(Type.Integer());
const Strs = Type.Array(Type.String());

/** One stored observation: the columns of `observations`, raw as base64. */
export const ObservationJson = Type.Object({
  agent_id: Type.String(), seq: Int, idx: Int, received_at_ms: Int,
  country: Type.String(), continent: Type.String(), asn: Int,
  vantage_kind: Type.String(), server: Type.String(), server_port: Int, server_name: Type.String(),
  family: Int, transport: Type.String(), tc_retry: Int,
  zone: Type.String(), qname: Type.String(), qtype: Int, do_bit: Int, cd_bit: Int, edns_udp_size: Int,
  observed_at_ms: Int, rtt_us: Int,
  status: Type.String(), error: Type.String(), rcode: Int, header_flags: Int, aa: Int, tc: Int, ad: Int,
  ede_codes: Ints, ede_texts: Strs, attempts: Int,
  raw: Type.String({ description: 'the response as received, base64' }),
  answer_ttl: Int, soa_serial: Int,
  dnskey_flags: Ints, dnskey_protocols: Ints, dnskey_algorithms: Ints, dnskey_key_tags: Ints,
  dnskey_key_hashes: Strs, dnskey_key_bits: Ints,
  ds_key_tags: Ints, ds_algorithms: Ints, ds_digest_types: Ints, ds_digests: Strs,
  ns_hosts: Strs, csync_serial: Int, csync_flags: Int, csync_types: Ints,
  rrsig_type_covered: Ints, rrsig_algorithms: Ints, rrsig_labels: Ints, rrsig_original_ttls: Ints,
  rrsig_inceptions: Ints, rrsig_expirations: Ints, rrsig_key_tags: Ints, rrsig_signers: Strs, rrsig_ttls: Ints,
  rrsig_checks: Strs,
});

export const ObservationPage = Type.Object({
  observations: Type.Array(ObservationJson),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as cursor for the next page; null at the end' }),
});
