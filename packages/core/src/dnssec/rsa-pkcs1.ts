// RSASSA-PKCS1-v1_5 signature verification (RFC 8017 §8.2.2, EMSA-PKCS1-v1_5 §9.2) with BigInt, for
// the browser-safe back end: DNSSEC RSA signatures (RFC 3110 §3, RFC 5702 §3) in any JavaScript
// runtime, synchronously. Verification uses only public values, so BigInt's variable timing leaks
// nothing. The encoded message is rebuilt in full and compared (no parsing of the decrypted block),
// which rules out the padding-parsing forgeries of lenient verifiers.

import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { parseRsaPublicKey } from './rsa-key.js';

export type RsaHash = 'sha1' | 'sha256' | 'sha512';

export interface RsaBigIntKey {
  n: bigint;
  e: bigint;
  /** Modulus length in octets: the length of every signature. */
  k: number;
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// DER DigestInfo prefixes: RFC 8017 §9.2 note 1; the same octets as RFC 3110 §3 (SHA-1) and
// RFC 5702 §3.1 (SHA-256) and §3.2 (SHA-512) print.
const DIGEST_INFO: Record<RsaHash, Uint8Array> = {
  sha1: fromHex('3021300906052b0e03021a05000414'),
  sha256: fromHex('3031300d060960864801650304020105000420'),
  sha512: fromHex('3051300d060960864801650304020305000440'),
};

const HASH: Record<RsaHash, (data: Uint8Array) => Uint8Array> = { sha1, sha256, sha512 };

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Big-endian octets as a non-negative BigInt. */
export function bytesToBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let hex = '0x';
  for (let i = 0; i < b.length; i++) hex += HEX[b[i] as number];
  return BigInt(hex);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % modulus;
    e >>= 1n;
    if (e > 0n) b = (b * b) % modulus;
  }
  return result;
}

/** Imports an RFC 3110 public key field (KTO_ERR_CORE_MALFORMED_RDATA when it is not one). */
export function importRsaBigIntKey(publicKey: Uint8Array): RsaBigIntKey {
  const { exponent, modulus } = parseRsaPublicKey(publicKey);
  return { n: bytesToBigInt(modulus), e: bytesToBigInt(exponent), k: modulus.length };
}

/** RSASSA-PKCS1-v1_5-VERIFY of `signature` over `data` with `hash`. */
export function rsaPkcs1Verify(key: RsaBigIntKey, hash: RsaHash, data: Uint8Array, signature: Uint8Array): boolean {
  const k = key.k;
  if (signature.length !== k) return false;
  const prefix = DIGEST_INFO[hash];
  const digest = HASH[hash](data);
  const tLen = prefix.length + digest.length;
  if (k < tLen + 11) return false;
  const s = bytesToBigInt(signature);
  if (s >= key.n) return false;
  const m = modPow(s, key.e, key.n);
  // EM = 0x00 || 0x01 || PS (0xff, at least 8) || 0x00 || DigestInfo || H
  const em = new Uint8Array(k);
  em[1] = 1;
  em.fill(0xff, 2, k - tLen - 1);
  em.set(prefix, k - tLen);
  em.set(digest, k - digest.length);
  return m === bytesToBigInt(em);
}
