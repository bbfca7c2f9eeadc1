// The rules verifyRrsig / findRrsigSigners apply (RFC 4035 §5.3.1, RFC 4034 §2.1, §3.1.5, RFC 5011 §3,
// RFC 1982), each shown failing on purpose, with both back ends. Keys are generated per run, so the
// signatures are made here; the published and real signatures are in the other *.test.ts files.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RrInput } from '../canonical.js';
import { keyTag } from '../keytag.js';
import { decodeRrsig, encodeDnskey, encodeRrsig } from '../rdata.js';
import type { RrsigRdata } from '../rdata.js';
import { parseZoneText } from '../zone-text.js';
import type { DnssecBackend } from './backend.js';
import { nobleBackend } from './noble-backend.js';
import { nodeBackend } from './node-backend.js';
import { generateDnssecKey } from './node-keys.js';
import type { DnssecKeyPair } from './node-keys.js';
import { signRrset } from './node-sign.js';
import { rrsigWindowStatus, serialCompare } from './validity.js';
import { findRrsigSignersWith, verifyRrsigWith } from './verify.js';
import type { VerifyRrsigInput } from './verify.js';

const T0 = 1_700_000_000; // inception of the test signatures
const T1 = T0 + 30 * 86400;
const NOW = T0 + 86400;

const records = parseZoneText([
  '$ORIGIN example.',
  'www 3600 IN A 192.0.2.1',
  'www 3600 IN A 192.0.2.2',
  '* 300 IN TXT "wildcard"',
  'deep.www 300 IN AAAA 2001:db8::1',
].join('\n')).records;
const www = records.filter((r) => r.name === 'www.example.');
const wild = records.filter((r) => r.name === '*.example.');
const deep = records.filter((r) => r.name === 'deep.www.example.');

const ksk = generateDnssecKey({ algorithm: 13, flags: 257 });
const zsk = generateDnssecKey({ algorithm: 13 });
const ed = generateDnssecKey({ algorithm: 15 });
const rsa = generateDnssecKey({ algorithm: 8, rsaBits: 1024 });

function sign(key: DnssecKeyPair, rrset: readonly RrInput[], extra: Partial<Parameters<typeof signRrset>[0]> = {}): Uint8Array {
  return signRrset({
    rrset, signer: 'example.', key: key.privateKey, keyTag: key.keyTag, algorithm: key.algorithm,
    inception: T0, expiration: T1, originalTtl: 3600, ...extra,
  });
}

function decoded(rrsig: Uint8Array): RrsigRdata {
  return decodeRrsig(rrsig, 0, rrsig.length);
}

/** A key pair whose DNSKEY carries other flags / protocol (so another key tag). */
function withRdata(key: DnssecKeyPair, flags: number, protocol = 3): DnssecKeyPair {
  const dnskey = encodeDnskey({ flags, protocol, algorithm: key.algorithm, publicKey: key.dnskey.subarray(4) });
  return { ...key, flags, dnskey, keyTag: keyTag(dnskey) };
}

/**
 * DNSKEY RDATA with another RSA modulus and the same key tag (RFC 4034 App. B is a checksum of
 * 16-bit words: +1 and -1 on two high octets). The modulus stays odd; it is just not the key's.
 */
function collidingKey(rdata: Uint8Array): Uint8Array {
  const out = rdata.slice();
  for (let i = 8; i + 2 < out.length; i += 2) { // past flags, protocol, algorithm, exponent 01 00 01
    if ((out[i] as number) < 255 && (out[i + 2] as number) > 0) {
      out[i] = (out[i] as number) + 1;
      out[i + 2] = (out[i + 2] as number) - 1;
      return out;
    }
  }
  throw new Error('no place to make a collision');
}

/** The same key tag without the REVOKE flag (-0x80 in the flags' low octet, +0x80 in a low octet of the modulus). */
function unrevokedTwin(rdata: Uint8Array): Uint8Array {
  const out = rdata.slice();
  out[1] = (out[1] as number) - 0x80;
  for (let i = 9; i < out.length; i += 2) {
    if ((out[i] as number) < 0x80) {
      out[i] = (out[i] as number) + 0x80;
      return out;
    }
  }
  throw new Error('no place to make a twin');
}

