// DNSKEY key tag, RFC 4034 Appendix B, including the algorithm-1 (RSA/MD5) rule of B.1.

import { KtoError } from './errors.js';
import type { DnskeyRdata } from './rdata.js';

/**
 * Key tag of a DNSKEY (or CDNSKEY) given as its RDATA in wire form, or as decoded fields.
 * For algorithm 1 the tag is the most significant 16 of the least significant 24 bits of the
 * modulus, i.e. octets [len-3] and [len-2] of the RDATA (RFC 4034 B.1).
 */
export function keyTag(dnskey: Uint8Array | DnskeyRdata): number {
  if (dnskey instanceof Uint8Array) return keyTagAt(dnskey, 0, dnskey.length);
  if (dnskey === null || typeof dnskey !== 'object' || !(dnskey.publicKey instanceof Uint8Array)) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'keyTag needs DNSKEY RDATA (Uint8Array) or {flags, protocol, algorithm, publicKey}');
  }
  const { flags, protocol, algorithm, publicKey } = dnskey;
  const key = publicKey;
  if (algorithm === 1) {
    if (key.length < 3) throw tooShort(4 + key.length);
    return (((key[key.length - 3] as number) << 8) | (key[key.length - 2] as number)) >>> 0;
  }
  // the first four RDATA octets: flags (2), protocol, algorithm — even positions are high octets
  let ac = (flags & 0xff00) + ((flags & 0xff)) + ((protocol & 0xff) << 8) + (algorithm & 0xff);
  for (let i = 0; i < key.length; i++) {
    ac += i & 1 ? (key[i] as number) : (key[i] as number) << 8;
  }
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

/** keyTag of the DNSKEY RDATA at buf[offset .. offset+length). */
export function keyTagAt(buf: Uint8Array, offset: number, length: number): number {
  if (length < 4) throw tooShort(length);
  if (buf[offset + 3] === 1) {
    if (length < 7) throw tooShort(length);
    const end = offset + length;
    return (((buf[end - 3] as number) << 8) | (buf[end - 2] as number)) >>> 0;
  }
  let ac = 0;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) ac += ((buf[i] as number) << 8) | (buf[i + 1] as number);
  if (i < end) ac += (buf[i] as number) << 8;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

function tooShort(length: number): KtoError {
  return new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `DNSKEY RDATA of ${length} octets is too short for a key tag`);
}
