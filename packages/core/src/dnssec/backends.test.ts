// The parts under the two back ends: the key cache, RFC 3110 key parsing shared by both, and the
// BigInt RSASSA-PKCS1-v1_5 verifier of the browser-safe back end.

import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseZoneText } from '../zone-text.js';
import { parseRealZone } from '../../test-support/real-data.js';
import { zoneSignatures } from '../../test-support/rrsig-checks.js';
import type { VerifyAlgorithm } from './algorithms.js';
import { clearKeyCache } from './backend.js';
import type { DnssecBackend } from './backend.js';
import { KeyCache } from './key-cache.js';
import { nobleBackend } from './noble-backend.js';
import { nodeBackend } from './node-backend.js';
import { dnskeyPublicKeyField, generateDnssecKey } from './node-keys.js';
import { signRrset } from './node-sign.js';
import { RSA_MAX_MODULUS_BITS, encodeRsaPublicKey, parseRsaPublicKey, rsaModulusOctets } from './rsa-key.js';
import { bytesToBigInt, importRsaBigIntKey, rsaPkcs1Verify } from './rsa-pkcs1.js';
import { verifyRrsigWith } from './verify.js';

describe('KeyCache', () => {
  it('imports each (algorithm, key) once, whatever array holds the octets', () => {
    let loads = 0;
    const cache = new KeyCache((a, k) => ({ a, first: k[0], n: ++loads }));
    const h1 = cache.get(8, Uint8Array.from([1, 2, 3]));
    expect(cache.get(8, Uint8Array.from([1, 2, 3]))).toBe(h1);
    expect(cache.get(8, new Uint8Array([9, 1, 2, 3]).subarray(1))).toBe(h1);
    expect(cache.get(10, Uint8Array.from([1, 2, 3]))).not.toBe(h1);
    expect(cache.get(8, Uint8Array.from([1, 2, 4]))).not.toBe(h1);
    expect(loads).toBe(3);
    expect(cache.size).toBe(3);
  });

  it('keeps a copy of the key: changing the caller\'s array later does not change what is cached', () => {
    let loads = 0;
    const cache = new KeyCache(() => ++loads);
    const key = Uint8Array.from([5, 6, 7]);
    cache.get(13, key);
    key[0] = 0;
    expect(cache.get(13, Uint8Array.from([5, 6, 7]))).toBe(1);
    expect(cache.get(13, key)).toBe(2);
  });

  it('drops the oldest keys past its capacity and does not cache failed imports', () => {
    let loads = 0;
    const cache = new KeyCache((_a, k) => {
      loads++;
      if (k[0] === 0) throw new Error('bad key');
      return k[0];
    }, 2);
    for (const b of [1, 2, 3]) cache.get(15, Uint8Array.of(b));
    expect(cache.size).toBe(2);
    cache.get(15, Uint8Array.of(3));
    expect(loads).toBe(3);
    cache.get(15, Uint8Array.of(1)); // evicted: imported again
    expect(loads).toBe(4);
    expect(() => cache.get(15, Uint8Array.of(0))).toThrow('bad key');
    expect(() => cache.get(15, Uint8Array.of(0))).toThrow('bad key');
    expect(loads).toBe(6);
  });

  it('verification imports a DNSKEY once per back end, not once per RRSIG', () => {
    let imports = 0;
    const counting: DnssecBackend = {
      name: 'counting', supports: nodeBackend.supports, verify: nodeBackend.verify,
      importKey: (a: VerifyAlgorithm, k: Uint8Array) => {
        imports++;
        return nodeBackend.importKey(a, k);
      },
    };
    const key = generateDnssecKey({ algorithm: 13 });
    const rrsets = Array.from({ length: 50 }, (_, i) => parseZoneText(`h${i}.example. 60 IN A 192.0.2.${i}`).records);
    for (const rrset of rrsets) {
      const rrsig = signRrset({ rrset, signer: 'example.', key: key.privateKey, keyTag: key.keyTag, algorithm: 13, inception: 0, expiration: 2 ** 31, originalTtl: 60 });
      expect(verifyRrsigWith(counting, { rrsig, rrset, dnskey: key.dnskey, keyOwner: 'example.' })).toEqual({ status: 'valid' });
    }
    expect(imports).toBe(1);
    clearKeyCache(counting);
    const rrset = rrsets[0] as (typeof rrsets)[number];
    const rrsig = signRrset({ rrset, signer: 'example.', key: key.privateKey, keyTag: key.keyTag, algorithm: 13, inception: 0, expiration: 2 ** 31, originalTtl: 60 });
    verifyRrsigWith(counting, { rrsig, rrset, dnskey: key.dnskey, keyOwner: 'example.' });
    expect(imports).toBe(2);
  });
});

