// DNSSEC key pairs with node:crypto: generation, and the DNSKEY public key field of a KeyObject
// (RFC 3110 §2 RSA exponent/modulus, RFC 6605 §4 ECDSA x | y, RFC 8080 §3 EdDSA raw key).

import { generateKeyPair, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { KtoError } from '../errors.js';
import { keyTag } from '../keytag.js';
import { encodeDnskey } from '../rdata.js';
import { isSigningAlgorithm } from './algorithms.js';
import type { SigningAlgorithm } from './algorithms.js';
import { encodeRsaPublicKey } from './rsa-key.js';

export interface DnssecKeyPair {
  algorithm: SigningAlgorithm;
  flags: number;
  /** DNSKEY RDATA: flags, protocol 3, algorithm, public key. */
  dnskey: Uint8Array;
  keyTag: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface GenerateDnssecKeyOptions {
  algorithm: number;
  /** DNSKEY flags: 256 (zone key, the default), 257 (+ SEP), or any 16-bit value. */
  flags?: number;
  /** RSA modulus size for algorithms 8 and 10: 512..4096 (RFC 3110 §2), default 2048 (RFC 8624 §3.1). */
  rsaBits?: number;
}

const BAD_ARG = 'KTO_ERR_CORE_BAD_ARGUMENT';
const BAD_KEY = 'KTO_ERR_CORE_BAD_PRIVATE_KEY';

interface KeyGenPlan {
  algorithm: SigningAlgorithm;
  flags: number;
  rsaBits: number;
}

function plan(opts: GenerateDnssecKeyOptions): KeyGenPlan {
  if (opts === null || typeof opts !== 'object') throw new KtoError(BAD_ARG, 'generateDnssecKey needs { algorithm, flags?, rsaBits? }');
  const { algorithm, flags = 256, rsaBits = 2048 } = opts;
  if (!isSigningAlgorithm(algorithm)) {
    throw new KtoError('KTO_ERR_CORE_UNSUPPORTED_ALGORITHM', `cannot generate keys for DNSSEC algorithm ${String(algorithm)} (8, 10, 13, 14, 15, 16 are supported)`,
      { algorithm });
  }
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff) throw new KtoError(BAD_ARG, `flags must be a 16-bit integer, got ${String(flags)}`);
  if ((algorithm === 8 || algorithm === 10) && (!Number.isInteger(rsaBits) || rsaBits < 512 || rsaBits > 4096)) {
    throw new KtoError(BAD_ARG, `rsaBits must be an integer from 512 to 4096 (RFC 3110 §2), got ${String(rsaBits)}`);
  }
  return { algorithm, flags, rsaBits };
}

function pair(p: KeyGenPlan, privateKey: KeyObject, publicKey: KeyObject): DnssecKeyPair {
  const dnskey = dnskeyFromKeyObject(p.algorithm, publicKey, p.flags);
  return { algorithm: p.algorithm, flags: p.flags, dnskey, keyTag: keyTag(dnskey), privateKey, publicKey };
}

/** A new key pair for `algorithm` with its DNSKEY RDATA and key tag. Blocks while it works (RSA-2048: ~0.1 s). */
export function generateDnssecKey(opts: GenerateDnssecKeyOptions): DnssecKeyPair {
  const p = plan(opts);
  let k: { privateKey: KeyObject; publicKey: KeyObject };
  try {
    switch (p.algorithm) {
      case 8: case 10: k = generateKeyPairSync('rsa', { modulusLength: p.rsaBits, publicExponent: 65537 }); break;
      case 13: case 14: k = generateKeyPairSync('ec', { namedCurve: p.algorithm === 13 ? 'P-256' : 'P-384' }); break;
      case 15: k = generateKeyPairSync('ed25519'); break;
      case 16: k = generateKeyPairSync('ed448'); break;
    }
  } catch (err) {
    throw new KtoError('KTO_ERR_CORE_CRYPTO_FAILED', `key generation failed: ${(err as Error).message}`, undefined, { cause: err });
  }
  return pair(p, k.privateKey, k.publicKey);
}

/** generateDnssecKey on libuv's thread pool, for servers (e.g. the lab's signer) that must not block. */
export function generateDnssecKeyAsync(opts: GenerateDnssecKeyOptions): Promise<DnssecKeyPair> {
  let p: KeyGenPlan;
  try {
    p = plan(opts);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (err !== null) reject(new KtoError('KTO_ERR_CORE_CRYPTO_FAILED', `key generation failed: ${err.message}`, undefined, { cause: err }));
      else resolve(pair(p, privateKey, publicKey));
    };
    switch (p.algorithm) {
      case 8: case 10: generateKeyPair('rsa', { modulusLength: p.rsaBits, publicExponent: 65537 }, done); break;
      case 13: case 14: generateKeyPair('ec', { namedCurve: p.algorithm === 13 ? 'P-256' : 'P-384' }, done); break;
      case 15: generateKeyPair('ed25519', undefined, done); break;
      case 16: generateKeyPair('ed448', undefined, done); break;
    }
  });
}

