import { describe, expect, it } from 'vitest';
import type { KeyObject } from 'node:crypto';
import { parseRealZone, publicKeyObject, readRealText, rootZoneFacts, verifyDnssec } from '../test-support/real-data.js';
import { canonicalRdata, canonicalRrsetRdata, compareRdata, rrsetFromMessage, signedData } from './canonical.js';
import type { RrInput } from './canonical.js';
import { keyTag } from './keytag.js';
import { decodeMessage } from './message.js';
import type { DnsMessage } from './message.js';
import { nameToWire } from './names.js';
import { decodeRrsig, encodeRrsig } from './rdata.js';
import { base64Decode, hexEncode } from './text-encoding.js';
import { parseZoneText } from './zone-text.js';

interface Tally {
  valid: number;
  invalid: string[];
  noKey: number;
  noRrset: number;
}

/**
 * Checks every RRSIG among `records` against the RRset it covers (same owner, class and type
 * among `records`) with the DNSKEYs among `keys` at the signer name: RFC 4035 §5.3 minus the
 * time check (signatures in real data are long expired).
 */
function checkAll(records: readonly RrInput[], keys: readonly RrInput[] = records): Tally {
  const sets = new Map<string, RrInput[]>();
  for (const r of records) {
    if (r.type === 46) continue;
    const k = `${r.name}|${r.type}|${r.klass}`;
    const list = sets.get(k);
    if (list === undefined) sets.set(k, [r]);
    else list.push(r);
  }
  const keyObjects = new Map<string, { tag: number; algorithm: number; key: KeyObject }[]>();
  for (const k of keys) {
    if (k.type !== 48 || ![5, 7, 8, 10, 13, 14, 15, 16].includes(k.rdata[3] as number)) continue;
    const list = keyObjects.get(k.name) ?? [];
    list.push({ tag: keyTag(k.rdata), algorithm: k.rdata[3] as number, key: publicKeyObject(k.rdata[3] as number, k.rdata.subarray(4)) });
    keyObjects.set(k.name, list);
  }
  const tally: Tally = { valid: 0, invalid: [], noKey: 0, noRrset: 0 };
  for (const r of records) {
    if (r.type !== 46) continue;
    const sig = decodeRrsig(r.rdata, 0, r.rdata.length);
    const rrset = sets.get(`${r.name}|${sig.typeCovered}|${r.klass}`);
    if (rrset === undefined) {
      tally.noRrset++;
      continue;
    }
    const candidates = (keyObjects.get(sig.signer) ?? []).filter((k) => k.tag === sig.keyTag && k.algorithm === sig.algorithm);
    if (candidates.length === 0) {
      tally.noKey++;
      continue;
    }
    const data = signedData(r.rdata, rrset);
    if (candidates.some((k) => verifyDnssec(sig.algorithm, k.key, data, sig.signature))) tally.valid++;
    else tally.invalid.push(`${r.name} RRSIG ${sig.typeCovered} by ${sig.keyTag}`);
  }
  return tally;
}

