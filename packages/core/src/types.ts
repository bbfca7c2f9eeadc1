// IANA DNS parameter tables: RR types, classes, opcodes, rcodes, DNSSEC algorithms, DS digest
// types and Extended DNS Error codes, with mnemonic <-> number helpers.
// Sources: IANA "Domain Name System (DNS) Parameters", "DNS Security Algorithm Numbers",
// "Delegation Signer (DS) Resource Record (RR) Type Digest Algorithms", RFC 8914 §5.2 and the
// IANA "Extended DNS Error Codes" registry.

import { KtoError } from './errors.js';

/** Resource record TYPE values by IANA mnemonic (ANY is the QTYPE IANA writes as "*"). */
export const RRTYPE = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10, WKS: 11, PTR: 12,
  HINFO: 13, MINFO: 14, MX: 15, TXT: 16, RP: 17, AFSDB: 18, X25: 19, ISDN: 20, RT: 21, NSAP: 22,
  'NSAP-PTR': 23, SIG: 24, KEY: 25, PX: 26, GPOS: 27, AAAA: 28, LOC: 29, NXT: 30, EID: 31,
  NIMLOC: 32, SRV: 33, ATMA: 34, NAPTR: 35, KX: 36, CERT: 37, A6: 38, DNAME: 39, SINK: 40, OPT: 41,
  APL: 42, DS: 43, SSHFP: 44, IPSECKEY: 45, RRSIG: 46, NSEC: 47, DNSKEY: 48, DHCID: 49, NSEC3: 50,
  NSEC3PARAM: 51, TLSA: 52, SMIMEA: 53, HIP: 55, NINFO: 56, RKEY: 57, TALINK: 58, CDS: 59,
  CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62, ZONEMD: 63, SVCB: 64, HTTPS: 65, SPF: 99, UINFO: 100,
  UID: 101, GID: 102, UNSPEC: 103, NID: 104, L32: 105, L64: 106, LP: 107, EUI48: 108, EUI64: 109,
  TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255, URI: 256, CAA: 257,
  AVC: 258, DOA: 259, AMTRELAY: 260, RESINFO: 261, TA: 32768, DLV: 32769,
} as const;

export type RrTypeName = keyof typeof RRTYPE;

const TYPE_NAMES = new Map<number, string>();
for (const [k, v] of Object.entries(RRTYPE)) TYPE_NAMES.set(v, k);

/** Mnemonic of a TYPE value, or the RFC 3597 "TYPEnnn" form for one without a mnemonic. */
export function typeName(type: number): string {
  const name = TYPE_NAMES.get(type);
  if (name !== undefined) return name;
  checkU16(type, 'type');
  return `TYPE${type}`;
}

/** TYPE value of a mnemonic (case-insensitive) or of "TYPEnnn". Throws KTO_ERR_CORE_BAD_ARGUMENT. */
export function typeFromName(name: string): number {
  const n = lookupMnemonic(name, RRTYPE as Readonly<Record<string, number>>, 'TYPE');
  if (n === undefined) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `unknown RR type mnemonic ${JSON.stringify(name)}`);
  return n;
}

/** CLASS values (RFC 1035 §3.2.4, RFC 2136 NONE, QCLASS ANY). */
export const RRCLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

const CLASS_NAMES = new Map<number, string>();
for (const [k, v] of Object.entries(RRCLASS)) CLASS_NAMES.set(v, k);

/** Mnemonic of a CLASS value, or "CLASSnnn". */
export function className(klass: number): string {
  const name = CLASS_NAMES.get(klass);
  if (name !== undefined) return name;
  checkU16(klass, 'class');
  return `CLASS${klass}`;
}

/** CLASS value of a mnemonic or "CLASSnnn". Throws KTO_ERR_CORE_BAD_ARGUMENT. */
export function classFromName(name: string): number {
  const n = lookupMnemonic(name, RRCLASS as Readonly<Record<string, number>>, 'CLASS');
  if (n === undefined) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `unknown class mnemonic ${JSON.stringify(name)}`);
  return n;
}

/** OPCODE values (RFC 1035, RFC 1996 NOTIFY, RFC 2136 UPDATE, RFC 8490 DSO). */
export const OPCODE = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5, DSO: 6 } as const;

/**
 * RCODE values (RFC 1035, 2136, 6891, 8490, 2845/2930/8945, 7873). 16 is BADVERS in an OPT RR
 * (and BADSIG in TSIG); the table names the OPT meaning since KTO reads extended rcodes.
 */
export const RCODE = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7,
  NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10, DSOTYPENI: 11, BADVERS: 16, BADKEY: 17, BADTIME: 18,
  BADMODE: 19, BADNAME: 20, BADALG: 21, BADTRUNC: 22, BADCOOKIE: 23,
} as const;

const RCODE_NAMES = new Map<number, string>();
for (const [k, v] of Object.entries(RCODE)) RCODE_NAMES.set(v, k);

