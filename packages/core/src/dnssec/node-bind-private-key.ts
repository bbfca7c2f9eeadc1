// Reading BIND "Private-key-format: v1.x" key files (the .private files of dnssec-keygen and
// ldns-keygen, and the private keys printed in RFC 5702 §6, RFC 6605 §6, RFC 8080 §6) into
// node:crypto KeyObjects. RSA: Modulus, PublicExponent, PrivateExponent, Prime1, Prime2, Exponent1,
// Exponent2, Coefficient; ECDSA and EdDSA: PrivateKey (the scalar d, or the RFC 8032 seed).

import { createECDH, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { KtoError } from '../errors.js';
import { base64Decode } from '../text-encoding.js';
import { hashOf, isSigningAlgorithm } from './algorithms.js';
import { bytesToBigInt } from './rsa-pkcs1.js';
import type { SigningAlgorithm } from './algorithms.js';

export interface BindPrivateKey {
  algorithm: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const BAD_KEY = 'KTO_ERR_CORE_BAD_PRIVATE_KEY';

// PKCS#8 PrivateKeyInfo header for a raw EdDSA seed (RFC 8410 §7): version 0, OID 1.3.101.112 / .113
const ED25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const ED448_PKCS8 = Uint8Array.from([0x30, 0x47, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x04, 0x3b, 0x04, 0x39]);

function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new KtoError(BAD_KEY, `key file line is not "Field: value": ${JSON.stringify(line.slice(0, 40))}`);
    out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

function field(f: Map<string, string>, name: string): string {
  const v = f.get(name.toLowerCase());
  if (v === undefined) throw new KtoError(BAD_KEY, `key file has no ${name} field`);
  return v;
}

function bytes(f: Map<string, string>, name: string): Uint8Array {
  const b = base64Decode(field(f, name));
  if (b === null || b.length === 0) throw new KtoError(BAD_KEY, `key file field ${name} is not base64`);
  return b;
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
}

function leftPad(b: Uint8Array, size: number, name: string): Uint8Array {
  if (b.length > size) throw new KtoError(BAD_KEY, `key file field ${name} has ${b.length} octets, at most ${size}`);
  if (b.length === size) return b;
  const out = new Uint8Array(size);
  out.set(b, size - b.length);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function importPrivate(algorithm: SigningAlgorithm, f: Map<string, string>): KeyObject {
  switch (algorithm) {
    case 8: case 10: {
      if (bytesToBigInt(bytes(f, 'Prime1')) * bytesToBigInt(bytes(f, 'Prime2')) !== bytesToBigInt(bytes(f, 'Modulus'))) {
        throw new KtoError(BAD_KEY, `algorithm ${algorithm} key file: Prime1 x Prime2 is not the Modulus`, { algorithm });
      }
      const jwk = {
        kty: 'RSA', n: b64url(bytes(f, 'Modulus')), e: b64url(bytes(f, 'PublicExponent')), d: b64url(bytes(f, 'PrivateExponent')),
        p: b64url(bytes(f, 'Prime1')), q: b64url(bytes(f, 'Prime2')), dp: b64url(bytes(f, 'Exponent1')),
        dq: b64url(bytes(f, 'Exponent2')), qi: b64url(bytes(f, 'Coefficient')),
      };
      return createPrivateKey({ key: jwk, format: 'jwk' });
    }
    case 13: case 14: {
      const size = algorithm === 13 ? 32 : 48;
      const d = leftPad(bytes(f, 'PrivateKey'), size, 'PrivateKey');
      const ecdh = createECDH(algorithm === 13 ? 'prime256v1' : 'secp384r1');
      ecdh.setPrivateKey(d);
      const point = ecdh.getPublicKey(); // 0x04 | x | y
      const jwk = {
        kty: 'EC', crv: algorithm === 13 ? 'P-256' : 'P-384', d: b64url(d),
        x: b64url(point.subarray(1, 1 + size)), y: b64url(point.subarray(1 + size)),
      };
      return createPrivateKey({ key: jwk, format: 'jwk' });
    }
    case 15: case 16: {
      const seed = bytes(f, 'PrivateKey');
      const size = algorithm === 15 ? 32 : 57;
      if (seed.length !== size) throw new KtoError(BAD_KEY, `algorithm ${algorithm} PrivateKey has ${seed.length} octets, need ${size}`);
      const der = concat(algorithm === 15 ? ED25519_PKCS8 : ED448_PKCS8, seed);
      return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    }
  }
}

/**
 * The key pair in a BIND private key file (v1.2 or later; unknown fields such as the v1.3 timing
 * metadata are ignored). Throws KTO_ERR_CORE_BAD_PRIVATE_KEY when the text is not such a file or
 * does not hold a valid key, KTO_ERR_CORE_UNSUPPORTED_ALGORITHM for algorithms KTO does not sign with.
 */
export function readBindPrivateKey(text: string): BindPrivateKey {
  if (typeof text !== 'string') throw new KtoError(BAD_KEY, 'readBindPrivateKey needs the key file text');
  const f = fields(text);
  const format = field(f, 'Private-key-format');
  if (!/^v1\.\d+$/.test(format)) throw new KtoError(BAD_KEY, `unknown Private-key-format ${JSON.stringify(format)}`);
  const m = /^(\d+)/.exec(field(f, 'Algorithm'));
  const algorithm = m === null ? NaN : Number(m[1]);
  if (!isSigningAlgorithm(algorithm)) {
    throw new KtoError('KTO_ERR_CORE_UNSUPPORTED_ALGORITHM', `key file algorithm ${field(f, 'Algorithm')} is not one KTO signs with`, { algorithm });
  }
  let privateKey: KeyObject;
  try {
    privateKey = importPrivate(algorithm, f);
  } catch (err) {
    if (err instanceof KtoError) throw err;
    throw new KtoError(BAD_KEY, `algorithm ${algorithm} key file does not hold a valid key: ${(err as Error).message}`, { algorithm }, { cause: err });
  }
  const publicKey = createPublicKey(privateKey);
  // pairwise consistency: a file whose fields do not belong together (e.g. a wrong prime) must not
  // become a key that signs garbage
  const probe = PROBE;
  const options = algorithm === 13 || algorithm === 14 ? { dsaEncoding: 'ieee-p1363' as const } : {};
  let consistent: boolean;
  try {
    consistent = verify(hashOf(algorithm), probe, { key: publicKey, ...options }, sign(hashOf(algorithm), probe, { key: privateKey, ...options }));
  } catch {
    consistent = false;
  }
  if (!consistent) throw new KtoError(BAD_KEY, `algorithm ${algorithm} key file: the private key does not match its public key`, { algorithm });
  return { algorithm, privateKey, publicKey };
}

const PROBE = new TextEncoder().encode('KTO key file consistency check');
