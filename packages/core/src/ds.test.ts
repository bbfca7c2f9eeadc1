import { describe, expect, it } from 'vitest';
import { parseRealZone, readRealText } from '../test-support/real-data.js';
import { dsDigest, dsMatchesDnskey } from './ds.js';
import { keyTag } from './keytag.js';
import { normalizeName } from './names.js';
import { decodeDnskey, decodeDs, encodeDs } from './rdata.js';
import { hexDecode, hexEncode } from './text-encoding.js';
import type { ZoneRecord } from './zone-text.js';

function findKey(records: ZoneRecord[], owner: string, tag: number, algorithm: number): ZoneRecord | undefined {
  return records.find((r) => r.type === 48 && r.name === owner && keyTag(r.rdata) === tag && r.rdata[3] === algorithm);
}

describe('dsDigest / dsMatchesDnskey', () => {
  it('reproduces the RFC 4034 §5.4 (SHA-1), RFC 4509 §2.3 (SHA-256), RFC 6605 (SHA-256, SHA-384) and RFC 8080 DS records', () => {
    const zone = parseRealZone('rfc-vectors/rfc-algorithm-examples.zone');
    const dsRecords = zone.records.filter((r) => r.type === 43);
    expect(dsRecords).toHaveLength(8);
    const digestTypes = new Set<number>();
    for (const r of dsRecords) {
      const ds = decodeDs(r.rdata, 0, r.rdata.length);
      const key = findKey(zone.records, r.name, ds.keyTag, ds.algorithm);
      expect(key, `DNSKEY for DS ${ds.keyTag}`).toBeDefined();
      const digest = dsDigest(r.name, (key as ZoneRecord).rdata, ds.digestType);
      expect(hexEncode(digest)).toBe(hexEncode(ds.digest));
      expect(dsMatchesDnskey(r.name, r.rdata, (key as ZoneRecord).rdata)).toBe(true);
      digestTypes.add(ds.digestType);
    }
    expect([...digestTypes].sort()).toEqual([1, 2, 4]);
  });

  it('recomputes all 45 MATCH lines of VERIFY-ds-digests.txt from the real files', () => {
    const lines = readRealText('VERIFY-ds-digests.txt').split('\n').filter((l) => /\tMATCH$/.test(l));
    expect(lines).toHaveLength(45);
    for (const line of lines) {
      const [file, owner, ds] = line.split('\t') as [string, string, string];
      const [, tag, alg, type] = /^DS (\d+) (\d+) (\d+)$/.exec(ds) ?? [];
      const path = file.replace('(.gz)', '.gz');
      const zone = parseRealZone(path);
      const name = normalizeName(owner);
      const dsRecord = zone.records.find((r) => {
        if (r.type !== 43 || r.name !== name) return false;
        const d = decodeDs(r.rdata, 0, r.rdata.length);
        return d.keyTag === Number(tag) && d.algorithm === Number(alg) && d.digestType === Number(type);
      });
      expect(dsRecord, line).toBeDefined();
      const key = findKey(zone.records, name, Number(tag), Number(alg));
      expect(key, line).toBeDefined();
      expect(dsMatchesDnskey(owner, (dsRecord as ZoneRecord).rdata, (key as ZoneRecord).rdata), line).toBe(true);
    }
  });

  it('gives the root trust-anchor digests of root-anchors-2024.xml for the three root KSKs', () => {
    const xml = readRealText('trust-anchors/root-anchors-2024.xml');
    const anchors = [...xml.matchAll(/<KeyTag>(\d+)<\/KeyTag>\s*<Algorithm>(\d+)<\/Algorithm>\s*<DigestType>(\d+)<\/DigestType>\s*<Digest>([0-9A-F]+)<\/Digest>/g)]
      .map((m) => ({ keyTag: Number(m[1]), algorithm: Number(m[2]), digestType: Number(m[3]), digest: (m[4] as string).toLowerCase() }));
    expect(anchors.map((a) => a.keyTag)).toEqual([19036, 20326, 38696]);
    const keys = parseRealZone('trust-anchors/root-ksk-dnskeys.zone').records;
    for (const a of anchors) {
      const key = findKey(keys, '.', a.keyTag, a.algorithm) as ZoneRecord;
      expect(hexEncode(dsDigest('.', key.rdata, a.digestType))).toBe(a.digest);
      expect(dsMatchesDnskey('.', { ...a, digest: hexDecode(a.digest) as Uint8Array }, decodeDnskey(key.rdata, 0, key.rdata.length))).toBe(true);
    }
  });

  it('says no for another owner, key, algorithm or digest', () => {
    const keys = parseRealZone('trust-anchors/root-ksk-dnskeys.zone').records;
    const [k2010, k2017, , revoked] = keys as [ZoneRecord, ZoneRecord, ZoneRecord, ZoneRecord];
    const ds = { keyTag: 20326, algorithm: 8, digestType: 2, digest: dsDigest('.', k2017.rdata, 2) };
    expect(dsMatchesDnskey('.', ds, k2017.rdata)).toBe(true);
    expect(dsMatchesDnskey('.', encodeDs(ds), k2017.rdata)).toBe(true);
    expect(dsMatchesDnskey('com.', ds, k2017.rdata)).toBe(false);
    expect(dsMatchesDnskey('.', ds, k2010.rdata)).toBe(false);
    expect(dsMatchesDnskey('.', { ...ds, algorithm: 10 }, k2017.rdata)).toBe(false);
    const flipped = Uint8Array.from(ds.digest);
    flipped[31] = (flipped[31] as number) ^ 1;
    expect(dsMatchesDnskey('.', { ...ds, digest: flipped }, k2017.rdata)).toBe(false);
    expect(dsMatchesDnskey('.', { ...ds, digest: ds.digest.subarray(0, 20) }, k2017.rdata)).toBe(false);
    // the revoked key has its own tag, so the DS of KSK-2010 does not match it
    const ds2010 = { keyTag: keyTag(k2010.rdata), algorithm: 8, digestType: 2, digest: dsDigest('.', k2010.rdata, 2) };
    expect(dsMatchesDnskey('.', ds2010, revoked.rdata)).toBe(false);
    // owner names are compared in canonical form
    expect(hexEncode(dsDigest('EXAMPLE.', k2017.rdata, 1))).toBe(hexEncode(dsDigest('example', k2017.rdata, 1)));
  });

  it('throws KTO_ERR_CORE_UNSUPPORTED_ALGORITHM for digest types other than 1, 2, 4', () => {
    const key = (parseRealZone('trust-anchors/root-ksk-dnskeys.zone').records[1] as ZoneRecord).rdata;
    for (const t of [0, 3, 5, 255]) {
      expect(() => dsDigest('.', key, t)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_UNSUPPORTED_ALGORITHM' }));
      expect(() => dsMatchesDnskey('.', { keyTag: 20326, algorithm: 8, digestType: t, digest: new Uint8Array(32) }, key))
        .toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_UNSUPPORTED_ALGORITHM' }));
    }
  });
});
