// The analyzer's input: one stored observation, exactly the `ObservationRow` of the collector's storage
// contract (packages/collector/src/storage/types.ts), copied rather than imported so that the analyzer
// does not depend on the collector. Field names and meanings must stay identical.

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

/** RR type numbers the analyzer treats specially (IANA). Every other type is zone data. */
export const QTYPE = {
  NS: 2,
  SOA: 6,
  DS: 43,
  RRSIG: 46,
  DNSKEY: 48,
  CDS: 59,
  CDNSKEY: 60,
  CSYNC: 62,
} as const;

/** DNSKEY flag bits (RFC 4034 §2.1.1, RFC 5011 §3). */
export const DNSKEY_FLAG = { ZONE: 0x0100, SEP: 0x0001, REVOKE: 0x0080 } as const;

/** RCODE values the analyzer reads (RFC 1035, RFC 6895). */
export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
