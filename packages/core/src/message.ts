// DNS message decoder and query encoder (RFC 1035 §4, RFC 6891 EDNS(0), RFC 8914 EDE).
//
// The decoder is the agent's hot path: one pass, no closures, no copies of RDATA (each record's
// rdata is a view into the message plus its offset, so names compressed inside RDATA can still be
// followed), owner names read straight into canonical lower-case text.

import { KtoError } from './errors.js';
import { nameCursor, nameToWire, readNameAt } from './names.js';
import { RRTYPE, typeFromName } from './types.js';

export interface DnsHeader {
  id: number;
  /** The 16-bit flags word as received (QR, OPCODE, AA, TC, RD, RA, Z, AD, CD, RCODE low bits). */
  flags: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  /** Extended RCODE: the header's 4 bits plus the OPT RR's upper 8 bits when there is an OPT. */
  rcode: number;
}

export interface DnsQuestion {
  name: string;
  type: number;
  klass: number;
}

export interface DnsRecord {
  /** Owner name, canonical (lower case, absolute). */
  name: string;
  type: number;
  klass: number;
  ttl: number;
  /** View of the RDATA inside the message bytes (may hold compression pointers). */
  rdata: Uint8Array;
  /** Offset of the RDATA in the message (for decoders that follow compressed names). */
  rdataOffset: number;
  rdataLength: number;
}

export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

export interface Edns {
  udpSize: number;
  version: number;
  dnssecOk: boolean;
  /** The OPT TTL field's flags word (DO is 0x8000). */
  flags: number;
  options: EdnsOption[];
}

export interface ExtendedDnsError {
  code: number;
  text: string;
}

export interface DnsMessage {
  header: DnsHeader;
  question: DnsQuestion[];
  answer: DnsRecord[];
  authority: DnsRecord[];
  /** Additional section, including the OPT pseudo-RR when present. */
  additional: DnsRecord[];
  edns?: Edns;
  /** RFC 8914 Extended DNS Errors found in the OPT RR (empty when none). */
  ede: ExtendedDnsError[];
  /** The message bytes the records' rdata views point into. */
  bytes: Uint8Array;
}

const MALFORMED = 'KTO_ERR_CORE_MALFORMED_MESSAGE';
const SECTION_NAMES = ['question', 'answer', 'authority', 'additional'] as const;
const utf8 = new TextDecoder('utf-8');

function malformed(msg: string, offset: number): KtoError {
  return new KtoError(MALFORMED, msg, { offset });
}

/**
 * Decodes a DNS message. Throws KtoError KTO_ERR_CORE_MALFORMED_MESSAGE naming the section and
 * offset for anything that is not a well-formed message: short header, counts that overrun the
 * bytes, bad names or compression pointers (backward-only, so no loops), RDATA past the end,
 * bytes left over after the last record, more than one OPT RR or an OPT RR whose owner is not the
 * root, and malformed EDNS options.
 */
export function decodeMessage(bytes: Uint8Array): DnsMessage {
  if (!(bytes instanceof Uint8Array)) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'decodeMessage needs a Uint8Array');
  }
  const len = bytes.length;
  if (len < 12) throw malformed(`message of ${len} octets is shorter than the 12-octet header`, 0);
  const b = bytes;
  const flags = ((b[2] as number) << 8) | (b[3] as number);
  const qdcount = ((b[4] as number) << 8) | (b[5] as number);
  const ancount = ((b[6] as number) << 8) | (b[7] as number);
  const nscount = ((b[8] as number) << 8) | (b[9] as number);
  const arcount = ((b[10] as number) << 8) | (b[11] as number);

  let p = 12;
  const question: DnsQuestion[] = new Array<DnsQuestion>(qdcount);
  for (let i = 0; i < qdcount; i++) {
    const name = readNameAt(b, p, len, MALFORMED, `question ${i}`);
    p = nameCursor.end;
    if (p + 4 > len) throw malformed(`question ${i}: type/class cut off at offset ${p}`, p);
    question[i] = {
      name,
      type: ((b[p] as number) << 8) | (b[p + 1] as number),
      klass: ((b[p + 2] as number) << 8) | (b[p + 3] as number),
    };
    p += 4;
  }

  const answer: DnsRecord[] = new Array<DnsRecord>(ancount);
  p = readSection(b, p, ancount, answer, 1);
  const authority: DnsRecord[] = new Array<DnsRecord>(nscount);
  p = readSection(b, p, nscount, authority, 2);
  const additional: DnsRecord[] = new Array<DnsRecord>(arcount);
  p = readSection(b, p, arcount, additional, 3);
  if (p !== len) throw malformed(`${len - p} octets left after the additional section (offset ${p})`, p);

  let rcode = flags & 0x000f;
  let edns: Edns | undefined;
  const ede: ExtendedDnsError[] = [];
  for (let i = 0; i < arcount; i++) {
    const rr = additional[i] as DnsRecord;
    if (rr.type !== 41) continue;
    if (edns !== undefined) throw malformed(`additional ${i}: a second OPT RR`, rr.rdataOffset);
    if (rr.name !== '.') throw malformed(`additional ${i}: OPT RR owner is ${rr.name}, not the root`, rr.rdataOffset);
    const ttl = rr.ttl;
    rcode |= (ttl >>> 24) << 4;
    const options: EdnsOption[] = [];
    let q = rr.rdataOffset;
    const end = q + rr.rdataLength;
    while (q < end) {
      if (q + 4 > end) throw malformed(`additional ${i}: EDNS option header cut off at offset ${q}`, q);
      const code = ((b[q] as number) << 8) | (b[q + 1] as number);
      const olen = ((b[q + 2] as number) << 8) | (b[q + 3] as number);
      q += 4;
      if (q + olen > end) throw malformed(`additional ${i}: EDNS option ${code} runs past the OPT RDATA (offset ${q})`, q);
      const data = b.subarray(q, q + olen);
      options.push({ code, data });
      if (code === 15) {
        if (olen < 2) throw malformed(`additional ${i}: Extended DNS Error option of ${olen} octets`, q);
        ede.push({ code: ((data[0] as number) << 8) | (data[1] as number), text: olen > 2 ? utf8.decode(data.subarray(2)) : '' });
      }
      q += olen;
    }
    edns = {
      udpSize: rr.klass,
      version: (ttl >>> 16) & 0xff,
      dnssecOk: (ttl & 0x8000) !== 0,
      flags: ttl & 0xffff,
      options,
    };
  }

  const header: DnsHeader = {
    id: ((b[0] as number) << 8) | (b[1] as number),
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0x0f,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode,
  };
  const msg: DnsMessage = { header, question, answer, authority, additional, ede, bytes };
  if (edns !== undefined) msg.edns = edns;
  return msg;
}

