// DS digests (RFC 4034 §5.1.4: digest = H(canonical owner name | DNSKEY RDATA)); SHA-1 (RFC 3658),
// SHA-256 (RFC 4509), SHA-384 (RFC 6605).

import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { KtoError } from './errors.js';
import { keyTag } from './keytag.js';
import { nameToWire } from './names.js';
import { decodeDs, encodeDnskey } from './rdata.js';
import type { DnskeyRdata, DsRdata } from './rdata.js';

export type DsDigestType = 1 | 2 | 4;

/** Digest types dsDigest implements. */
export const SUPPORTED_DIGEST_TYPES: readonly DsDigestType[] = [1, 2, 4];

/**
 * The DS digest of a DNSKEY: H(owner in canonical wire form | DNSKEY RDATA). Digest types 1, 2, 4;
 * any other throws KTO_ERR_CORE_UNSUPPORTED_ALGORITHM.
 */
export function dsDigest(owner: string, dnskey: Uint8Array | DnskeyRdata, digestType: number): Uint8Array {
  const hash = hashFor(digestType);
  const rdata = dnskey instanceof Uint8Array ? dnskey : encodeDnskey(dnskey);
  const name = nameToWire(owner);
  const input = new Uint8Array(name.length + rdata.length);
  input.set(name, 0);
  input.set(rdata, name.length);
  return hash(input);
}

/**
 * Whether a DS record refers to a DNSKEY at `owner`: same key tag, same algorithm and a digest
 * equal to dsDigest(owner, dnskey, ds.digestType). Throws KTO_ERR_CORE_UNSUPPORTED_ALGORITHM
 * for a digest type dsDigest does not implement (a "no" would hide that the DS was not checked).
 */
export function dsMatchesDnskey(owner: string, ds: Uint8Array | DsRdata, dnskey: Uint8Array | DnskeyRdata): boolean {
  const d = ds instanceof Uint8Array ? decodeDs(ds, 0, ds.length) : ds;
  const rdata = dnskey instanceof Uint8Array ? dnskey : encodeDnskey(dnskey);
  hashFor(d.digestType);
  if (rdata.length < 4) {
    throw new KtoError('KTO_ERR_CORE_MALFORMED_RDATA', `DNSKEY RDATA of ${rdata.length} octets is too short`);
  }
  if (d.algorithm !== rdata[3] || d.keyTag !== keyTag(rdata)) return false;
  const digest = dsDigest(owner, rdata, d.digestType);
  if (digest.length !== d.digest.length) return false;
  let diff = 0;
  for (let i = 0; i < digest.length; i++) diff |= (digest[i] as number) ^ (d.digest[i] as number);
  return diff === 0;
}

function hashFor(digestType: number): (data: Uint8Array) => Uint8Array {
  switch (digestType) {
    case 1:
      return sha1;
    case 2:
      return sha256;
    case 4:
      return sha384;
    default:
      throw new KtoError('KTO_ERR_CORE_UNSUPPORTED_ALGORITHM', `DS digest type ${String(digestType)} is not supported (1, 2 and 4 are)`,
        { digestType });
  }
}
