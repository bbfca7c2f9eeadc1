// RDATA codecs for the types KTO tracks: DNSKEY/CDNSKEY (RFC 4034 §2, RFC 7344), DS/CDS (RFC 4034
// §5, RFC 7344), RRSIG (RFC 4034 §3), NSEC (RFC 4034 §4), SOA and NS (RFC 1035 §3.3), CSYNC
// (RFC 7477 §2.1), and the NSEC-style type bitmap (RFC 4034 §4.1.2).
//
// Decoders take (message bytes, RDATA offset, RDATA length) so that compressed names inside RDATA
// (NS, SOA; leniently also RRSIG signer and NSEC next name) are followed within the whole message.
// Returned byte fields (publicKey, digest, signature) are views into the input, not copies.
// Encoders write uncompressed names in canonical (lower-case) form.

import { KtoError } from './errors.js';
import { copyNameAt, nameCursor, nameToWire, readNameAt } from './names.js';
import { typeName } from './types.js';

export interface DnskeyRdata {
  flags: number;
  protocol: number;
  algorithm: number;
  publicKey: Uint8Array;
}

export interface DsRdata {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: Uint8Array;
}

export interface RrsigRdata {
  typeCovered: number;
  algorithm: number;
  labels: number;
  originalTtl: number;
  /** uint32 seconds as on the wire (RFC 1982 serial arithmetic is the reader's business). */
  expiration: number;
  inception: number;
  keyTag: number;
  signer: string;
  signature: Uint8Array;
}