function readSection(b: Uint8Array, start: number, count: number, out: DnsRecord[], section: number): number {
  const len = b.length;
  let p = start;
  for (let i = 0; i < count; i++) {
    const name = readNameAt(b, p, len, MALFORMED, `${SECTION_NAMES[section]} ${i}`);
    p = nameCursor.end;
    if (p + 10 > len) throw malformed(`${SECTION_NAMES[section]} ${i}: record header cut off at offset ${p}`, p);
    const rdlen = ((b[p + 8] as number) << 8) | (b[p + 9] as number);
    const rdataOffset = p + 10;
    if (rdataOffset + rdlen > len) {
      throw malformed(`${SECTION_NAMES[section]} ${i}: RDATA of ${rdlen} octets at offset ${rdataOffset} runs past the end`, rdataOffset);
    }
    out[i] = {
      name,
      type: ((b[p] as number) << 8) | (b[p + 1] as number),
      klass: ((b[p + 2] as number) << 8) | (b[p + 3] as number),
      ttl: (((b[p + 4] as number) << 24) | ((b[p + 5] as number) << 16) | ((b[p + 6] as number) << 8) | (b[p + 7] as number)) >>> 0,
      rdata: b.subarray(rdataOffset, rdataOffset + rdlen),
      rdataOffset,
      rdataLength: rdlen,
    };
    p = rdataOffset + rdlen;
  }
  return p;
}

export interface QueryOptions {
  id: number;
  name: string;
  /** TYPE value or mnemonic ("DNSKEY", "TYPE65"). */
  type: number | string;
  klass?: number;
  rd?: boolean;
  cd?: boolean;
  /** Sets the EDNS DO bit (RFC 3225). */
  dnssecOk?: boolean;
  /** EDNS UDP payload size advertised in the OPT RR. */
  udpSize?: number;
}

/** Encodes a query for (name, type) with one OPT RR (EDNS version 0). */
export function encodeQuery(opts: QueryOptions): Uint8Array {
  if (opts === null || typeof opts !== 'object') throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'encodeQuery needs an options object');
  const { id, name, klass = 1, rd = true, cd = false, dnssecOk = true, udpSize = 4096 } = opts;
  const type = typeof opts.type === 'string' ? typeFromName(opts.type) : opts.type;
  checkU16(id, 'id');
  checkU16(type, 'type');
  checkU16(klass, 'klass');
  checkU16(udpSize, 'udpSize');
  if (type === RRTYPE.OPT) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'encodeQuery: OPT is not a query type');
  const qname = nameToWire(name);
  const out = new Uint8Array(12 + qname.length + 4 + 11);
  out[0] = id >>> 8;
  out[1] = id & 0xff;
  out[2] = rd ? 0x01 : 0x00;
  out[3] = cd ? 0x10 : 0x00;
  out[5] = 1; // QDCOUNT
  out[11] = 1; // ARCOUNT
  out.set(qname, 12);
  let p = 12 + qname.length;
  out[p] = type >>> 8;
  out[p + 1] = type & 0xff;
  out[p + 2] = klass >>> 8;
  out[p + 3] = klass & 0xff;
  p += 4;
  // OPT RR: root owner, TYPE 41, CLASS = UDP payload size, TTL = ext-rcode 0 | version 0 | DO, RDLEN 0
  out[p] = 0;
  out[p + 1] = 0;
  out[p + 2] = 41;
  out[p + 3] = udpSize >>> 8;
  out[p + 4] = udpSize & 0xff;
  out[p + 7] = dnssecOk ? 0x80 : 0x00;
  return out;
}

function checkU16(v: unknown, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `encodeQuery: ${what} must be an integer 0..65535, got ${String(v)}`);
  }
}