/**
 * Checks that `key` is a private key of `algorithm`'s kind: RSA for 8/10, EC P-256 for 13, EC P-384
 * for 14, Ed25519 for 15, Ed448 for 16. Throws KTO_ERR_CORE_BAD_PRIVATE_KEY.
 */
export function checkPrivateKey(algorithm: SigningAlgorithm, key: KeyObject): void {
  if (key === null || typeof key !== 'object' || (key as { type?: unknown }).type !== 'private') {
    throw new KtoError(BAD_KEY, 'key must be a private node:crypto KeyObject');
  }
  const want = keyKind(algorithm);
  const got = keyKindOf(key);
  if (got !== want) throw new KtoError(BAD_KEY, `algorithm ${algorithm} needs a ${want} key, got ${got}`, { algorithm });
}

function keyKind(algorithm: SigningAlgorithm): string {
  switch (algorithm) {
    case 8: case 10: return 'RSA';
    case 13: return 'EC P-256';
    case 14: return 'EC P-384';
    case 15: return 'Ed25519';
    case 16: return 'Ed448';
  }
}

function keyKindOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa': return 'RSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'prime256v1' ? 'EC P-256' : curve === 'secp384r1' ? 'EC P-384' : `EC ${String(curve)}`;
    }
    case 'ed25519': return 'Ed25519';
    case 'ed448': return 'Ed448';
    default: return String(key.asymmetricKeyType);
  }
}

function jwkBytes(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') throw new KtoError(BAD_KEY, `the key's JWK has no ${what}`);
  return new Uint8Array(Buffer.from(value, 'base64url'));
}

/** The DNSKEY public key field of a node:crypto key (public, or private: its public half). */
export function dnskeyPublicKeyField(algorithm: SigningAlgorithm, key: KeyObject): Uint8Array {
  if (key === null || typeof key !== 'object' || typeof (key as { export?: unknown }).export !== 'function' || key.type === 'secret') {
    throw new KtoError(BAD_KEY, 'key must be a node:crypto public or private KeyObject');
  }
  const want = keyKind(algorithm);
  const got = keyKindOf(key);
  if (got !== want) throw new KtoError(BAD_KEY, `algorithm ${algorithm} needs a ${want} key, got ${got}`, { algorithm });
  const jwk = key.export({ format: 'jwk' });
  switch (algorithm) {
    case 8: case 10:
      return encodeRsaPublicKey(jwkBytes(jwk.e, 'e'), jwkBytes(jwk.n, 'n'));
    case 13: case 14: {
      const size = algorithm === 13 ? 32 : 48;
      const out = new Uint8Array(2 * size);
      const x = jwkBytes(jwk.x, 'x');
      const y = jwkBytes(jwk.y, 'y');
      out.set(x, size - x.length);
      out.set(y, 2 * size - y.length);
      return out;
    }
    case 15: case 16:
      return jwkBytes(jwk.x, 'x');
  }
}

/** DNSKEY RDATA (protocol 3) for a node:crypto key of `algorithm`. */
export function dnskeyFromKeyObject(algorithm: number, key: KeyObject, flags = 256): Uint8Array {
  if (!isSigningAlgorithm(algorithm)) {
    throw new KtoError('KTO_ERR_CORE_UNSUPPORTED_ALGORITHM', `no DNSKEY encoding for algorithm ${String(algorithm)} here (8, 10, 13, 14, 15, 16)`,
      { algorithm });
  }
  return encodeDnskey({ flags, protocol: 3, algorithm, publicKey: dnskeyPublicKeyField(algorithm, key) });
}
