// The analyzer's input: one stored observation, exactly the `ObservationRow` of the collector's storage
// contract (packages/collector/src/storage/types.ts): one definition for both, so that what the
// collector stores is what the analyzer reads (a type-only import: the analyzer's core code loads
// nothing of the collector).
export type { ObservationRow } from '@kto/collector';

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
