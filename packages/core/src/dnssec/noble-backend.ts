// The browser-safe verification back end: ECDSA P-256/P-384 (RFC 6605) and Ed25519/Ed448
// (RFC 8080) with @noble/curves, RSA (RFC 3110, RFC 5702) with BigInt (rsa-pkcs1.ts). Every
// algorithm of VERIFY_ALGORITHMS, synchronously, in any JavaScript runtime. Measured against
// node:crypto (bench/core-verify.mjs): RSA ~4x, EdDSA ~11-13x, ECDSA ~8-23x slower; Node code
// should use "@kto/core/node".

import { ed25519 } from '@noble/curves/ed25519.js';
import { ed448 } from '@noble/curves/ed448.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { KtoError } from '../errors.js';
import { fixedKeyLength, isVerifyAlgorithm } from './algorithms.js';
import type { VerifyAlgorithm } from './algorithms.js';
import type { DnssecBackend } from './backend.js';
import { importRsaBigIntKey, rsaPkcs1Verify } from './rsa-pkcs1.js';
import type { RsaBigIntKey } from './rsa-pkcs1.js';

/** An imported key: RSA as BigInts, ECDSA as a SEC1 uncompressed point, EdDSA as its 32/57 octets. */
export type NobleKey = RsaBigIntKey | Uint8Array;

// ECDSA: DNSSEC signatures are r | s (RFC 6605 §4) with either s (OpenSSL does not normalize), so
// high-S signatures must verify; the message is hashed with the curve's hash (SHA-256 / SHA-384).
const ECDSA_OPTS = { lowS: false, prehash: true, format: 'compact' } as const;
// EdDSA: RFC 8032 strict decoding (as OpenSSL), not ZIP-215.
const EDDSA_OPTS = { zip215: false } as const;

function importKey(algorithm: VerifyAlgorithm, publicKey: Uint8Array): NobleKey {
  switch (algorithm) {
    case 5: case 7: case 8: case 10:
      return importRsaBigIntKey(publicKey);
    case 13: case 14: {
      checkLength(algorithm, publicKey);
      const point = new Uint8Array(1 + publicKey.length);
      point[0] = 0x04;
      point.set(publicKey, 1);
      // decode once here so that a key off the curve is reported as a bad key, not a bad signature
      (algorithm === 13 ? p256 : p384).Point.fromBytes(point).assertValidity();
      return point;
    }
    case 15: case 16: {
      checkLength(algorithm, publicKey);
      const ok = algorithm === 15 ? ed25519.utils.isValidPublicKey(publicKey, false) : ed448.utils.isValidPublicKey(publicKey, false);
      if (!ok) throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `algorithm ${algorithm} public key is not a curve point`);
      return publicKey.slice();
    }
  }
}

function checkLength(algorithm: VerifyAlgorithm, publicKey: Uint8Array): void {
  const want = fixedKeyLength(algorithm);
  if (publicKey.length !== want) {
    throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `algorithm ${algorithm} public key of ${publicKey.length} octets, need ${want}`);
  }
}

function verify(algorithm: VerifyAlgorithm, key: NobleKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    switch (algorithm) {
      case 5: case 7: return rsaPkcs1Verify(key as RsaBigIntKey, 'sha1', data, signature);
      case 8: return rsaPkcs1Verify(key as RsaBigIntKey, 'sha256', data, signature);
      case 10: return rsaPkcs1Verify(key as RsaBigIntKey, 'sha512', data, signature);
      case 13: return p256.verify(signature, data, key as Uint8Array, ECDSA_OPTS);
      case 14: return p384.verify(signature, data, key as Uint8Array, ECDSA_OPTS);
      case 15: return ed25519.verify(signature, data, key as Uint8Array, EDDSA_OPTS);
      case 16: return ed448.verify(signature, data, key as Uint8Array, EDDSA_OPTS);
    }
  } catch {
    // noble throws on signatures it cannot even decode (r or s out of range, bad point encoding)
    return false;
  }
}

export const nobleBackend: DnssecBackend<NobleKey> = Object.freeze({
  name: 'noble',
  supports: isVerifyAlgorithm,
  importKey,
  verify,
});
