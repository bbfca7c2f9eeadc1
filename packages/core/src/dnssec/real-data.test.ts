// Real signed data from /work/shared/real-data against the results independent implementations
// (dnspython 2.8, ldns) recorded beside it: deckard recordings (algorithms 5/7/8/10/13), the
// 2017-2019 chains across the root KSK roll (algorithm 7 org., KSK 19036 -> 20326, revoked 19036 =
// 19164), the NLnetLabs/domain RRsets (13, 15), dnspython.org (5), two AXFRs with RRSIGs broken on
// purpose, and RIPE Atlas responses verified from the wire. Both back ends, every recorded check.

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rrsetFromMessage } from '../canonical.js';
import { keyTag } from '../keytag.js';
import { decodeMessage } from '../message.js';
import { decodeDnskey, decodeRrsig, encodeRrsig, rdataHasNames } from '../rdata.js';
import { typeName } from '../types.js';
import type { ZoneRecord } from '../zone-text.js';
import { parseRealZone, readRealText, realDataPath } from '../../test-support/real-data.js';
import { parseTime, recordedChecks, zoneSignatures } from '../../test-support/rrsig-checks.js';
import type { RecordedCheck } from '../../test-support/rrsig-checks.js';
import type { DnssecBackend } from './backend.js';
import { nobleBackend } from './noble-backend.js';
import { verifyRrsig as nobleVerifyRrsig } from './noble-verify.js';
import { nodeBackend } from './node-backend.js';
import { verifyRrsig as nodeVerifyRrsig } from './node-verify.js';
import { findRrsigSignersWith, verifyRrsigWith } from './verify.js';
import type { RrsigSigner } from './verify.js';

const BACKENDS: DnssecBackend[] = [nodeBackend, nobleBackend];

const FILES: [string, 'entry' | 'check'][] = [
  ...readdirSync(realDataPath('deckard-real-world')).sort().map((f): [string, 'entry'] => [`deckard-real-world/${f}`, 'entry']),
  ['chains-2017-2019/ens-dnssec-oracle-chains.txt', 'check'],
  ['chains-2017-2019/letsdebug-root-dnskey-rrsets.txt', 'check'],
  ['other-real-rrsets/nlnetlabs-domain-dnskey-rrsets.txt', 'check'],
];

function signers(backend: DnssecBackend, c: RecordedCheck, rrsig: Uint8Array, now: number, rrset = c.rrset): RrsigSigner {
  return findRrsigSignersWith(backend, {
    rrset, rrsigs: [rrsig], dnskeys: c.dnskeys.map((d) => d.rdata), keyOwner: c.sig.signer, now,
  })[0] as RrsigSigner;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >>> 3] = (out[bit >>> 3] as number) ^ (0x80 >>> (bit & 7));
  return out;
}

describe.each(BACKENDS.map((b) => [b.name, b] as const))('recorded checks, %s back end', (_name, backend) => {
  it.each(FILES)('%s: every RRSIG gets the recorded result', (file, mode) => {
    const checks = recordedChecks(file, mode);
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) {
      if (c.result === 'no-covered-rrset') {
        expect(c.rrset, c.label).toEqual([]);
        continue;
      }
      const got = signers(backend, c, c.rrsig.rdata, c.at);
      if (/^valid\b/i.test(c.result)) {
        expect(got, c.label).toMatchObject({ status: 'valid' });
        const key = c.dnskeys[got.key as number] as ZoneRecord;
        expect(keyTag(key.rdata), c.label).toBe(c.keyTag);
      } else if (c.result.startsWith('INVALID')) {
        expect(got, c.label).toMatchObject({ status: 'invalid', key: null });
        expect(got.candidates, c.label).toBeGreaterThan(0);
      } else if (c.result === 'no-matching-dnskey') {
        expect(got, c.label).toMatchObject({ status: 'key-mismatch', key: null, candidates: 0 });
      } else {
        throw new Error(`unknown recorded result in ${c.label}`);
      }
    }
  });

  it.each(FILES)('%s: valid RRSIGs fail outside their window and after a flipped bit', (file, mode) => {
    const valid = recordedChecks(file, mode).filter((c) => /^valid\b/i.test(c.result));
    let dataFlips = 0;
    valid.forEach((c, i) => {
      const { inception, expiration } = c.sig;
      expect(signers(backend, c, c.rrsig.rdata, inception).status, c.label).toBe('valid');
      expect(signers(backend, c, c.rrsig.rdata, expiration).status, c.label).toBe('valid');
      expect(signers(backend, c, c.rrsig.rdata, inception - 1).status, c.label).toBe('not-yet-valid');
      expect(signers(backend, c, c.rrsig.rdata, expiration + 1).status, c.label).toBe('expired');
      // one bit of the signature, a different one each time
      const sigBits = c.sig.signature.length * 8;
      const sigStart = c.rrsig.rdata.length - c.sig.signature.length;
      const badSig = flipBit(c.rrsig.rdata, sigStart * 8 + ((i * 131) % sigBits));
      expect(signers(backend, c, badSig, c.at), c.label).toMatchObject({ status: 'invalid', key: null });
      // one bit of the signed data: the RRSIG's original TTL (in the RRSIG prefix and in every RR)
      const badTtl = flipBit(c.rrsig.rdata, 4 * 8 + (i % 32));
      expect(signers(backend, c, badTtl, c.at), c.label).toMatchObject({ status: 'invalid', key: null });
      // and one bit of the RRset: the last RDATA octet of its first record, where that is not a name
      const r0 = c.rrset[0] as ZoneRecord;
      if (!rdataHasNames(r0.type) || r0.type === 6) {
        const badRrset = [{ ...r0, rdata: flipBit(r0.rdata, r0.rdata.length * 8 - 1 - (i % 8)) }, ...c.rrset.slice(1)];
        expect(signers(backend, c, c.rrsig.rdata, c.at, badRrset).status, c.label).toBe('invalid');
        dataFlips++;
      }
    });
    expect(dataFlips).toBeGreaterThan(0);
  });
});