/** Mnemonic of an (extended) RCODE, or "RCODEnnn". */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

/** DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers"), mnemonic -> number. */
export const DNSSEC_ALGORITHM = {
  RSAMD5: 1, DH: 2, DSA: 3, RSASHA1: 5, 'DSA-NSEC3-SHA1': 6, 'RSASHA1-NSEC3-SHA1': 7, RSASHA256: 8,
  RSASHA512: 10, 'ECC-GOST': 12, ECDSAP256SHA256: 13, ECDSAP384SHA384: 14, ED25519: 15, ED448: 16,
  INDIRECT: 252, PRIVATEDNS: 253, PRIVATEOID: 254,
} as const;

const ALGORITHM_NAMES = new Map<number, string>();
for (const [k, v] of Object.entries(DNSSEC_ALGORITHM)) ALGORITHM_NAMES.set(v, k);

/** Mnemonic of a DNSSEC algorithm number, or its decimal text when unassigned. */
export function algorithmName(algorithm: number): string {
  return ALGORITHM_NAMES.get(algorithm) ?? String(algorithm);
}

/** Algorithm number from a mnemonic (case-insensitive) or decimal text (RFC 4034 §2.2). */
export function algorithmFromName(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 255) return n;
  } else {
    const n = lookupMnemonic(text, DNSSEC_ALGORITHM as Readonly<Record<string, number>>, null);
    if (n !== undefined) return n;
  }
  throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `unknown DNSSEC algorithm ${JSON.stringify(text)}`);
}

/** DS digest types (IANA registry): 1 SHA-1 (RFC 3658), 2 SHA-256 (RFC 4509), 3 GOST (RFC 5933), 4 SHA-384 (RFC 6605). */
export const DIGEST_TYPE = { 'SHA-1': 1, 'SHA-256': 2, 'GOST R 34.11-94': 3, 'SHA-384': 4 } as const;

const DIGEST_NAMES = new Map<number, string>();
for (const [k, v] of Object.entries(DIGEST_TYPE)) DIGEST_NAMES.set(v, k);

/** Name of a DS digest type, or its decimal text when unassigned. */
export function digestTypeName(digestType: number): string {
  return DIGEST_NAMES.get(digestType) ?? String(digestType);
}

/** EDNS(0) option codes KTO reads (IANA "DNS EDNS0 Option Codes"). */
export const EDNS_OPTION = {
  NSID: 3, 'edns-client-subnet': 8, COOKIE: 10, 'edns-tcp-keepalive': 11, Padding: 12, CHAIN: 13,
  'edns-key-tag': 14, 'Extended DNS Error': 15,
} as const;

/** Extended DNS Error INFO-CODEs: RFC 8914 §5.2 (0..24) and later IANA registrations (25..30). */
export const EDE_CODE_NAMES: Readonly<Record<number, string>> = {
  0: 'Other Error',
  1: 'Unsupported DNSKEY Algorithm',
  2: 'Unsupported DS Digest Type',
  3: 'Stale Answer',
  4: 'Forged Answer',
  5: 'DNSSEC Indeterminate',
  6: 'DNSSEC Bogus',
  7: 'Signature Expired',
  8: 'Signature Not Yet Valid',
  9: 'DNSKEY Missing',
  10: 'RRSIGs Missing',
  11: 'No Zone Key Bit Set',
  12: 'NSEC Missing',
  13: 'Cached Error',
  14: 'Not Ready',
  15: 'Blocked',
  16: 'Censored',
  17: 'Filtered',
  18: 'Prohibited',
  19: 'Stale NXDOMAIN Answer',
  20: 'Not Authoritative',
  21: 'Not Supported',
  22: 'No Reachable Authority',
  23: 'Network Error',
  24: 'Invalid Data',
  25: 'Signature Expired before Valid',
  26: 'Too Early',
  27: 'Unsupported NSEC3 Iterations Value',
  28: 'Unable to conform to policy',
  29: 'Synthesized',
  30: 'Invalid Query Type',
};

/** Name of an EDE INFO-CODE, or "EDEnnn" when unassigned. */
export function edeName(code: number): string {
  return EDE_CODE_NAMES[code] ?? `EDE${code}`;
}

function checkU16(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${what} must be an integer 0..65535, got ${String(n)}`);
  }
}

function lookupMnemonic(
  text: string, table: Readonly<Record<string, number>>, generic: string | null,
): number | undefined {
  if (typeof text !== 'string') return undefined;
  const upper = text.toUpperCase();
  const direct = table[upper];
  if (direct !== undefined && Object.hasOwn(table, upper)) return direct;
  if (generic !== null && upper.startsWith(generic)) {
    const digits = upper.slice(generic.length);
    if (/^\d{1,5}$/.test(digits)) {
      const n = Number(digits);
      if (n <= 0xffff) return n;
    }
  }
  return undefined;
}