describe('signedData proven byte for byte by real signatures (node:crypto, test only)', () => {
  it('every RRSIG of all six root zones verifies (RSA/SHA-256; root-zone/VERIFY.txt counts)', () => {
    for (const facts of rootZoneFacts()) {
      const zone = parseRealZone(facts.file);
      const t = checkAll(zone.records);
      expect(t.invalid, facts.file).toEqual([]);
      expect(t.valid, facts.file).toBe(facts.rrsigs);
      expect(t.noKey + t.noRrset, facts.file).toBe(0);
    }
  }, 60_000);

  it('the RFC 5702 / 6605 / 8080 examples verify: RSA/SHA-256, RSA/SHA-512, P-256, P-384, Ed25519, Ed448', () => {
    // each example is its own section (several use the same owner and type with other data)
    const sections = readRealText('rfc-vectors/rfc-algorithm-examples.zone').split(/^;; =+\n;; (.*)\n;; =+$/m);
    const tallies: { title: string; t: Tally }[] = [];
    for (let i = 1; i + 1 < sections.length; i += 2) {
      tallies.push({ title: sections[i] as string, t: checkAll(parseZoneText(sections[i + 1] as string).records) });
    }
    expect(tallies).toHaveLength(12);
    for (const { title, t } of tallies) expect(t.invalid, title).toEqual([]);
    const validBy = (prefix: string) => tallies.filter((x) => x.title.startsWith(prefix)).reduce((n, x) => n + x.t.valid, 0);
    expect(validBy('RFC 5702')).toBe(2);
    expect(validBy('RFC 6605')).toBe(2);
    expect(validBy('RFC 8080')).toBe(4);
    // the RFC 4034 §3.3 RRSIG covers an A RRset the RFC does not give
    expect(tallies.find((x) => x.title.startsWith('RFC 4034 section 3.3'))?.t).toMatchObject({ valid: 0, noRrset: 1 });
  });

  it('the signatures as published in RFC 8080 (before Errata 4935) do not verify with labels 2', () => {
    const text = readRealText('rfc-vectors/rfc-algorithm-examples.zone');
    const published = [...text.matchAll(/Published signature \(does not verify as MX (\d+) 2 \.\.\.\): (\S+)/g)];
    expect(published).toHaveLength(4);
    const zone = parseRealZone('rfc-vectors/rfc-algorithm-examples.zone');
    const sigs = zone.records.filter((r) => r.type === 46 && r.rdata[1] === 15); // RRSIG MX
    expect(sigs).toHaveLength(4);
    published.forEach((m, i) => {
      const sigRecord = sigs[i] as RrInput;
      const sig = decodeRrsig(sigRecord.rdata, 0, sigRecord.rdata.length);
      const key = zone.records.find((r) => r.type === 48 && r.name === 'example.com.' && keyTag(r.rdata) === sig.keyTag) as RrInput;
      const mx = zone.records.filter((r) => r.type === 15 && r.name === 'example.com.').slice(i, i + 1);
      const keyObject = publicKeyObject(sig.algorithm, key.rdata.subarray(4));
      const data = signedData(sigRecord.rdata, mx);
      expect(verifyDnssec(sig.algorithm, keyObject, data, sig.signature)).toBe(true);
      expect(verifyDnssec(sig.algorithm, keyObject, data, base64Decode(m[2] as string) as Uint8Array)).toBe(false);
    });
  });

  it('RFC 4035 Appendix A (RSA/SHA-1, NSEC, wildcard) verifies completely', () => {
    const zone = parseRealZone('rfc-vectors/rfc4035-appendix-A.zone');
    const t = checkAll(zone.records);
    expect(t.invalid).toEqual([]);
    expect(t.noKey + t.noRrset).toBe(0);
    expect(t.valid).toBe(zone.records.filter((r) => r.type === 46).length);
  });

  it('RFC 5155 Appendix A (RSASHA1-NSEC3-SHA1, NSEC3, opt-out) verifies completely', () => {
    const zone = parseRealZone('rfc-vectors/rfc5155-appendix-A.zone');
    const t = checkAll(zone.records);
    expect(t.invalid).toEqual([]);
    expect(t.noKey + t.noRrset).toBe(0);
    expect(t.valid).toBe(zone.records.filter((r) => r.type === 46).length);
  });

  it('rebuilds the wildcard owner from the labels field (RFC 4035 §5.3.2 / Appendix B.6)', () => {
    const zone = parseRealZone('rfc-vectors/rfc4035-appendix-A.zone');
    const mx = zone.records.filter((r) => r.name === '*.w.example.' && r.type === 15);
    const sigRecord = zone.records.find((r) => r.name === '*.w.example.' && r.type === 46 && r.rdata[1] === 15) as RrInput;
    const sig = decodeRrsig(sigRecord.rdata, 0, sigRecord.rdata.length);
    expect(sig.labels).toBe(2);
    const key = zone.records.find((r) => r.type === 48 && r.name === 'example.' && keyTag(r.rdata) === sig.keyTag) as RrInput;
    const keyObject = publicKeyObject(sig.algorithm, key.rdata.subarray(4));
    // the answer to a.z.w.example. MX as Appendix B.6 shows it: synthesized from the wildcard
    const expanded = mx.map((r) => ({ ...r, name: 'a.z.w.example.' }));
    const data = signedData(sigRecord.rdata, expanded);
    expect(verifyDnssec(sig.algorithm, keyObject, data, sig.signature)).toBe(true);
    expect(data).toEqual(signedData(sigRecord.rdata, mx));
    // labels above the owner's label count cannot be valid
    const tooMany = encodeRrsig({ ...sig, labels: 4 });
    expect(() => signedData(tooMany, mx)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });

  it('nlnetlabs.nl (2014): 649 of 650 RRSIGs verify; the one the owner made bogus does not', () => {
    const zone = parseRealZone('other-real-zones/nlnetlabs.nl-2014-01-27.zone.gz');
    expect(zone.skipped).toEqual([]);
    const t = checkAll(zone.records);
    expect(t.valid).toBe(649);
    expect(t.invalid).toEqual(['bogus.nlnetlabs.nl. RRSIG 16 by 42393']);
  });

  it('types-signed.wb.sidnlabs.nl (2013, parser torture zone): every RRset we parse verifies but the one with a duplicate RR', () => {
    const zone = parseRealZone('other-real-zones/types-signed.wb.sidnlabs.nl-2013-09-30.zone.gz');
    const t = checkAll(zone.records);
    // README: ldns and dnspython fail naptr02 NAPTR (its RRset holds a duplicate RR) and three WKS RRsets,
    // which this parser skips (they are in zone.skipped and their RRSIGs have no RRset here)
    expect(t.invalid).toEqual(['naptr02.types-signed.wb.sidnlabs.nl. RRSIG 35 by 62298']);
    expect(t.noRrset).toBe(new Set(zone.skipped.map((s) => `${s.name} ${s.type}`)).size);
    expect(t.valid).toBeGreaterThan(150);
  });

  it('mixed-case (0x20) owner names: fwd_val_cname_sibling verifies after lower-casing', () => {
    const zone = parseRealZone('deckard-real-world/fwd_val_cname_sibling.txt');
    const t = checkAll(zone.records);
    expect(t.invalid).toEqual([]);
    expect(t.valid).toBeGreaterThanOrEqual(17);
  });
});

describe('signedData over decoded messages (compressed names in RDATA)', () => {
  const atlas = readRealText('ripe-atlas/sagan-test-dns-results.jsonl').split('\n').filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { msm_id: number; result?: { abuf?: string } });
  const message = (msm: number): DnsMessage => {
    const abuf = atlas.find((a) => a.msm_id === msm && a.result?.abuf !== undefined)?.result?.abuf as string;
    return decodeMessage(new Uint8Array(Buffer.from(abuf, 'base64')));
  };

  it('nlnet.nl ANY (2015): all 10 RRSIGs verify, including NS, SOA and MX with compressed RDATA names', () => {
    const m = message(2816176);
    const t = checkAll(rrsetFromMessage(m, m.answer));
    expect(t.invalid).toEqual([]);
    expect(t.valid).toBe(10);
  });

  it('org. DNSKEY (2014, algorithm 7): the three RRSIGs verify', () => {
    const m = message(1672220);
    const t = checkAll(rrsetFromMessage(m, m.answer));
    expect(t.invalid).toEqual([]);
    expect(t.valid).toBe(3);
  });
});