describe('RFC 3110 RSA public keys', () => {
  it('split and re-encode the real keys of the 2014 root zone and RFC 4035 Appendix A', () => {
    const keys = [...parseRealZone('root-zone/root-zone-2014-07-13.zone.gz').records, ...parseRealZone('rfc-vectors/rfc4035-appendix-A.zone').records]
      .filter((r) => r.type === 48);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const k of keys) {
      const field = k.rdata.subarray(4);
      const p = parseRsaPublicKey(field);
      expect(encodeRsaPublicKey(p.exponent, p.modulus)).toEqual(field);
      expect(rsaModulusOctets(field)).toBe(p.modulus.length);
      expect(p.modulusBits).toBeGreaterThan((p.modulus.length - 1) * 8);
    }
  });

  it('agree with node:crypto on the modulus and exponent of generated keys', () => {
    const k = generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 });
    const p = parseRsaPublicKey(dnskeyPublicKeyField(8, k.publicKey));
    const jwk = k.publicKey.export({ format: 'jwk' });
    expect(Buffer.from(p.modulus).toString('base64url')).toBe(jwk.n);
    expect(Array.from(p.exponent)).toEqual([3]);
    expect(p.modulusBits).toBe(1024);
  });

  it('use the three-octet length form for exponents over 255 octets (RFC 3110 §2), which parsing then refuses by size', () => {
    const e = new Uint8Array(300).fill(1);
    const n = new Uint8Array(64).fill(0xff);
    const field = encodeRsaPublicKey(e, n);
    expect(Array.from(field.subarray(0, 3))).toEqual([0, 1, 44]);
    expect(() => parseRsaPublicKey(field)).toThrow(/exponent of 2393 bits \(at most 64\)/);
  });

  it('reject fields that are not keys, or keys beyond the limits', () => {
    const bad = (field: number[] | Uint8Array, why: RegExp) =>
      expect(() => parseRsaPublicKey(Uint8Array.from(field))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_MALFORMED_RDATA', message: expect.stringMatching(why) }));
    bad([1, 3], /2 octets/);
    bad([0, 0, 0, 1, 2], /exponent length 0/);
    bad([4, 1, 0, 1, 0], /leaves no modulus/);
    bad([1, 0, 0xc5], /exponent is zero/);
    bad([1, 3, 0, 0], /modulus is zero/);
    bad([1, 3, ...new Uint8Array(RSA_MAX_MODULUS_BITS / 8 + 1).fill(0xff)], /modulus of 4104 bits/);
    bad([1, 0xff, 0x7f], /not above the exponent/);
    expect(rsaModulusOctets(Uint8Array.from([4, 1, 0, 1, 0]))).toBe(-1);
    expect(() => encodeRsaPublicKey(new Uint8Array(0), Uint8Array.of(1))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });
});

