// Key generation, signRrset and BIND private key files (node:crypto). Exactness against the RFC
// bytes is in rfc-vectors.test.ts, and against other implementations in ldns-interop.test.ts.

import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signedData } from '../canonical.js';
import { keyTag } from '../keytag.js';
import { decodeDnskey, decodeRrsig } from '../rdata.js';
import { parseZoneText } from '../zone-text.js';
import { readRealText } from '../../test-support/real-data.js';
import { SIGNING_ALGORITHMS } from './algorithms.js';
import { nobleBackend } from './noble-backend.js';
import { readBindPrivateKey } from './node-bind-private-key.js';
import { nodeBackend } from './node-backend.js';
import { dnskeyFromKeyObject, dnskeyPublicKeyField, generateDnssecKey, generateDnssecKeyAsync } from './node-keys.js';
import { signRrset } from './node-sign.js';
import type { SignRrsetInput } from './node-sign.js';
import { verifyRrsigWith } from './verify.js';

const rrset = parseZoneText('mail.example.org. 600 IN MX 10 MX1.Example.org.\nmail.example.org. 600 IN MX 20 mx2.example.org.').records;
const T0 = 1_750_000_000;

function input(key: ReturnType<typeof generateDnssecKey>, extra: Partial<SignRrsetInput> = {}): SignRrsetInput {
  return {
    rrset, signer: 'example.org.', key: key.privateKey, keyTag: key.keyTag, algorithm: key.algorithm,
    inception: T0, expiration: T0 + 86400, originalTtl: 600, ...extra,
  };
}

describe.each(SIGNING_ALGORITHMS.map((a) => [a] as const))('algorithm %i', (algorithm) => {
  const key = generateDnssecKey({ algorithm, flags: 257, rsaBits: 1024 });

  it('generates a DNSKEY (flags, protocol 3, algorithm, key tag) whose public key matches the KeyObject', () => {
    const d = decodeDnskey(key.dnskey, 0, key.dnskey.length);
    expect(d).toMatchObject({ flags: 257, protocol: 3, algorithm });
    expect(key.keyTag).toBe(keyTag(key.dnskey));
    expect(dnskeyFromKeyObject(algorithm, key.privateKey, 257)).toEqual(key.dnskey);
    expect(dnskeyFromKeyObject(algorithm, createPublicKey(key.privateKey), 257)).toEqual(key.dnskey);
    expect(d.publicKey.length).toBe({ 8: 132, 10: 132, 13: 64, 14: 96, 15: 32, 16: 57 }[algorithm]); // RSA-1024: 1 + 3 + 128
  });

  it('signs an RRset into RRSIG RDATA that both back ends verify, and nothing else', () => {
    const rrsig = signRrset(input(key));
    const sig = decodeRrsig(rrsig, 0, rrsig.length);
    expect(sig).toMatchObject({ typeCovered: 15, algorithm, labels: 3, originalTtl: 600, inception: T0, expiration: T0 + 86400, keyTag: key.keyTag, signer: 'example.org.' });
    for (const backend of [nodeBackend, nobleBackend]) {
      const verify = (r: Uint8Array, set = rrset) => verifyRrsigWith(backend, { rrsig: r, rrset: set, dnskey: key.dnskey, keyOwner: 'example.org.', now: T0 + 1 });
      expect(verify(rrsig)).toEqual({ status: 'valid' });
      expect(verify(rrsig, rrset.slice(0, 1)).status).toBe('invalid');
      expect(verify(rrsig, [...rrset].reverse())).toEqual({ status: 'valid' });
    }
    // the signature covers exactly signedData(): node:crypto's own verify agrees
    const data = signedData(rrsig, rrset);
    expect(nodeBackend.verify(algorithm, nodeBackend.importKey(algorithm, key.dnskey.subarray(4)), data, sig.signature)).toBe(true);
  });

  it(algorithm === 13 || algorithm === 14 ? 'is randomized (ECDSA)' : 'is deterministic (RSA PKCS#1 v1.5, EdDSA)', () => {
    const a = signRrset(input(key));
    const b = signRrset(input(key));
    if (algorithm === 13 || algorithm === 14) expect(a).not.toEqual(b);
    else expect(a).toEqual(b);
  });
});

