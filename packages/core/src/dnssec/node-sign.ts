// Signing an RRset (RFC 4034 §3.1.8.1, RFC 4035 §2.2) with node:crypto: RSA/SHA-256 and RSA/SHA-512
// PKCS#1 v1.5 (RFC 5702 §3), ECDSA P-256/P-384 as r | s (RFC 6605 §4), Ed25519/Ed448 (RFC 8080 §4).
// The lab signs zones with it, and may sign wrongly on purpose (a key tag or signer that does not
// match, a window in the past): only the form of the input is checked, not its DNSSEC sense.

import { sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { RrInput } from '../canonical.js';
import { signedData } from '../canonical.js';
import { KtoError } from '../errors.js';
import { labelCount, normalizeName } from '../names.js';
import { encodeRrsig } from '../rdata.js';
import { hashOf, isSigningAlgorithm } from './algorithms.js';
import { checkPrivateKey } from './node-keys.js';

export interface SignRrsetInput {
  /** The RRset to sign (same owner, class and type; RDATA uncompressed). */
  rrset: readonly RrInput[];
  /** Signer name: the zone whose DNSKEY `key` belongs to. */
  signer: string;
  /** The private key (node:crypto KeyObject) of `algorithm`'s kind. */
  key: KeyObject;
  /** Key tag of the key's DNSKEY. */
  keyTag: number;
  algorithm: number;
  /** Seconds since the epoch; written modulo 2^32 (RFC 4034 §3.1.5). */
  inception: number;
  expiration: number;
  /** The RRset's TTL as in the zone (RFC 4034 §3.1.4). */
  originalTtl: number;
  /** Labels field; default: the owner's label count without a leading "*" (RFC 4034 §3.1.3). */
  labels?: number;
}

const BAD_ARG = 'KTO_ERR_CORE_BAD_ARGUMENT';
const EMPTY = new Uint8Array(0);

function seconds(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new KtoError(BAD_ARG, `${what} must be a non-negative integer of seconds, got ${String(value)}`);
  }
  return value % 0x100000000;
}

/** RRSIG RDATA (with the signature) over `rrset`. */
export function signRrset(input: SignRrsetInput): Uint8Array {
  if (input === null || typeof input !== 'object') throw new KtoError(BAD_ARG, 'signRrset needs an input object');
  const { rrset, algorithm, key } = input;
  if (!isSigningAlgorithm(algorithm)) {
    throw new KtoError('KTO_ERR_CORE_UNSUPPORTED_ALGORITHM', `cannot sign with DNSSEC algorithm ${String(algorithm)} (8, 10, 13, 14, 15, 16 are supported)`,
      { algorithm });
  }
  checkPrivateKey(algorithm, key);
  if (!Array.isArray(rrset) || rrset.length === 0) throw new KtoError(BAD_ARG, 'rrset must be a non-empty array of records');
  const first = rrset[0] as RrInput;
  const rdata = encodeRrsig({
    typeCovered: first.type,
    algorithm,
    labels: input.labels ?? labelCount(first.name),
    originalTtl: input.originalTtl,
    expiration: seconds(input.expiration, 'expiration'),
    inception: seconds(input.inception, 'inception'),
    keyTag: input.keyTag,
    signer: normalizeName(input.signer),
    signature: EMPTY,
  });
  const data = signedData(rdata, rrset);
  let signature: Buffer;
  try {
    signature = algorithm === 13 || algorithm === 14
      ? cryptoSign(hashOf(algorithm), data, { key, dsaEncoding: 'ieee-p1363' })
      : cryptoSign(hashOf(algorithm), data, key);
  } catch (err) {
    throw new KtoError('KTO_ERR_CORE_CRYPTO_FAILED', `signing with algorithm ${algorithm} failed: ${(err as Error).message}`, { algorithm },
      { cause: err });
  }
  const out = new Uint8Array(rdata.length + signature.length);
  out.set(rdata, 0);
  out.set(signature, rdata.length);
  return out;
}