export interface SoaRdata {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface NsRdata {
  host: string;
}

export interface CsyncRdata {
  serial: number;
  flags: number;
  /** RR types of the bitmap, ascending. */
  types: number[];
}

export interface NsecRdata {
  next: string;
  types: number[];
}

const RDATA = 'KTO_ERR_CORE_MALFORMED_RDATA';

function malformed(type: string, offset: number, what: string): KtoError {
  return new KtoError(RDATA, `${type} RDATA at offset ${offset}: ${what}`, { type, offset });
}

function checkBounds(buf: Uint8Array, offset: number, length: number, type: string): void {
  if (!(buf instanceof Uint8Array)) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${type} decoder: bytes must be a Uint8Array`);
  }
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > buf.length) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT',
      `${type} decoder: RDATA range ${offset}+${length} is outside the ${buf.length}-byte buffer`);
  }
}

function u16(buf: Uint8Array, p: number): number {
  return ((buf[p] as number) << 8) | (buf[p + 1] as number);
}

function u32(buf: Uint8Array, p: number): number {
  return (((buf[p] as number) << 24) | ((buf[p + 1] as number) << 16) | ((buf[p + 2] as number) << 8) | (buf[p + 3] as number)) >>> 0;
}

function put16(out: Uint8Array, p: number, v: number): void {
  out[p] = v >>> 8;
  out[p + 1] = v & 0xff;
}

function put32(out: Uint8Array, p: number, v: number): void {
  out[p] = v >>> 24;
  out[p + 1] = (v >>> 16) & 0xff;
  out[p + 2] = (v >>> 8) & 0xff;
  out[p + 3] = v & 0xff;
}

// ---------------------------------------------------------------------------------------------
// DNSKEY / CDNSKEY

export function decodeDnskey(buf: Uint8Array, offset: number, length: number, type = 'DNSKEY'): DnskeyRdata {
  checkBounds(buf, offset, length, type);
  if (length < 4) throw malformed(type, offset, `${length} octets, need at least 4`);
  return {
    flags: u16(buf, offset),
    protocol: buf[offset + 2] as number,
    algorithm: buf[offset + 3] as number,
    publicKey: buf.subarray(offset + 4, offset + length),
  };
}

export function encodeDnskey(d: DnskeyRdata): Uint8Array {
  checkUint(d.flags, 0xffff, 'DNSKEY flags');
  checkUint(d.protocol, 0xff, 'DNSKEY protocol');
  checkUint(d.algorithm, 0xff, 'DNSKEY algorithm');
  checkBytes(d.publicKey, 'DNSKEY publicKey', 0xffff - 4);
  const out = new Uint8Array(4 + d.publicKey.length);
  put16(out, 0, d.flags);
  out[2] = d.protocol;
  out[3] = d.algorithm;
  out.set(d.publicKey, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// DS / CDS

export function decodeDs(buf: Uint8Array, offset: number, length: number, type = 'DS'): DsRdata {
  checkBounds(buf, offset, length, type);
  if (length < 4) throw malformed(type, offset, `${length} octets, need at least 4`);
  return {
    keyTag: u16(buf, offset),
    algorithm: buf[offset + 2] as number,
    digestType: buf[offset + 3] as number,
    digest: buf.subarray(offset + 4, offset + length),
  };
}

export function encodeDs(d: DsRdata): Uint8Array {
  checkUint(d.keyTag, 0xffff, 'DS keyTag');
  checkUint(d.algorithm, 0xff, 'DS algorithm');
  checkUint(d.digestType, 0xff, 'DS digestType');
  checkBytes(d.digest, 'DS digest', 0xffff - 4);
  const out = new Uint8Array(4 + d.digest.length);
  put16(out, 0, d.keyTag);
  out[2] = d.algorithm;
  out[3] = d.digestType;
  out.set(d.digest, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// RRSIG

export function decodeRrsig(buf: Uint8Array, offset: number, length: number): RrsigRdata {
  checkBounds(buf, offset, length, 'RRSIG');
  const end = offset + length;
  if (length < 19) throw malformed('RRSIG', offset, `${length} octets, need at least 19`);
  const signer = readNameAt(buf, offset + 18, end, RDATA, 'RRSIG signer');
  const sigStart = nameCursor.end;
  return {
    typeCovered: u16(buf, offset),
    algorithm: buf[offset + 2] as number,
    labels: buf[offset + 3] as number,
    originalTtl: u32(buf, offset + 4),
    expiration: u32(buf, offset + 8),
    inception: u32(buf, offset + 12),
    keyTag: u16(buf, offset + 16),
    signer,
    signature: buf.subarray(sigStart, end),
  };
}

export function encodeRrsig(d: RrsigRdata): Uint8Array {
  checkUint(d.typeCovered, 0xffff, 'RRSIG typeCovered');
  checkUint(d.algorithm, 0xff, 'RRSIG algorithm');
  checkUint(d.labels, 0xff, 'RRSIG labels');
  checkUint(d.originalTtl, 0xffffffff, 'RRSIG originalTtl');
  checkUint(d.expiration, 0xffffffff, 'RRSIG expiration');
  checkUint(d.inception, 0xffffffff, 'RRSIG inception');
  checkUint(d.keyTag, 0xffff, 'RRSIG keyTag');
  const signer = nameToWire(d.signer);
  checkBytes(d.signature, 'RRSIG signature', 0xffff - 18 - signer.length);
  const out = new Uint8Array(18 + signer.length + d.signature.length);
  put16(out, 0, d.typeCovered);
  out[2] = d.algorithm;
  out[3] = d.labels;
  put32(out, 4, d.originalTtl);
  put32(out, 8, d.expiration);
  put32(out, 12, d.inception);
  put16(out, 16, d.keyTag);
  out.set(signer, 18);
  out.set(d.signature, 18 + signer.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// SOA, NS

export function decodeSoa(buf: Uint8Array, offset: number, length: number): SoaRdata {
  checkBounds(buf, offset, length, 'SOA');
  const end = offset + length;
  const mname = readNameAt(buf, offset, end, RDATA, 'SOA MNAME');
  const rname = readNameAt(buf, nameCursor.end, end, RDATA, 'SOA RNAME');
  const p = nameCursor.end;
  if (end - p !== 20) throw malformed('SOA', offset, `${end - p} octets after the names, need 20`);
  return {
    mname,
    rname,
    serial: u32(buf, p),
    refresh: u32(buf, p + 4),
    retry: u32(buf, p + 8),
    expire: u32(buf, p + 12),
    minimum: u32(buf, p + 16),
  };
}

export function encodeSoa(d: SoaRdata): Uint8Array {
  const m = nameToWire(d.mname);
  const r = nameToWire(d.rname);
  const out = new Uint8Array(m.length + r.length + 20);
  out.set(m, 0);
  out.set(r, m.length);
  let p = m.length + r.length;
  for (const [v, what] of [[d.serial, 'serial'], [d.refresh, 'refresh'], [d.retry, 'retry'], [d.expire, 'expire'], [d.minimum, 'minimum']] as const) {
    checkUint(v, 0xffffffff, `SOA ${what}`);
    put32(out, p, v);
    p += 4;
  }
  return out;
}

export function decodeNs(buf: Uint8Array, offset: number, length: number): NsRdata {
  checkBounds(buf, offset, length, 'NS');
  const end = offset + length;
  const host = readNameAt(buf, offset, end, RDATA, 'NS NSDNAME');
  if (nameCursor.end !== end) throw malformed('NS', offset, `${end - nameCursor.end} octets after the name`);
  return { host };
}

export function encodeNs(d: NsRdata): Uint8Array {
  return nameToWire(d.host);
}

// ---------------------------------------------------------------------------------------------
// Type bitmap (NSEC, NSEC3, CSYNC)

/**
 * Decodes an RFC 4034 §4.1.2 type bitmap in buf[offset..end) into ascending type numbers.
 * Window blocks must ascend; each bitmap is 1..32 octets. Trailing zero octets are tolerated.
 */
export function decodeTypeBitmap(buf: Uint8Array, offset: number, end: number, type = 'type bitmap'): number[] {
  const types: number[] = [];
  let p = offset;
  let lastWindow = -1;
  while (p < end) {
    if (p + 2 > end) throw malformed(type, offset, `window header cut off at offset ${p}`);
    const window = buf[p] as number;
    const len = buf[p + 1] as number;
    if (window <= lastWindow) throw malformed(type, offset, `window ${window} after window ${lastWindow}`);
    if (len < 1 || len > 32) throw malformed(type, offset, `window ${window} has bitmap length ${len}, need 1..32`);
    if (p + 2 + len > end) throw malformed(type, offset, `window ${window} bitmap runs past the end`);
    for (let i = 0; i < len; i++) {
      const bits = buf[p + 2 + i] as number;
      if (bits === 0) continue;
      for (let b = 0; b < 8; b++) {
        if (bits & (0x80 >> b)) types.push(window * 256 + i * 8 + b);
      }
    }
    lastWindow = window;
    p += 2 + len;
  }
  return types;
}

/** Encodes type numbers (any order, duplicates ignored) as an RFC 4034 §4.1.2 type bitmap. */
export function encodeTypeBitmap(types: readonly number[]): Uint8Array {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  for (const t of sorted) checkUint(t, 0xffff, 'type in bitmap');
  const parts: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    const window = (sorted[i] as number) >> 8;
    const bitmap = new Uint8Array(32);
    let maxOctet = 0;
    while (i < sorted.length && (sorted[i] as number) >> 8 === window) {
      const low = (sorted[i] as number) & 0xff;
      const octet = low >> 3;
      bitmap[octet] = (bitmap[octet] as number) | (0x80 >> (low & 7));
      if (octet > maxOctet) maxOctet = octet;
      i++;
    }
    parts.push(window, maxOctet + 1);
    for (let k = 0; k <= maxOctet; k++) parts.push(bitmap[k] as number);
  }
  return Uint8Array.from(parts);
}

// ---------------------------------------------------------------------------------------------
// CSYNC, NSEC

export function decodeCsync(buf: Uint8Array, offset: number, length: number): CsyncRdata {
  checkBounds(buf, offset, length, 'CSYNC');
  if (length < 6) throw malformed('CSYNC', offset, `${length} octets, need at least 6`);
  return {
    serial: u32(buf, offset),
    flags: u16(buf, offset + 4),
    types: decodeTypeBitmap(buf, offset + 6, offset + length, 'CSYNC'),
  };
}

export function encodeCsync(d: CsyncRdata): Uint8Array {
  checkUint(d.serial, 0xffffffff, 'CSYNC serial');
  checkUint(d.flags, 0xffff, 'CSYNC flags');
  const bitmap = encodeTypeBitmap(d.types);
  const out = new Uint8Array(6 + bitmap.length);
  put32(out, 0, d.serial);
  put16(out, 4, d.flags);
  out.set(bitmap, 6);
  return out;
}

export function decodeNsec(buf: Uint8Array, offset: number, length: number): NsecRdata {
  checkBounds(buf, offset, length, 'NSEC');
  const end = offset + length;
  const next = readNameAt(buf, offset, end, RDATA, 'NSEC next domain name');
  return { next, types: decodeTypeBitmap(buf, nameCursor.end, end, 'NSEC') };
}

export function encodeNsec(d: NsecRdata): Uint8Array {
  const next = nameToWire(d.next);
  const bitmap = encodeTypeBitmap(d.types);
  const out = new Uint8Array(next.length + bitmap.length);
  out.set(next, 0);
  out.set(bitmap, next.length);
  return out;
}

/**
 * The RDATA of a record with every compressed name expanded (RFC 3597 §4 lists where servers may
 * compress: NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX, and in practice RP, AFSDB, RT,
 * SIG, PX, NXT, NAPTR, SRV, RRSIG). `lower` also lower-cases those names (canonical form).
 * Types without names come back as a copy of the RDATA.
 */
export function expandRdata(type: number, buf: Uint8Array, offset: number, length: number, lower: boolean): Uint8Array {
  checkBounds(buf, offset, length, 'RDATA');
  const layout = NAME_LAYOUT[type];
  if (layout === undefined) return buf.slice(offset, offset + length);
  const end = offset + length;
  // worst case: every name grows to 255 octets
  const out = new Uint8Array(length + layout.length * 255);
  let p = offset;
  let w = 0;
  const tname = typeName(type);
  for (const step of layout) {
    if (step > 0) {
      // fixed octets
      if (p + step > end) throw malformed(tname, offset, `RDATA shorter than its fixed fields`);
      out.set(buf.subarray(p, p + step), w);
      p += step;
      w += step;
    } else if (step === NAME) {
      w += copyNameAt(buf, p, end, out, w, lower, RDATA, `${tname} RDATA name`);
      p = nameCursor.end;
    } else if (step === CHARSTR) {
      if (p >= end) throw malformed(tname, offset, 'character-string missing');
      const n = 1 + (buf[p] as number);
      if (p + n > end) throw malformed(tname, offset, 'character-string runs past the end');
      out.set(buf.subarray(p, p + n), w);
      p += n;
      w += n;
    } else if (step === A6PREFIX) {
      if (p >= end) throw malformed(tname, offset, 'A6 prefix length missing');
      const prefixLen = buf[p] as number;
      if (prefixLen > 128) throw malformed(tname, offset, `A6 prefix length ${prefixLen}`);
      const n = 1 + Math.ceil((128 - prefixLen) / 8);
      if (p + n > end) throw malformed(tname, offset, 'A6 address suffix runs past the end');
      out.set(buf.subarray(p, p + n), w);
      p += n;
      w += n;
      if (prefixLen === 0) break; // no prefix name (RFC 2874 §3.1.1)
    }
  }
  if (p < end) {
    out.set(buf.subarray(p, end), w);
    w += end - p;
  }
  return out.slice(0, w);
}

const NAME = -1;
const CHARSTR = -2;
const A6PREFIX = -3;

/**
 * Where the names are in the RDATA of the types RFC 4034 §6.2 item 3 lists for canonical lower-
 * casing (as amended by RFC 6840 §5.1, which takes NSEC out; HINFO has no names): a list of steps,
 * positive = that many fixed octets, NAME = a domain name, CHARSTR = a <character-string>; what
 * follows the last step is copied as is.
 */
const NAME_LAYOUT: Readonly<Record<number, readonly number[]>> = {
  2: [NAME], // NS
  3: [NAME], // MD
  4: [NAME], // MF
  5: [NAME], // CNAME
  6: [NAME, NAME], // SOA
  7: [NAME], // MB
  8: [NAME], // MG
  9: [NAME], // MR
  12: [NAME], // PTR
  14: [NAME, NAME], // MINFO
  15: [2, NAME], // MX
  17: [NAME, NAME], // RP
  18: [2, NAME], // AFSDB
  21: [2, NAME], // RT
  24: [18, NAME], // SIG
  26: [2, NAME, NAME], // PX
  30: [NAME], // NXT
  33: [6, NAME], // SRV
  35: [4, CHARSTR, CHARSTR, CHARSTR, NAME], // NAPTR
  36: [2, NAME], // KX
  38: [A6PREFIX, NAME], // A6
  39: [NAME], // DNAME
  46: [18, NAME], // RRSIG
};

/** Types whose RDATA names are lower-cased in canonical form (RFC 4034 §6.2 with RFC 6840 §5.1). */
export const CANONICAL_NAME_TYPES: readonly number[] = Object.keys(NAME_LAYOUT).map(Number);

/** Whether expandRdata rewrites RDATA of this type (it holds names). */
export function rdataHasNames(type: number): boolean {
  return NAME_LAYOUT[type] !== undefined;
}

function checkUint(v: unknown, max: number, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${what} must be an integer 0..${max}, got ${String(v)}`);
  }
}

function checkBytes(v: unknown, what: string, maxLength: number): void {
  if (!(v instanceof Uint8Array)) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${what} must be a Uint8Array`);
  if (v.length > maxLength) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `${what} is ${v.length} octets, at most ${maxLength}`);
}