describe('RSASSA-PKCS1-v1_5 with BigInt (browser-safe back end)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
  const field = dnskeyPublicKeyField(8, publicKey);
  const key = importRsaBigIntKey(field);
  const data = new TextEncoder().encode('signed data');

  it('verifies what OpenSSL signs, for SHA-1, SHA-256, SHA-512, and only with the hash it was made with', () => {
    for (const hash of ['sha1', 'sha256', 'sha512'] as const) {
      const s = new Uint8Array(sign(hash, data, privateKey));
      expect(rsaPkcs1Verify(key, hash, data, s)).toBe(true);
      expect(rsaPkcs1Verify(key, hash, new TextEncoder().encode('signed datA'), s)).toBe(false);
      for (const other of ['sha1', 'sha256', 'sha512'] as const) if (other !== hash) expect(rsaPkcs1Verify(key, other, data, s)).toBe(false);
    }
  });

  it('rejects signatures of another length, and values not below the modulus', () => {
    const s = new Uint8Array(sign('sha256', data, privateKey));
    expect(rsaPkcs1Verify(key, 'sha256', data, s.subarray(1))).toBe(false);
    expect(rsaPkcs1Verify(key, 'sha256', data, Uint8Array.from([0, ...s]))).toBe(false);
    const n = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).n as string, 'base64url'));
    expect(rsaPkcs1Verify(key, 'sha256', data, n)).toBe(false);
  });

  it('is not fooled by a Bleichenbacher 2006 forgery for e = 3 (garbage after the digest), nor is node:crypto', () => {
    // EM' = 00 01 FF 00 DigestInfo(SHA-256) H | garbage; s = ceil(cbrt(EM')) makes s^3 start with EM'
    const h = createHash('sha256').update(data).digest();
    const head = Buffer.concat([Buffer.from('0001ff003031300d060960864801650304020105000420', 'hex'), h]);
    const garbageBits = BigInt((key.k - head.length) * 8);
    const target = bytesToBigInt(head) << garbageBits;
    const s = cubeRootCeil(target);
    const cube = s ** 3n;
    expect(cube >> garbageBits).toBe(bytesToBigInt(head)); // a lenient parser would find the digest here
    expect(cube < key.n).toBe(true);
    const forged = Buffer.from(s.toString(16).padStart(key.k * 2, '0'), 'hex');
    expect(rsaPkcs1Verify(key, 'sha256', data, new Uint8Array(forged))).toBe(false);
    expect(nodeBackend.verify(8, nodeBackend.importKey(8, field), data, forged)).toBe(false);
  });
});

function cubeRootCeil(x: bigint): bigint {
  let r = 1n << BigInt(Math.ceil(x.toString(2).length / 3));
  for (;;) {
    const next = (2n * r + x / (r * r)) / 3n;
    if (next >= r) break;
    r = next;
  }
  while (r ** 3n < x) r++;
  while ((r - 1n) ** 3n >= x) r--;
  return r;
}

describe('the two back ends', () => {
  it('decide alike on every RRSIG of RFC 4035 Appendix A with each of its octets in turn flipped (first 40 positions)', () => {
    const sigs = zoneSignatures(parseRealZone('rfc-vectors/rfc4035-appendix-A.zone').records).slice(0, 8);
    const outcomes = new Set<string>();
    for (const s of sigs) {
      for (let i = 0; i < 40; i++) {
        const rrsig = s.rrsig.rdata.slice();
        const pos = (i * 7) % rrsig.length;
        rrsig[pos] = (rrsig[pos] as number) ^ 0x01;
        const input = { rrsig, rrset: s.rrset, dnskey: s.dnskeys.find((k) => k.rdata[3] === s.sig.algorithm)?.rdata as Uint8Array, keyOwner: 'example.' };
        let a: string;
        let b: string;
        try {
          a = verifyRrsigWith(nodeBackend, input).status;
        } catch (err) {
          a = (err as { code: string }).code;
        }
        try {
          b = verifyRrsigWith(nobleBackend, input).status;
        } catch (err) {
          b = (err as { code: string }).code;
        }
        expect(b, `${s.rrsig.name} octet ${pos}`).toBe(a);
        outcomes.add(a);
      }
    }
    // the flips hit the type covered (a thrown bad argument), key tag, labels, window and signature
    expect([...outcomes].sort()).toEqual(expect.arrayContaining(['KTO_ERR_CORE_BAD_ARGUMENT', 'invalid', 'key-mismatch']));
  });
});
