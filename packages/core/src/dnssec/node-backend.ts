// The node:crypto verification back end (OpenSSL): the fast path for Node code, reached through
// the "@kto/core/node" entry only (the main entry stays browser-safe). DNSKEY public keys are
// imported once as KeyObjects (backend.ts caches them): RSA from the RFC 3110 exponent and modulus
// as a JWK, ECDSA from x | y as a JWK (signatures r | s are 'ieee-p1363'), Ed25519/Ed448 from the
// raw key as an OKP JWK.

import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject, VerifyKeyObjectInput } from 'node:crypto';
import { KtoError } from '../errors.js';
import { fixedKeyLength, hashOf, isVerifyAlgorithm } from './algorithms.js';
import type { VerifyAlgorithm } from './algorithms.js';
import type { DnssecBackend } from './backend.js';
import { parseRsaPublicKey } from './rsa-key.js';

/** An imported key: a KeyObject, or for ECDSA the verify options that carry it. */
export type NodeKey = KeyObject | VerifyKeyObjectInput;

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
}

/** A node:crypto public KeyObject for a DNSKEY public key field (throws KtoError when it is not one). */
export function dnskeyPublicKeyObject(algorithm: VerifyAlgorithm, publicKey: Uint8Array): KeyObject {
  try {
    switch (algorithm) {
      case 5: case 7: case 8: case 10: {
        const { exponent, modulus } = parseRsaPublicKey(publicKey);
        return createPublicKey({ key: { kty: 'RSA', n: b64url(modulus), e: b64url(exponent) }, format: 'jwk' });
      }
      case 13: case 14: {
        checkLength(algorithm, publicKey);
        const half = publicKey.length / 2;
        return createPublicKey({
          key: { kty: 'EC', crv: algorithm === 13 ? 'P-256' : 'P-384', x: b64url(publicKey.subarray(0, half)), y: b64url(publicKey.subarray(half)) },
          format: 'jwk',
        });
      }
      case 15: case 16:
        checkLength(algorithm, publicKey);
        return createPublicKey({ key: { kty: 'OKP', crv: algorithm === 15 ? 'Ed25519' : 'Ed448', x: b64url(publicKey) }, format: 'jwk' });
    }
  } catch (err) {
    if (err instanceof KtoError) throw err;
    throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `algorithm ${algorithm} public key: ${(err as Error).message}`, undefined, { cause: err });
  }
}

function checkLength(algorithm: VerifyAlgorithm, publicKey: Uint8Array): void {
  const want = fixedKeyLength(algorithm);
  if (publicKey.length !== want) {
    throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `algorithm ${algorithm} public key of ${publicKey.length} octets, need ${want}`);
  }
}

function importKey(algorithm: VerifyAlgorithm, publicKey: Uint8Array): NodeKey {
  const key = dnskeyPublicKeyObject(algorithm, publicKey);
  return algorithm === 13 || algorithm === 14 ? { key, dsaEncoding: 'ieee-p1363' } : key;
}

function verify(algorithm: VerifyAlgorithm, key: NodeKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return cryptoVerify(hashOf(algorithm), data, key, signature);
  } catch {
    // OpenSSL errors on some malformed signatures (e.g. an ECDSA r or s of zero) instead of saying no
    return false;
  }
}

export const nodeBackend: DnssecBackend<NodeKey> = Object.freeze({
  name: 'node',
  supports: isVerifyAlgorithm,
  importKey,
  verify,
});