describe('recorded checks cover the algorithms in real use', () => {
  it('algorithms 5, 7, 8, 10, 13 and 15 all occur among the valid recorded RRSIGs', () => {
    const algorithms = new Set<number>();
    for (const [file, mode] of FILES) {
      for (const c of recordedChecks(file, mode)) if (/^valid\b/i.test(c.result)) algorithms.add(c.sig.algorithm);
    }
    expect([...algorithms].sort((a, b) => a - b)).toEqual([5, 7, 8, 10, 13, 15]);
  });
});

describe('the 2018 root KSK roll (chains-2017-2019)', () => {
  const chains = recordedChecks('chains-2017-2019/ens-dnssec-oracle-chains.txt', 'check');
  const letsdebug = recordedChecks('chains-2017-2019/letsdebug-root-dnskey-rrsets.txt', 'check');
  const rootDnskeySigs = chains.filter((c) => c.rrsig.name === '.' && c.sig.typeCovered === 48);

  it('12 RRSIG(DNSKEY) by KSK-2010 19036, then 3 by KSK-2017 20326', () => {
    expect(rootDnskeySigs.map((c) => c.sig.keyTag)).toEqual([...Array<number>(12).fill(19036), 20326, 20326, 20326]);
  });

  it('the first RRSIG by KSK-2017 verifies at 2018-10-12T00:00Z with 20326 and with no other key of the set', () => {
    const c = letsdebug.find((x) => x.sig.inception === parseTime('20181011000000')) as RecordedCheck;
    const keys = c.rrset; // the DNSKEY RRset itself: 20326, ZSK 2134, 19036
    expect(keys.map((k) => keyTag(k.rdata))).toEqual([20326, 2134, 19036]);
    for (const verify of [nodeVerifyRrsig, nobleVerifyRrsig]) {
      const results = keys.map((k) => verify({ rrsig: c.rrsig.rdata, rrset: c.rrset, dnskey: k.rdata, keyOwner: '.', now: parseTime('20181012000000') }));
      expect(results.map((r) => r.status)).toEqual(['valid', 'key-mismatch', 'key-mismatch']);
      expect(results[2]?.reason).toMatch(/key tag 20326 differs from the DNSKEY's key tag 19036/);
    }
  });

  it('2019: the set holds KSK-2010 revoked (flags 385, key tag 19164); it cannot stand in for 19036', () => {
    const sigs2019 = rootDnskeySigs.filter((c) => c.sig.inception >= parseTime('20190101000000'));
    expect(sigs2019).toHaveLength(2);
    // the last 2017 RRSIG by 19036, the key that later was revoked
    const by19036 = rootDnskeySigs.filter((c) => c.sig.keyTag === 19036).at(-1) as RecordedCheck;
    const key19036 = by19036.dnskeys.find((k) => keyTag(k.rdata) === 19036) as ZoneRecord;
    for (const c of sigs2019) {
      const revoked = c.rrset.find((k) => decodeDnskey(k.rdata, 0, k.rdata.length).flags === 385) as ZoneRecord;
      expect(keyTag(revoked.rdata)).toBe(19164);
      expect(revoked.rdata.subarray(4)).toEqual(key19036.rdata.subarray(4)); // same public key as 19036
      for (const backend of BACKENDS) {
        expect(signers(backend, c, c.rrsig.rdata, c.at)).toMatchObject({ status: 'valid' });
        // the 2017 signature by 19036 does not verify with the revoked record of the same key
        expect(verifyRrsigWith(backend, { rrsig: by19036.rrsig.rdata, rrset: by19036.rrset, dnskey: revoked.rdata, keyOwner: '.', now: by19036.at }))
          .toMatchObject({ status: 'key-mismatch' });
        // a DNSKEY-covering RRSIG claiming the revoked tag passes the key checks (RFC 5011 allows it)
        // and is then judged by its signature, which is not one made with tag 19164
        const claim = encodeRrsig({ ...decodeRrsig(by19036.rrsig.rdata, 0, by19036.rrsig.rdata.length), keyTag: 19164 });
        expect(verifyRrsigWith(backend, { rrsig: claim, rrset: by19036.rrset, dnskey: revoked.rdata, keyOwner: '.', now: by19036.at }))
          .toEqual({ status: 'invalid', reason: 'the signature does not verify' });
      }
    }
  });

  it('org. (algorithm 7, RSASHA1-NSEC3-SHA1) SOA verifies in 2018', () => {
    const c = chains.find((x) => x.rrsig.name === 'org.') as RecordedCheck;
    expect(c.sig.algorithm).toBe(7);
    for (const backend of BACKENDS) expect(signers(backend, c, c.rrsig.rdata, c.at)).toMatchObject({ status: 'valid', candidates: 1 });
  });
});

describe('dnspython.org (2010, algorithm 5)', () => {
  it('RRSIG(SOA) by ZSK 61695 verifies at 2010-11-20T10:51:27Z (the recorded check), with either back end', () => {
    const zone = parseRealZone('other-real-rrsets/dnspython.org-2010-11.txt').records;
    const rrsig = zone.find((r) => r.type === 46) as ZoneRecord;
    const soa = zone.filter((r) => r.type === 6);
    const keys = zone.filter((r) => r.type === 48).map((r) => r.rdata);
    const now = parseTime('2010-11-20T10:51:27Z');
    for (const backend of BACKENDS) {
      const [r] = findRrsigSignersWith(backend, { rrset: soa, rrsigs: [rrsig.rdata], dnskeys: keys, keyOwner: 'dnspython.org.', now });
      expect(r).toEqual({ status: 'valid', key: 1, candidates: 1 });
      expect(keyTag(keys[1] as Uint8Array)).toBe(61695);
    }
  });
});

describe('two AXFRs with a few RRSIGs broken on purpose', () => {
  it.each(BACKENDS.map((b) => [b.name, b] as const))('nlnetlabs.nl (2014), %s back end: 649 of 650 valid at 20140128000000; the bogus one by design is invalid', (_n, backend) => {
    const sigs = zoneSignatures(parseRealZone('other-real-zones/nlnetlabs.nl-2014-01-27.zone.gz').records);
    expect(sigs).toHaveLength(650);
    const invalid: string[] = [];
    for (const s of sigs) {
      const [r] = findRrsigSignersWith(backend, {
        rrset: s.rrset, rrsigs: [s.rrsig.rdata], dnskeys: s.dnskeys.map((k) => k.rdata), keyOwner: s.sig.signer, now: parseTime('20140128000000'),
      });
      if (r?.status !== 'valid') invalid.push(`${s.rrsig.name} ${typeName(s.sig.typeCovered)} ${r?.status}`);
    }
    expect(invalid).toEqual(['bogus.nlnetlabs.nl. TXT invalid']);
  });

  it('types-signed.wb.sidnlabs.nl (2013): every RRset the parser reads verifies at 20131001000000 but the NAPTR with a duplicate RR', () => {
    const zone = parseRealZone('other-real-zones/types-signed.wb.sidnlabs.nl-2013-09-30.zone.gz');
    const sigs = zoneSignatures(zone.records);
    const notValid: string[] = [];
    let valid = 0;
    for (const s of sigs) {
      if (s.rrset.length === 0) continue; // a type the parser skips (three of them WKS, which the README says do not verify)
      const [r] = findRrsigSignersWith(nodeBackend, {
        rrset: s.rrset, rrsigs: [s.rrsig.rdata], dnskeys: s.dnskeys.map((k) => k.rdata), keyOwner: s.sig.signer, now: parseTime('20131001000000'),
      });
      if (r?.status === 'valid') valid++;
      else notValid.push(`${s.rrsig.name} ${typeName(s.sig.typeCovered)} ${r?.status}`);
    }
    expect(notValid).toEqual(['naptr02.types-signed.wb.sidnlabs.nl. NAPTR invalid']);
    expect(valid).toBe(sigs.filter((s) => s.rrset.length > 0).length - 1);
    // the RRSIGs left without an RRset are exactly those over the types the parser skips
    const skipped = new Set(zone.skipped.map((x) => `${x.name} ${x.type}`));
    expect(new Set(sigs.filter((s) => s.rrset.length === 0).map((s) => `${s.rrsig.name} ${typeName(s.sig.typeCovered)}`))).toEqual(skipped);
    expect(valid).toBeGreaterThan(150);
  });
});

describe('RIPE Atlas responses (wire format, compressed names) against ripe-atlas/VERIFY-sagan.txt', () => {
  interface AtlasResult { msm_id: number; prb_id: number; timestamp: number; result?: { abuf?: string }; resultset?: { result?: { abuf?: string } }[] }

  /** "msm prb timestamp TYPE tag signer -> VALID | no-key | no-rrset" for every RRSIG, as VERIFY-sagan.txt states them. */
  function recorded(): string[] {
    const out: string[] = [];
    let head = '';
    for (const line of readRealText('ripe-atlas/VERIFY-sagan.txt').split('\n')) {
      const h = /^msm_id=(\d+) prb_id=(\d+) timestamp=(\d+)/.exec(line);
      if (h !== null) head = `${h[1]} ${h[2]} ${h[3]}`;
      const r = /^\s+RRSIG (\S+) alg=\d+ tag=(\d+) signer=(\S+) \d{14}-\d{14} -> (.*)$/.exec(line);
      if (r === null) continue;
      const result = (r[4] as string).startsWith('VALID') ? 'VALID' : (r[4] as string).startsWith('signer DNSKEY not in message') ? 'no-key'
        : (r[4] as string).startsWith('covered RRset not in message') ? 'no-rrset' : `? ${r[4]}`;
      out.push(`${head} ${r[1]} ${r[2]} ${r[3]} -> ${result}`);
    }
    return out;
  }

  it.each(BACKENDS.map((b) => [b.name, b] as const))('%s back end: the same verdict for every RRSIG, verified from decoded messages', (_n, backend) => {
    const ours: string[] = [];
    for (const line of readRealText('ripe-atlas/sagan-test-dns-results.jsonl').split('\n')) {
      if (line === '') continue;
      const o = JSON.parse(line) as AtlasResult;
      const abufs = [o.result?.abuf, ...(o.resultset ?? []).map((r) => r.result?.abuf)].filter((a): a is string => a !== undefined);
      for (const abuf of abufs) {
        const m = decodeMessage(new Uint8Array(Buffer.from(abuf, 'base64')));
        // as the recorded check did: the answer section's RRSIGs, against that section's records
        const records = rrsetFromMessage(m, m.answer);
        for (const rr of records) {
          if (rr.type !== 46) continue;
          const sig = decodeRrsig(rr.rdata, 0, rr.rdata.length);
          const rrset = records.filter((x) => x.type === sig.typeCovered && x.name === rr.name && x.klass === rr.klass);
          let verdict: string;
          if (rrset.length === 0) {
            verdict = 'no-rrset';
          } else {
            const dnskeys = records.filter((x) => x.type === 48 && x.name === sig.signer).map((x) => x.rdata);
            const [r] = findRrsigSignersWith(backend, { rrset, rrsigs: [rr.rdata], dnskeys, keyOwner: sig.signer, now: o.timestamp });
            verdict = r?.status === 'valid' ? 'VALID' : r?.status === 'key-mismatch' && r.candidates === 0 ? 'no-key' : `${r?.status}`;
          }
          ours.push(`${o.msm_id} ${o.prb_id} ${o.timestamp} ${typeName(sig.typeCovered)} ${sig.keyTag} ${sig.signer} -> ${verdict}`);
        }
      }
    }
    const want = recorded();
    expect(want.filter((x) => x.endsWith('VALID'))).toHaveLength(14);
    expect(ours.sort()).toEqual(want.sort());
  });
});
