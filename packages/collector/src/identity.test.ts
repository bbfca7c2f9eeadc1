import { createPublicKey, verify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { agentIdFromPublicKey, ed25519KeyObject, parsePublicKeyHex } from './identity.js';

// RFC 8032 §7.1 TEST 1 and TEST 2 public keys; the expected agent ids were computed with coreutils:
//   printf <key hex> | xxd -r -p | sha256sum   ->  21fe31dfa154a261626b... / 39f713d0a644253f0452...
const RFC8032_TEST1 = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC8032_TEST2 = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';

describe('agent identity', () => {
  it('agent_id = "a" + first 20 hex digits of SHA-256(raw public key)', () => {
    expect(agentIdFromPublicKey(Buffer.from(RFC8032_TEST1, 'hex'))).toBe('a21fe31dfa154a261626b');
    expect(agentIdFromPublicKey(Buffer.from(RFC8032_TEST2, 'hex'))).toBe('a39f713d0a644253f0452');
  });

  it('imports a raw key so that it verifies the RFC 8032 TEST 2 signature', () => {
    // RFC 8032 §7.1 TEST 2: message 0x72, signature below
    const sig = Buffer.from('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da'
      + '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00', 'hex');
    const key = ed25519KeyObject(parsePublicKeyHex(RFC8032_TEST2));
    expect(verify(null, Buffer.from([0x72]), key, sig)).toBe(true);
    expect(verify(null, Buffer.from([0x73]), key, sig)).toBe(false);
    expect(key.equals(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(RFC8032_TEST2, 'hex').toString('base64url') }, format: 'jwk' }))).toBe(true);
  });

  it('refuses malformed hex with KTO_ERR_ENROL_BAD_PUBLIC_KEY', () => {
    for (const bad of ['', 'zz'.repeat(32), RFC8032_TEST1.slice(2), `${RFC8032_TEST1}00`]) {
      expect(() => parsePublicKeyHex(bad)).toThrow(expect.objectContaining({ code: 'KTO_ERR_ENROL_BAD_PUBLIC_KEY' }));
    }
  });

  it('refuses every small-order point, with either sign bit, as @noble/curves classifies them', () => {
    // all small-order encodings: torsion points [k]T8 for k = 0..7, each with both sign bits where valid
    const T8 = ed25519.Point.fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');
    expect(T8.isSmallOrder()).toBe(true);
    const encodings = new Set<string>();
    let p = ed25519.Point.ZERO;
    for (let k = 0; k < 8; k++) {
      const hex = p.toHex();
      encodings.add(hex);
      const flipped = Buffer.from(hex, 'hex');
      flipped[31] = flipped[31]! ^ 0x80;
      encodings.add(flipped.toString('hex'));
      p = p.add(T8);
    }
    // and the non-canonical encodings of y = 0 and y = 1 (p and p + 1), which noble refuses to decode
    encodings.add('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    encodings.add('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    for (const hex of encodings) {
      expect(() => parsePublicKeyHex(hex), hex).toThrow(expect.objectContaining({ code: 'KTO_ERR_ENROL_BAD_PUBLIC_KEY' }));
    }
    // why: node:crypto takes the identity point as a key, and then the signature (R = identity, S = 0)
    // "verifies" every message
    const identity = Buffer.from(`01${'00'.repeat(31)}`, 'hex');
    const forged = Buffer.concat([identity, Buffer.alloc(32)]);
    for (const m of ['anything', 'kto', 'hello']) expect(verify(null, Buffer.from(m), ed25519KeyObject(identity), forged)).toBe(true);
  });

  it('accepts ordinary keys', () => {
    for (let i = 0; i < 20; i++) {
      const pub = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
      expect(parsePublicKeyHex(Buffer.from(pub).toString('hex'))).toEqual(Buffer.from(pub));
    }
  });
});
