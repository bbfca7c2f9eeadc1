// RSA public keys in DNSKEY RDATA (RFC 3110 §2): exponent length (one octet, or zero and then two
// octets), exponent, modulus; both big-endian unsigned. Shared by both verification back ends so
// that they accept and reject the same keys.

import { KtoError } from '../errors.js';

/** Largest modulus accepted: RFC 3110 §2 allows 512 to 4096 bits (and bounds the work per verification). */
export const RSA_MAX_MODULUS_BITS = 4096;
/**
 * Largest public exponent accepted, in bits. DNSSEC keys use 3 or 65537; BIND refuses above 35
 * bits and OpenSSL above 64 for large moduli. A cap keeps a hostile DNSKEY from buying long
 * exponentiations.
 */
export const RSA_MAX_EXPONENT_BITS = 64;

export interface RsaPublicKey {
  /** Big-endian, without leading zero octets (views into the DNSKEY's public key field). */
  exponent: Uint8Array;
  modulus: Uint8Array;
  /** Modulus size in bits; a signature has exactly ceil(bits / 8) octets. */
  modulusBits: number;
}

function malformed(msg: string): KtoError {
  return new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `RSA DNSKEY public key: ${msg}`);
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

function bitLength(b: Uint8Array): number {
  return b.length === 0 ? 0 : (b.length - 1) * 8 + (32 - Math.clz32(b[0] as number));
}

/** Splits an RFC 3110 public key field. Throws KTO_ERR_CORE_MALFORMED_RDATA for keys outside the limits above. */
export function parseRsaPublicKey(key: Uint8Array): RsaPublicKey {
  if (key.length < 3) throw malformed(`${key.length} octets`);
  let p = 1;
  let expLen = key[0] as number;
  if (expLen === 0) {
    expLen = ((key[1] as number) << 8) | (key[2] as number);
    p = 3;
  }
  if (expLen === 0) throw malformed('exponent length 0');
  if (p + expLen >= key.length) throw malformed(`exponent of ${expLen} octets leaves no modulus in ${key.length} octets`);
  const exponent = stripZeros(key.subarray(p, p + expLen));
  const modulus = stripZeros(key.subarray(p + expLen));
  const modulusBits = bitLength(modulus);
  const exponentBits = bitLength(exponent);
  if (exponentBits === 0) throw malformed('exponent is zero');
  if (modulusBits === 0) throw malformed('modulus is zero');
  if (modulusBits > RSA_MAX_MODULUS_BITS) throw malformed(`modulus of ${modulusBits} bits (at most ${RSA_MAX_MODULUS_BITS})`);
  if (exponentBits > RSA_MAX_EXPONENT_BITS) throw malformed(`exponent of ${exponentBits} bits (at most ${RSA_MAX_EXPONENT_BITS})`);
  if (modulusBits <= exponentBits) throw malformed(`modulus of ${modulusBits} bits is not above the exponent`);
  return { exponent, modulus, modulusBits };
}

/** RFC 3110 §2 encoding of an exponent and a modulus (leading zero octets removed). */
export function encodeRsaPublicKey(exponent: Uint8Array, modulus: Uint8Array): Uint8Array {
  const e = stripZeros(exponent);
  const n = stripZeros(modulus);
  if (e.length === 0 || n.length === 0) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', 'RSA exponent and modulus must be non-zero');
  if (e.length > 0xffff) throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `RSA exponent of ${e.length} octets is too long`);
  const head = e.length <= 255 ? 1 : 3;
  const out = new Uint8Array(head + e.length + n.length);
  if (head === 1) {
    out[0] = e.length;
  } else {
    out[1] = e.length >>> 8;
    out[2] = e.length & 0xff;
  }
  out.set(e, head);
  out.set(n, head + e.length);
  return out;
}

/** Octets of the modulus of an RFC 3110 public key field (the length of its signatures); -1 when malformed. */
export function rsaModulusOctets(key: Uint8Array): number {
  if (key.length < 3) return -1;
  let p = 1 + (key[0] as number);
  if (key[0] === 0) p = 3 + (((key[1] as number) << 8) | (key[2] as number));
  while (p < key.length && key[p] === 0) p++;
  return p < key.length ? key.length - p : -1;
}