describe.each([nodeBackend, nobleBackend].map((b) => [b.name, b] as const))('%s back end', (_name, backend: DnssecBackend) => {
  const verify = (input: Partial<VerifyRrsigInput> & Pick<VerifyRrsigInput, 'rrsig'>) =>
    verifyRrsigWith(backend, { rrset: www, dnskey: zsk.dnskey, keyOwner: 'example.', now: NOW, ...input });

  it('accepts RDATA or decoded inputs alike, names in any case', () => {
    const rrsig = sign(zsk, www);
    const sig = decodeRrsig(rrsig, 0, rrsig.length);
    expect(verify({ rrsig })).toEqual({ status: 'valid' });
    expect(verify({ rrsig: { ...sig, signer: 'EXAMPLE' }, dnskey: { flags: 256, protocol: 3, algorithm: 13, publicKey: zsk.dnskey.subarray(4) } }))
      .toEqual({ status: 'valid' });
    expect(verify({ rrsig, keyOwner: 'Example.' })).toEqual({ status: 'valid' });
    expect(verify({ rrsig, rrset: [...www].reverse().map((r) => ({ ...r, name: 'WWW.Example.' })) })).toEqual({ status: 'valid' });
    for (const key of [ed, rsa]) expect(verify({ rrsig: sign(key, www), dnskey: key.dnskey })).toEqual({ status: 'valid' });
  });

  it('key-mismatch: signer, algorithm, key tag (RFC 4035 §5.3.1)', () => {
    const rrsig = sign(zsk, www);
    expect(verify({ rrsig, keyOwner: 'other.' })).toMatchObject({ status: 'key-mismatch', reason: expect.stringMatching(/signer example\. is not the DNSKEY owner other\./) });
    expect(verify({ rrsig, dnskey: ed.dnskey })).toMatchObject({ status: 'key-mismatch', reason: expect.stringMatching(/algorithm 13 differs/) });
    expect(verify({ rrsig, dnskey: ksk.dnskey })).toMatchObject({ status: 'key-mismatch', reason: expect.stringMatching(/key tag/) });
  });

  it('key-mismatch: protocol other than 3 (RFC 4034 §2.1.2), no Zone Key flag (§2.1.1)', () => {
    for (const [key, why] of [[withRdata(zsk, 256, 2), /protocol 2/], [withRdata(zsk, 0), /Zone Key/], [withRdata(zsk, 1), /Zone Key/]] as const) {
      expect(verify({ rrsig: sign(key, www), dnskey: key.dnskey })).toMatchObject({ status: 'key-mismatch', reason: expect.stringMatching(why) });
    }
  });

  it('a revoked key validates only its DNSKEY RRset (RFC 5011 §3)', () => {
    const revoked = withRdata(ksk, 257 | 0x80);
    expect(revoked.keyTag).not.toBe(ksk.keyTag);
    const dnskeySet = [ksk, zsk, revoked].map((k) => ({ name: 'example.', type: 48, klass: 1, rdata: k.dnskey }));
    expect(verify({ rrsig: sign(revoked, dnskeySet), rrset: dnskeySet, dnskey: revoked.dnskey })).toEqual({ status: 'valid' });
    expect(verify({ rrsig: sign(revoked, www), dnskey: revoked.dnskey }))
      .toMatchObject({ status: 'key-mismatch', reason: expect.stringMatching(/revoked/) });
  });

  it('invalid: labels above the owner label count, signer not an ancestor of the owner (RFC 4035 §5.3.1)', () => {
    const sig = decoded(sign(zsk, www));
    const tooMany = encodeRrsig({ ...sig, labels: 3 });
    expect(verify({ rrsig: tooMany })).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/labels 3 exceed the 2 labels of www\.example\./) });
    const foreign = sign(zsk, www, { signer: 'example.net.' });
    expect(verify({ rrsig: foreign, keyOwner: 'example.net.' }))
      .toMatchObject({ status: 'invalid', reason: expect.stringMatching(/example\.net\. is not www\.example\. or an ancestor/) });
    // a parent signs its child's DS: an ancestor two labels up is fine
    expect(verify({ rrsig: sign(zsk, deep), rrset: deep })).toEqual({ status: 'valid' });
  });

  it('wildcards: the RRSIG over *.example. validates an answer synthesized for any name below (RFC 4035 §5.3.2)', () => {
    const rrsig = sign(zsk, wild, { originalTtl: 300 });
    expect(decodeRrsig(rrsig, 0, rrsig.length).labels).toBe(1);
    expect(verify({ rrsig, rrset: wild })).toEqual({ status: 'valid' });
    expect(verify({ rrsig, rrset: wild.map((r) => ({ ...r, name: 'a.b.example.' })) })).toEqual({ status: 'valid' });
    expect(verify({ rrsig, rrset: wild.map((r) => ({ ...r, name: 'a.b.example.', rdata: Uint8Array.from([3, 0x61, 0x62, 0x63]) })) }).status)
      .toBe('invalid');
  });

  it('unsupported-algorithm for keys and RRSIGs of algorithms KTO does not verify', () => {
    for (const algorithm of [1, 3, 6, 12, 17, 253]) {
      const dnskey = encodeDnskey({ flags: 256, protocol: 3, algorithm, publicKey: zsk.dnskey.subarray(4) });
      const sig = decoded(sign(zsk, www));
      const rrsig = encodeRrsig({ ...sig, algorithm, keyTag: keyTag(dnskey) });
      expect(verify({ rrsig, dnskey }), `algorithm ${algorithm}`)
        .toMatchObject({ status: 'unsupported-algorithm', reason: expect.stringContaining(`algorithm ${algorithm}`) });
    }
  });

  it('invalid: public keys that do not decode, signatures of the wrong length, bit flips', () => {
    const sig = decoded(sign(zsk, www));
    const short = encodeDnskey({ flags: 256, protocol: 3, algorithm: 13, publicKey: zsk.dnskey.subarray(5) });
    expect(verify({ rrsig: encodeRrsig({ ...sig, keyTag: keyTag(short) }), dnskey: short }))
      .toMatchObject({ status: 'invalid', reason: expect.stringMatching(/public key does not decode/) });
    const offCurve = encodeDnskey({ flags: 256, protocol: 3, algorithm: 13, publicKey: new Uint8Array(64).fill(7) });
    expect(verify({ rrsig: encodeRrsig({ ...sig, keyTag: keyTag(offCurve) }), dnskey: offCurve }))
      .toMatchObject({ status: 'invalid', reason: expect.stringMatching(/public key does not decode/) });
    const hugeExponent = encodeDnskey({ flags: 256, protocol: 3, algorithm: 8, publicKey: Uint8Array.from([9, ...new Uint8Array(9).fill(1), ...rsa.dnskey.subarray(8)]) });
    const rsaSig = decoded(sign(rsa, www));
    expect(verify({ rrsig: encodeRrsig({ ...rsaSig, keyTag: keyTag(hugeExponent) }), dnskey: hugeExponent }))
      .toMatchObject({ status: 'invalid', reason: expect.stringMatching(/exponent of 65 bits/) });
    expect(verify({ rrsig: encodeRrsig({ ...sig, signature: sig.signature.subarray(1) }) }))
      .toMatchObject({ status: 'invalid', reason: 'signature of 63 octets, the key needs 64' });
    expect(verify({ rrsig: encodeRrsig({ ...rsaSig, signature: Uint8Array.from([0, ...rsaSig.signature]) }), dnskey: rsa.dnskey }))
      .toMatchObject({ status: 'invalid', reason: 'signature of 129 octets, the key needs 128' });
    // r = 0 and s = 0 (OpenSSL errors instead of answering no; noble rejects the encoding)
    expect(verify({ rrsig: encodeRrsig({ ...sig, signature: new Uint8Array(64) }) })).toMatchObject({ status: 'invalid' });
    // an RSA signature value >= the modulus
    expect(verify({ rrsig: encodeRrsig({ ...rsaSig, signature: new Uint8Array(128).fill(0xff) }), dnskey: rsa.dnskey })).toMatchObject({ status: 'invalid' });
    for (const key of [zsk, ed, rsa]) {
      const good = sign(key, www);
      for (let bit = 0; bit < 8; bit++) {
        const bad = good.slice();
        bad[good.length - 1 - bit * 3] = (bad[good.length - 1 - bit * 3] as number) ^ (1 << bit);
        expect(verify({ rrsig: bad, dnskey: key.dnskey }).status, `algorithm ${key.algorithm} bit ${bit}`).toBe('invalid');
      }
    }
  });

  it('time: both window ends inclusive; the window may span the 2106 wrap of the 32-bit counter (RFC 1982)', () => {
    const rrsig = sign(zsk, www);
    expect(verify({ rrsig, now: T0 }).status).toBe('valid');
    expect(verify({ rrsig, now: T1 }).status).toBe('valid');
    expect(verify({ rrsig, now: T0 - 1 })).toMatchObject({ status: 'not-yet-valid', reason: expect.stringMatching(/outside the window/) });
    expect(verify({ rrsig, now: T1 + 1 }).status).toBe('expired');
    const wrap = 2 ** 32;
    const across = sign(zsk, www, { inception: wrap - 100, expiration: wrap + 50 });
    const s = decodeRrsig(across, 0, across.length);
    expect([s.inception, s.expiration]).toEqual([wrap - 100, 50]);
    expect(verify({ rrsig: across, now: wrap + 10 }).status).toBe('valid');
    expect(verify({ rrsig: across, now: wrap - 100 }).status).toBe('valid');
    expect(verify({ rrsig: across, now: wrap - 101 }).status).toBe('not-yet-valid');
    expect(verify({ rrsig: across, now: wrap + 51 }).status).toBe('expired');
  });

  it('findRrsigSigners: KSK and ZSK over the DNSKEY RRset, each found; no key; colliding key tags', () => {
    const dnskeySet = [ksk, zsk].map((k) => ({ name: 'example.', type: 48, klass: 1, rdata: k.dnskey }));
    const byKsk = sign(ksk, dnskeySet);
    const byZsk = sign(zsk, dnskeySet);
    const byEd = sign(ed, dnskeySet);
    const keys = [zsk.dnskey, ksk.dnskey];
    expect(findRrsigSignersWith(backend, { rrset: dnskeySet, rrsigs: [byKsk, byZsk, byEd], dnskeys: keys, keyOwner: 'example.', now: NOW })).toEqual([
      { status: 'valid', key: 1, candidates: 1 },
      { status: 'valid', key: 0, candidates: 1 },
      { status: 'key-mismatch', key: null, candidates: 0, reason: `no DNSKEY at example. has key tag ${ed.keyTag} and algorithm 15` },
    ]);
    // a second key with the RSA key's tag: both are tried, the right one is named, the other fails alone
    const twin = collidingKey(rsa.dnskey);
    expect(keyTag(twin)).toBe(rsa.keyTag);
    expect(twin).not.toEqual(rsa.dnskey);
    const rrsig = sign(rsa, www);
    expect(findRrsigSignersWith(backend, { rrset: www, rrsigs: [rrsig], dnskeys: [twin, ksk.dnskey, rsa.dnskey], keyOwner: 'example.' }))
      .toEqual([{ status: 'valid', key: 2, candidates: 2 }]);
    expect(findRrsigSignersWith(backend, { rrset: www, rrsigs: [rrsig], dnskeys: [rsa.dnskey, twin], keyOwner: 'example.' }))
      .toEqual([{ status: 'valid', key: 0, candidates: 2 }]);
    expect(findRrsigSignersWith(backend, { rrset: www, rrsigs: [rrsig], dnskeys: [twin], keyOwner: 'example.' }))
      .toEqual([{ status: 'invalid', key: null, candidates: 1, reason: 'the signature does not verify' }]);
    expect(findRrsigSignersWith(backend, { rrset: www, rrsigs: [rrsig], dnskeys: [twin, rsa.dnskey], keyOwner: 'example.', now: T1 + 1 }))
      .toMatchObject([{ status: 'expired', key: null, candidates: 2 }]);
  });

  it('findRrsigSigners reports the most specific failure among candidates', () => {
    // the RSA key revoked (another tag), and a key without REVOKE that has that same tag
    const revoked = withRdata(rsa, 256 | 0x80);
    const twin = unrevokedTwin(revoked.dnskey);
    expect(keyTag(twin)).toBe(revoked.keyTag);
    const rrsig = sign(revoked, www);
    const results = findRrsigSignersWith(backend, { rrset: www, rrsigs: [rrsig], dnskeys: [revoked.dnskey, twin], keyOwner: 'example.', now: NOW });
    expect(results).toEqual([{ status: 'invalid', key: null, candidates: 2, reason: 'the signature does not verify' }]);
    expect(findRrsigSignersWith(backend, { rrset: www, rrsigs: [rrsig], dnskeys: [revoked.dnskey], keyOwner: 'example.', now: NOW }))
      .toMatchObject([{ status: 'key-mismatch', candidates: 1, reason: expect.stringMatching(/revoked/) }]);
    expect(findRrsigSignersWith(backend, { rrset: www, rrsigs: [], dnskeys: [rsa.dnskey], keyOwner: 'example.' })).toEqual([]);
  });

  it('throws KtoError for arguments that are not what the API asks for', () => {
    const rrsig = sign(zsk, www);
    const bad = (input: Partial<VerifyRrsigInput>, code: string) =>
      expect(() => verify({ rrsig, ...input })).toThrow(expect.objectContaining({ code }));
    bad({ rrset: [] }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ rrset: wild }, 'KTO_ERR_CORE_BAD_ARGUMENT'); // TXT RRset, RRSIG covers A
    bad({ rrset: [www[0] as RrInput, { ...(www[1] as RrInput), name: 'other.example.' }] }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    for (const now of [-1, 1.5, Number.NaN]) bad({ now }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ rrsig: new Uint8Array(10) }, 'KTO_ERR_CORE_MALFORMED_RDATA');
    bad({ rrsig: { typeCovered: 1 } as unknown as RrsigRdata }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ dnskey: 'AwEAAQ==' as unknown as Uint8Array }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ dnskey: new Uint8Array(2) }, 'KTO_ERR_CORE_MALFORMED_RDATA');
    bad({ keyOwner: 'a..b' }, 'KTO_ERR_CORE_BAD_NAME');
    expect(() => findRrsigSignersWith(backend, { rrset: www, rrsigs: [sign(zsk, wild)], dnskeys: [zsk.dnskey], keyOwner: 'example.' }))
      .toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });
});

describe('RFC 1982 serial arithmetic of the validity window', () => {
  const HALF = 2 ** 31;
  it('serialCompare follows RFC 1982 §3.2 on 32 bits: before, after, equal, undefined at 2^31', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: HALF - 1 }), (a, d) => {
      const b = (a + d) % 2 ** 32;
      return serialCompare(a, b) === -1 && serialCompare(b, a) === 1 && serialCompare(a, a) === 0;
    }));
    expect(serialCompare(0, HALF)).toBeNaN();
    expect(serialCompare(HALF, 0)).toBeNaN();
    expect(serialCompare(2 ** 32 - 1, 0)).toBe(-1); // 0 follows 2^32-1
  });

  it('rrsigWindowStatus agrees with plain comparison for windows shorter than 68 years in one epoch', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: HALF - 1 }), fc.integer({ min: -(2 ** 30), max: 2 ** 30 }),
      (inception, length, offset) => {
        const expiration = inception + length;
        const now = inception + offset;
        if (expiration >= 2 ** 32 || now < 0 || now >= 2 ** 32) return true;
        const want = now < inception ? 'not-yet-valid' : now > expiration ? 'expired' : 'in-window';
        return rrsigWindowStatus(inception, expiration, now) === want;
      }));
  });
});
