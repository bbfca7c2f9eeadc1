// Canonical RR form, canonical RRset order and the data an RRSIG covers
// (RFC 4034 §3.1.8.1, §6.2, §6.3; RFC 4035 §5.3.2 wildcard owner; RFC 6840 §5.1 which names in
// RDATA are lower-cased).

import { KtoError } from './errors.js';
import type { DnsMessage, DnsRecord } from './message.js';
import { copyNameAt, nameToWire } from './names.js';
import { expandRdata } from './rdata.js';

/** One RR as input to canonical-form functions; rdata uncompressed (see rrsetFromMessage). */
export interface RrInput {
  name: string;
  type: number;
  klass: number;
  rdata: Uint8Array;
}

/**
 * Canonical form of RDATA (RFC 4034 §6.2 items 2–3): compressed names expanded and, for the types
 * RFC 4034 §6.2 lists (as amended by RFC 6840 §5.1: not NSEC), lower-cased.
 */
export function canonicalRdata(type: number, buf: Uint8Array, offset = 0, length = buf.length - offset): Uint8Array {
  return expandRdata(type, buf, offset, length, true);
}

/**
 * RFC 4034 §6.3 order of two canonical RDATA: left-justified unsigned octet strings, where the
 * absence of an octet sorts before a zero octet.
 */
export function compareRdata(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The records of a decoded message as RrInput, RDATA expanded (names decompressed, case kept). */
export function rrsetFromMessage(msg: DnsMessage, records: readonly DnsRecord[]): RrInput[] {
  const out: RrInput[] = [];
  for (const rr of records) {
    out.push({
      name: rr.name, type: rr.type, klass: rr.klass,
      rdata: expandRdata(rr.type, msg.bytes, rr.rdataOffset, rr.rdataLength, false),
    });
  }
  return out;
}

/** Canonical RDATA of an RRset, sorted (RFC 4034 §6.3) with duplicates removed (RFC 4034 §6.3, RFC 2181 §5). */
export function canonicalRrsetRdata(rrset: readonly RrInput[]): Uint8Array[] {
  const list = rrset.map((rr) => canonicalRdata(rr.type, rr.rdata));
  list.sort(compareRdata);
  const out: Uint8Array[] = [];
  for (const r of list) {
    const prev = out[out.length - 1];
    if (prev === undefined || compareRdata(prev, r) !== 0) out.push(r);
  }
  return out;
}

const BAD_ARG = 'KTO_ERR_CORE_BAD_ARGUMENT';

/**
 * The exact octets an RRSIG's signature covers (RFC 4034 §3.1.8.1):
 * RRSIG_RDATA without the signature, signer name in canonical form, followed by each RR of the
 * RRset in canonical form and order — owner lower-cased (rebuilt as "*." + the rightmost `labels`
 * labels when the RRSIG labels field is below the owner's label count, RFC 4035 §5.3.2), TTL set
 * to the RRSIG original TTL, RDATA canonical, duplicates removed.
 *
 * `rrsigRdata` may hold the signature or not: whatever follows the signer name is ignored.
 * Throws KTO_ERR_CORE_BAD_ARGUMENT when the RRset is empty, mixes owners, classes or types, its
 * type is not the RRSIG's type covered, or the labels field exceeds the owner's label count.
 */
export function signedData(rrsigRdata: Uint8Array, rrset: readonly RrInput[]): Uint8Array {
  if (!(rrsigRdata instanceof Uint8Array) || rrsigRdata.length < 19) {
    throw new KtoError(BAD_ARG, 'signedData: rrsigRdata must be RRSIG RDATA (at least 19 octets)');
  }
  const first = rrset[0];
  if (first === undefined) throw new KtoError(BAD_ARG, 'signedData: the RRset is empty');
  const typeCovered = ((rrsigRdata[0] as number) << 8) | (rrsigRdata[1] as number);
  const labels = rrsigRdata[3] as number;

  // RRSIG_RDATA prefix: 18 fixed octets + canonical signer name
  const prefix = new Uint8Array(18 + 255);
  prefix.set(rrsigRdata.subarray(0, 18), 0);
  const signerLen = copyNameAt(rrsigRdata, 18, rrsigRdata.length, prefix, 18, true,
    'KTO_ERR_CORE_MALFORMED_RDATA', 'RRSIG signer');
  const prefixLen = 18 + signerLen;

  const ownerWire = nameToWire(first.name);
  const ownerCanonical = ownerForSignature(ownerWire, labels);
  for (const rr of rrset) {
    if (rr.type !== typeCovered) {
      throw new KtoError(BAD_ARG, `signedData: RR of type ${rr.type} in an RRset signed for type ${typeCovered}`);
    }
    if (rr.klass !== first.klass) throw new KtoError(BAD_ARG, 'signedData: the RRset mixes classes');
    if (rr !== first && !sameBytes(nameToWire(rr.name), ownerWire)) {
      throw new KtoError(BAD_ARG, `signedData: the RRset mixes owners (${first.name}, ${rr.name})`);
    }
  }
  const rdatas = canonicalRrsetRdata(rrset);

  let total = prefixLen;
  const fixed = ownerCanonical.length + 10;
  for (const r of rdatas) total += fixed + r.length;
  const out = new Uint8Array(total);
  out.set(prefix.subarray(0, prefixLen), 0);
  let p = prefixLen;
  const klass = first.klass;
  for (const r of rdatas) {
    out.set(ownerCanonical, p);
    p += ownerCanonical.length;
    out[p] = typeCovered >>> 8;
    out[p + 1] = typeCovered & 0xff;
    out[p + 2] = klass >>> 8;
    out[p + 3] = klass & 0xff;
    out.set(rrsigRdata.subarray(4, 8), p + 4); // original TTL
    out[p + 8] = r.length >>> 8;
    out[p + 9] = r.length & 0xff;
    out.set(r, p + 10);
    p += 10 + r.length;
  }
  return out;
}

/** The owner as signed: the canonical owner, or "*." + its rightmost `labels` labels (RFC 4035 §5.3.2). */
function ownerForSignature(owner: Uint8Array, labels: number): Uint8Array {
  const offsets: number[] = [];
  let p = 0;
  while ((owner[p] as number) !== 0) {
    offsets.push(p);
    p += 1 + (owner[p] as number);
  }
  const count = offsets.length;
  if (labels > count) {
    throw new KtoError(BAD_ARG, `signedData: RRSIG labels ${labels} exceed the ${count} labels of the owner`);
  }
  if (labels === count) return owner;
  const suffixStart = offsets[count - labels] ?? owner.length - 1;
  const out = new Uint8Array(2 + owner.length - suffixStart);
  out[0] = 1;
  out[1] = 0x2a;
  out.set(owner.subarray(suffixStart), 2);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
