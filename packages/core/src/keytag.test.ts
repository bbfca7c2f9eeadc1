import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import keyTagVectors from '../test-vectors/rfc-key-tags.json' with { type: 'json' };
import { parseRealZone, readRealText, rootZoneFacts } from '../test-support/real-data.js';
import { keyTag, keyTagAt } from './keytag.js';
import { decodeDnskey, decodeRrsig, encodeDnskey } from './rdata.js';
import { parseZoneText } from './zone-text.js';

describe('keyTag, RFC 4034 Appendix B', () => {
  it('computes the key tags the RFCs state for their example keys', () => {
    const zone = parseRealZone('rfc-vectors/rfc-algorithm-examples.zone');
    const keys = zone.records.filter((r) => r.type === 48);
    expect(keys).toHaveLength(keyTagVectors.keys.length);
    const tags = keys.map((k) => ({ owner: k.name, algorithm: k.rdata[3], keyTag: keyTag(k.rdata) }));
    expect(tags).toEqual(keyTagVectors.keys.map(({ owner, algorithm, keyTag: t }) => ({ owner, algorithm, keyTag: t })));
  });

  it('gives the root KSK tags 19036, 20326, 38696 and 19164 for KSK-2010 with REVOKE set', () => {
    const text = readRealText('trust-anchors/root-ksk-dnskeys.zone');
    // each record is preceded by a comment stating "key tag NNNNN" (computed with dnspython)
    const stated = [...text.matchAll(/key tag (\d+);/g)].map((m) => Number(m[1]));
    expect(stated).toEqual([19036, 20326, 38696, 19164]);
    const keys = parseZoneText(text).records;
    expect(keys.map((k) => keyTag(k.rdata))).toEqual(stated);
    // the revoked key is KSK-2010 with flags 385: same public key, different tag
    const [k2010, , , revoked] = keys.map((k) => decodeDnskey(k.rdata, 0, k.rdata.length));
    expect(revoked?.flags).toBe(385);
    expect(revoked?.publicKey).toEqual(k2010?.publicKey);
  });

  it('matches the DNSKEY sets of the six root zones (README table) and every RRSIG key tag there', () => {
    for (const facts of rootZoneFacts()) {
      const zone = parseRealZone(facts.file);
      const keys = zone.records.filter((r) => r.type === 48)
        .map((r) => ({ keyTag: keyTag(r.rdata), flags: decodeDnskey(r.rdata, 0, r.rdata.length).flags }));
      const byTag = (a: { keyTag: number }, b: { keyTag: number }) => a.keyTag - b.keyTag;
      expect(keys.sort(byTag), facts.file).toEqual([...facts.dnskeys].sort(byTag));
      const tags = new Set(keys.map((k) => k.keyTag));
      for (const r of zone.records.filter((x) => x.type === 46)) {
        expect(tags.has(decodeRrsig(r.rdata, 0, r.rdata.length).keyTag), facts.file).toBe(true);
      }
    }
  });

  it('agrees with the RRSIG key tags in the 2017-2019 chains (net., xyz., org. algorithm 7, ...)', () => {
    const zone = parseRealZone('chains-2017-2019/ens-dnssec-oracle-chains.txt');
    const keyTags = new Map<string, Set<number>>();
    for (const r of zone.records.filter((x) => x.type === 48)) {
      const set = keyTags.get(r.name) ?? new Set<number>();
      set.add(keyTag(r.rdata));
      keyTags.set(r.name, set);
    }
    let checked = 0;
    for (const r of zone.records.filter((x) => x.type === 46)) {
      const sig = decodeRrsig(r.rdata, 0, r.rdata.length);
      if (sig.typeCovered !== 48) continue; // the DNSKEY RRset is signed by a key in it
      expect(keyTags.get(r.name)?.has(sig.keyTag), `${r.name} line ${r.line}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('algorithm 1 (RSA/MD5): the most significant 16 of the least significant 24 bits of the modulus (B.1)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.uint8Array({ minLength: 3, maxLength: 256 }), fc.integer({ min: 0, max: 0xffff }),
      (exponent, modulus, flags) => {
        const publicKey = Uint8Array.from([exponent.length, ...exponent, ...modulus]); // RFC 3110 §2
        const rdata = encodeDnskey({ flags, protocol: 3, algorithm: 1, publicKey });
        const n = BigInt(`0x${Buffer.from(modulus).toString('hex')}`);
        const expected = Number((n & 0xffffffn) >> 8n);
        expect(keyTag(rdata)).toBe(expected);
        expect(keyTag({ flags, protocol: 3, algorithm: 1, publicKey })).toBe(expected);
      },
    ));
  });

  it('gives the same tag from RDATA, from decoded fields and at an offset (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 2, max: 255 }),
      fc.uint8Array({ minLength: 1, maxLength: 600 }),
      (flags, protocol, algorithm, key) => {
        const d = { flags, protocol, algorithm, publicKey: Uint8Array.from(key) };
        const rdata = encodeDnskey(d);
        const t = keyTag(rdata);
        expect(keyTag(d)).toBe(t);
        const padded = new Uint8Array(rdata.length + 3);
        padded.set(rdata, 3);
        expect(keyTagAt(padded, 3, rdata.length)).toBe(t);
        expect(t).toBeGreaterThanOrEqual(0);
        expect(t).toBeLessThanOrEqual(0xffff);
      },
    ));
  });

  it('rejects RDATA too short for a tag with KTO_ERR_CORE_MALFORMED_RDATA', () => {
    expect(() => keyTag(new Uint8Array(3))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_MALFORMED_RDATA' }));
    expect(() => keyTag(Uint8Array.from([1, 0, 3, 1, 1]))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_MALFORMED_RDATA' }));
    expect(() => keyTag('AwEAAQ==' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });
});