describe('canonical RDATA and RRset order', () => {
  it('lower-cases names in RDATA for the RFC 4034 §6.2 types, not for NSEC (RFC 6840 §5.1) or unknown types', () => {
    const z = parseZoneText([
      'a. 1 IN NS NS1.Example.',
      'a. 1 IN MX 10 MAIL.Example.',
      'a. 1 IN SOA NS.Example. Host.Example. 1 2 3 4 5',
      'a. 1 IN NSEC Next.Example. A',
      'a. 1 IN RRSIG A 8 1 1 20200101000000 20190101000000 1 Signer.Example. AAAA',
      'a. 1 IN TXT "MiXeD"',
    ].join('\n')).records;
    const canon = z.map((r) => canonicalRdata(r.type, r.rdata));
    expect(canon[0]).toEqual(nameToWire('ns1.example.'));
    expect(canon[1]).toEqual(Uint8Array.from([0, 10, ...nameToWire('mail.example.')]));
    expect(hexEncode(canon[2] as Uint8Array).startsWith(hexEncode(Uint8Array.from([...nameToWire('ns.example.'), ...nameToWire('host.example.')])))).toBe(true);
    expect(canon[3]).toEqual(z[3]?.rdata); // NSEC next name keeps "Next.Example."
    expect(Buffer.from(canon[3] as Uint8Array).includes(Buffer.from('Next'))).toBe(true);
    expect(Buffer.from(canon[4] as Uint8Array).includes(Buffer.from('signer'))).toBe(true);
    expect(canon[5]).toEqual(z[5]?.rdata);
  });

  it('sorts by RDATA as unsigned octet strings, shorter first on a common prefix, and drops duplicates', () => {
    expect(compareRdata(Uint8Array.from([1]), Uint8Array.from([1, 0]))).toBeLessThan(0);
    expect(compareRdata(Uint8Array.from([2]), Uint8Array.from([1, 255]))).toBeGreaterThan(0);
    expect(compareRdata(Uint8Array.from([0x80]), Uint8Array.from([0x7f]))).toBeGreaterThan(0);
    const rr = (hex: string): RrInput => ({ name: 'a.', type: 16, klass: 1, rdata: Uint8Array.from(Buffer.from(hex, 'hex')) });
    const sorted = canonicalRrsetRdata([rr('0262'), rr('0161'), rr('0262'), rr('016100'), rr('0161')]);
    expect(sorted.map(hexEncode)).toEqual(['0161', '016100', '0262']);
  });

  it('gives the same bytes with or without the signature in the RRSIG RDATA, and rejects bad RRsets', () => {
    const zone = parseRealZone('rfc-vectors/rfc4035-appendix-A.zone');
    const sigRecord = zone.records.find((r) => r.name === 'example.' && r.type === 46 && r.rdata[1] === 2) as RrInput; // RRSIG NS
    const ns = zone.records.filter((r) => r.name === 'example.' && r.type === 2);
    const sig = decodeRrsig(sigRecord.rdata, 0, sigRecord.rdata.length);
    const withoutSig = encodeRrsig({ ...sig, signature: new Uint8Array(0) });
    expect(signedData(withoutSig, ns)).toEqual(signedData(sigRecord.rdata, ns));
    // RRset order does not matter
    expect(signedData(sigRecord.rdata, [...ns].reverse())).toEqual(signedData(sigRecord.rdata, ns));
    const bad = (rrset: RrInput[]) => expect(() => signedData(sigRecord.rdata, rrset)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
    bad([]);
    bad([{ ...(ns[0] as RrInput), type: 1 }]);
    bad([ns[0] as RrInput, { ...(ns[1] as RrInput), name: 'other.example.' }]);
    bad([ns[0] as RrInput, { ...(ns[1] as RrInput), klass: 3 }]);
  });
});