describe('signRrset', () => {
  const key = generateDnssecKey({ algorithm: 15 });

  it('labels: the owner count without a leading "*" by default (RFC 4034 §3.1.3), or as given', () => {
    const wild = parseZoneText('*.w.example.org. 60 IN TXT "x"').records;
    const a = signRrset(input(key, { rrset: wild, originalTtl: 60 }));
    expect(decodeRrsig(a, 0, a.length).labels).toBe(3);
    const b = signRrset(input(key, { labels: 2 }));
    expect(decodeRrsig(b, 0, b.length).labels).toBe(2);
    expect(() => signRrset(input(key, { labels: 4 }))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });

  it('writes times modulo 2^32 (RFC 4034 §3.1.5) and signs on purpose-made mistakes (lab scenarios)', () => {
    const r = signRrset(input(key, { inception: 2 ** 32 + 5, expiration: 2 ** 32 + 10 }));
    expect(decodeRrsig(r, 0, r.length)).toMatchObject({ inception: 5, expiration: 10 });
    // a window in the past and a wrong key tag are signed as asked; the verifier says what is wrong
    const stale = signRrset(input(key, { inception: T0 - 100, expiration: T0 - 50, keyTag: (key.keyTag + 1) & 0xffff }));
    expect(verifyRrsigWith(nodeBackend, { rrsig: stale, rrset, dnskey: key.dnskey, keyOwner: 'example.org.', now: T0 }).status).toBe('key-mismatch');
  });

  it('refuses algorithms it does not sign with, keys of the wrong kind, and malformed input', () => {
    const code = (fn: () => unknown, c: string) => expect(fn).toThrow(expect.objectContaining({ code: c }));
    for (const algorithm of [5, 7, 12, 0, 256]) code(() => signRrset(input(key, { algorithm })), 'KTO_ERR_CORE_UNSUPPORTED_ALGORITHM');
    code(() => signRrset(input(key, { algorithm: 16 })), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(() => signRrset(input(key, { algorithm: 13 })), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(() => signRrset(input(key, { key: key.publicKey })), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    code(() => signRrset(input(key, { key: p384, algorithm: 13 })), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey;
    code(() => signRrset(input(key, { key: pss, algorithm: 8 })), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(() => signRrset(input(key, { rrset: [] })), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => signRrset(input(key, { inception: -1 })), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => signRrset(input(key, { expiration: 1.5 })), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => signRrset(input(key, { keyTag: 70000 })), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => signRrset(input(key, { originalTtl: -1 })), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => signRrset(input(key, { signer: 'a..b' })), 'KTO_ERR_CORE_BAD_NAME');
  });
});

describe('generateDnssecKey', () => {
  it('RSA: the requested modulus size, exponent 65537 (RFC 3110 encoding 03 01 00 01)', () => {
    const k = generateDnssecKey({ algorithm: 10, rsaBits: 1536 });
    expect(k.privateKey.asymmetricKeyDetails?.modulusLength).toBe(1536);
    expect(Array.from(k.dnskey.subarray(4, 8))).toEqual([3, 1, 0, 1]);
    expect(k.dnskey.length).toBe(4 + 4 + 192);
  });

  it('async: the same kind of key pair, without blocking', async () => {
    const k = await generateDnssecKeyAsync({ algorithm: 16, flags: 257 });
    expect(k).toMatchObject({ algorithm: 16, flags: 257 });
    expect(k.keyTag).toBe(keyTag(k.dnskey));
    const rrsig = signRrset(input(k));
    expect(verifyRrsigWith(nodeBackend, { rrsig, rrset, dnskey: k.dnskey, keyOwner: 'example.org.' })).toEqual({ status: 'valid' });
    await expect(generateDnssecKeyAsync({ algorithm: 5 })).rejects.toMatchObject({ code: 'KTO_ERR_CORE_UNSUPPORTED_ALGORITHM' });
  });

  it('rejects what it cannot make', () => {
    const code = (fn: () => unknown, c: string) => expect(fn).toThrow(expect.objectContaining({ code: c }));
    code(() => generateDnssecKey({ algorithm: 7 }), 'KTO_ERR_CORE_UNSUPPORTED_ALGORITHM');
    code(() => generateDnssecKey({ algorithm: 8, rsaBits: 8192 }), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => generateDnssecKey({ algorithm: 8, rsaBits: 256 }), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => generateDnssecKey({ algorithm: 13, flags: 65536 }), 'KTO_ERR_CORE_BAD_ARGUMENT');
    code(() => dnskeyFromKeyObject(5, generateDnssecKey({ algorithm: 8, rsaBits: 1024 }).publicKey), 'KTO_ERR_CORE_UNSUPPORTED_ALGORITHM');
    code(() => dnskeyPublicKeyField(15, generateDnssecKey({ algorithm: 16 }).publicKey), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
  });
});

describe('readBindPrivateKey', () => {
  const rfcKeys = readRealText('rfc-vectors/rfc-private-keys.txt').split(/^(?=; ---- )/m).slice(1);
  const ed25519 = rfcKeys.find((b) => b.includes('ED25519')) as string;

  it('reads v1.2 and later files, ignoring comments and unknown fields (v1.3 timing metadata)', () => {
    const v13 = ed25519.replace('v1.2', 'v1.3') + '\nCreated: 20240101000000\nPublish: 20240101000000\nActivate: 20240101000000\n';
    const a = readBindPrivateKey(ed25519);
    const b = readBindPrivateKey(v13);
    expect(a.algorithm).toBe(15);
    expect(dnskeyFromKeyObject(15, b.publicKey)).toEqual(dnskeyFromKeyObject(15, a.publicKey));
    expect(a.privateKey.type).toBe('private');
  });

  it('rejects text that is not a key file, or a key KTO does not sign with', () => {
    const code = (text: string, c: string) => expect(() => readBindPrivateKey(text)).toThrow(expect.objectContaining({ code: c }));
    code('hello', 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(ed25519.replace('Private-key-format: v1.2', ''), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(ed25519.replace('v1.2', 'v2.0'), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(ed25519.replace(/PrivateKey: \S+/, 'PrivateKey: not*base64'), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(ed25519.replace(/PrivateKey: \S+/, 'PrivateKey: AAAA'), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(ed25519.replace('15 (ED25519)', '5 (RSASHA1)'), 'KTO_ERR_CORE_UNSUPPORTED_ALGORITHM');
    const rsa = rfcKeys.find((b) => b.includes('(RSASHA256)')) as string;
    code(rsa.replace(/^Prime1:.*$/m, ''), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    code(rsa.replace(/^Prime1:\s+\S+$/m, 'Prime1: AQAB'), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
    // primes right, private exponents wrong: the key would sign garbage (OpenSSL falls back from a
    // failed CRT result to d, so both must be wrong); the pairwise signing check refuses it
    const wrongD = rsa.replace(/^PrivateExponent:\s+\S+$/m, 'PrivateExponent: AQAB').replace(/^Exponent1:\s+\S+$/m, 'Exponent1: AQAB');
    expect(() => readBindPrivateKey(wrongD)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_PRIVATE_KEY', message: expect.stringMatching(/does not match/) }));
    const p256 = rfcKeys.find((b) => b.includes('ECDSAP256SHA256')) as string;
    code(p256.replace(/PrivateKey: \S+/, `PrivateKey: ${Buffer.alloc(32).toString('base64')}`), 'KTO_ERR_CORE_BAD_PRIVATE_KEY');
  });
});
