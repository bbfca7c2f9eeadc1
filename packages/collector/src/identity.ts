// Agent identity: the Ed25519 public key, the agent_id derived from it, and the imported key object.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { KtoError } from '@kto/core';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/**
 * Encodings of the Ed25519 points of small order (libsodium's ge25519_has_small_order list, compared
 * without the sign bit of the last octet): the identity, the points of order 2, 4 and 8, and the
 * non-canonical encodings p and p+1 of y = 0 and y = 1. A key among them accepts signatures that prove
 * nothing: node:crypto takes the identity as a key, and the signature (R = identity, S = 0) then
 * verifies on every message.
 */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Buffer.from(h, 'hex'));

function hasSmallOrder(raw: Uint8Array): boolean {
  for (const bad of SMALL_ORDER) {
    let diff = 0;
    for (let i = 0; i < 31; i++) diff |= (raw[i] as number) ^ (bad[i] as number);
    diff |= ((raw[31] as number) & 0x7f) ^ (bad[31] as number);
    if (diff === 0) return true;
  }
  return false;
}

/** agent_id = "a" + the first 20 hex digits of SHA-256 over the raw 32-byte public key. */
export function agentIdFromPublicKey(raw: Uint8Array): string {
  return 'a' + createHash('sha256').update(raw).digest('hex').slice(0, 20);
}

/** Raw public key from 64 hex digits. Throws KTO_ERR_ENROL_BAD_PUBLIC_KEY. */
export function parsePublicKeyHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !HEX64.test(hex)) {
    throw new KtoError('KTO_ERR_ENROL_BAD_PUBLIC_KEY', 'public_key must be 64 hex digits (a raw 32-byte Ed25519 key)');
  }
  const raw = Buffer.from(hex, 'hex');
  if (hasSmallOrder(raw)) {
    throw new KtoError('KTO_ERR_ENROL_BAD_PUBLIC_KEY', 'public_key is a point of small order, which cannot be an agent key');
  }
  try {
    ed25519KeyObject(raw);
  } catch (err) {
    throw new KtoError('KTO_ERR_ENROL_BAD_PUBLIC_KEY', 'public_key is not accepted as an Ed25519 key', undefined, { cause: err });
  }
  return raw;
}

/** node:crypto key object of a raw Ed25519 public key (import once, verify many times). */
export function ed25519KeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url') },
    format: 'jwk',
  });
}
