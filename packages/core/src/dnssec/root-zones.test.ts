// The six complete signed root zones of real-data/root-zone: every RRSIG verifies inside its window
// (the counts ldns-verify-zone and dnspython recorded in root-zone/VERIFY.txt), every one is
// rejected after its expiration, and a few hundred per zone fail at both window edges and after
// a flipped bit. The noble back end agrees with node:crypto on a sample.

import { describe, expect, it } from 'vitest';
import { keyTag } from '../keytag.js';
import { parseRealZone, readRealText, rootZoneFacts } from '../../test-support/real-data.js';
import { parseTime, spread, zoneSignatures } from '../../test-support/rrsig-checks.js';
import type { ZoneSignature } from '../../test-support/rrsig-checks.js';
import type { DnssecBackend } from './backend.js';
import { nobleBackend } from './noble-backend.js';
import { nodeBackend } from './node-backend.js';
import { findRrsigSignersWith } from './verify.js';
import type { RrsigSigner } from './verify.js';

interface ZoneTimes {
  /** ldns-verify-zone: "verified and complete" at this time. */
  valid: number;
  /** ldns-verify-zone: "There were errors" at this time (after expiry). */
  after: number;
  /** README §1: the key that signs the DNSKEY RRset. */
  ksk: number;
}

function zoneTimes(file: string): ZoneTimes {
  const name = file.replace(/^root-zone\//, '').replace(/\.gz$/, '');
  const v = new RegExp(`^${name.replace(/\./g, '\\.')}\\s+-t (\\d{14}): Zone is verified and complete\\s+\\|\\s+-t (\\d{14}) \\(after expiry\\)`, 'm')
    .exec(readRealText('root-zone/VERIFY.txt'));
  const r = new RegExp(`^\\| \`${name.replace(/\./g, '\\.')}\\.gz\` \\|(?:[^|]*\\|){4} \\**(\\d+)\\**(?: only)?, \\d{14}`, 'm').exec(readRealText('README.md'));
  if (v === null || r === null) throw new Error(`no VERIFY.txt / README facts for ${file}`);
  return { valid: parseTime(v[1] as string), after: parseTime(v[2] as string), ksk: Number(r[1]) };
}

function check(backend: DnssecBackend, s: ZoneSignature, now: number, rrsig = s.rrsig.rdata): RrsigSigner {
  return findRrsigSignersWith(backend, { rrset: s.rrset, rrsigs: [rrsig], dnskeys: s.dnskeys.map((k) => k.rdata), keyOwner: '.', now })[0] as RrsigSigner;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >>> 3] = (out[bit >>> 3] as number) ^ (0x80 >>> (bit & 7));
  return out;
}

describe.each(rootZoneFacts().map((f) => [f.file, f] as const))('%s', (file, facts) => {
  const times = zoneTimes(file);

  it('every RRSIG verifies (node:crypto) at the time ldns called the zone verified, with a key of the apex set', () => {
    const zone = parseRealZone(file);
    const sigs = zoneSignatures(zone.records);
    expect(sigs).toHaveLength(facts.rrsigs);
    const apexTags = sigs[0]?.dnskeys.map((k) => keyTag(k.rdata)).sort((a, b) => a - b);
    expect(apexTags).toEqual(facts.dnskeys.map((k) => k.keyTag).sort((a, b) => a - b));
    // one findRrsigSigners call per RRset, as a validator would make
    const byRrset = new Map<string, ZoneSignature[]>();
    for (const s of sigs) byRrset.set(`${s.rrsig.name}|${s.sig.typeCovered}`, [...(byRrset.get(`${s.rrsig.name}|${s.sig.typeCovered}`) ?? []), s]);
    const signers = new Map<number, number>();
    for (const group of byRrset.values()) {
      const first = group[0] as ZoneSignature;
      const results = findRrsigSignersWith(nodeBackend, {
        rrset: first.rrset, rrsigs: group.map((s) => s.rrsig.rdata), dnskeys: first.dnskeys.map((k) => k.rdata), keyOwner: '.', now: times.valid,
      });
      results.forEach((r, i) => {
        expect(r.status, `${first.rrsig.name} RRSIG ${group[i]?.sig.typeCovered}`).toBe('valid');
        const tag = keyTag(first.dnskeys[r.key as number]?.rdata as Uint8Array);
        signers.set(tag, (signers.get(tag) ?? 0) + 1);
      });
    }
    // README §1: the KSK signs the DNSKEY RRset alone, the ZSK everything else
    expect(signers.get(times.ksk)).toBe(1);
    const zsk = facts.dnskeys.find((k) => k.flags === 256)?.keyTag as number;
    expect(signers.get(zsk)).toBe(facts.rrsigs - 1);
  }, 60_000);

  it('after expiry (the time ldns reported errors) every RRSIG is expired, except any whose expiration is not yet past', () => {
    const sigs = zoneSignatures(parseRealZone(file).records);
    let expired = 0;
    for (const s of sigs) {
      const r = check(nodeBackend, s, times.after);
      expect(r.status).toBe(s.sig.expiration < times.after ? 'expired' : 'valid');
      if (r.status === 'expired') expired++;
    }
    expect(expired).toBeGreaterThanOrEqual(facts.rrsigs - 1);
  }, 60_000);

  it('300 RRSIGs: valid at both window edges, rejected one second outside, invalid after one flipped bit', () => {
    const sample = spread(zoneSignatures(parseRealZone(file).records), 300);
    sample.forEach((s, i) => {
      expect(check(nodeBackend, s, s.sig.inception).status).toBe('valid');
      expect(check(nodeBackend, s, s.sig.expiration).status).toBe('valid');
      expect(check(nodeBackend, s, s.sig.inception - 1).status).toBe('not-yet-valid');
      expect(check(nodeBackend, s, s.sig.expiration + 1).status).toBe('expired');
      const sigStart = s.rrsig.rdata.length - s.sig.signature.length;
      const flipped = flipBit(s.rrsig.rdata, sigStart * 8 + ((i * 61) % (s.sig.signature.length * 8)));
      expect(check(nodeBackend, s, times.valid, flipped)).toMatchObject({ status: 'invalid', key: null, candidates: 1 });
      const ttlFlipped = flipBit(s.rrsig.rdata, 32 + (i % 32)); // original TTL: signed in the prefix and in each RR
      expect(check(nodeBackend, s, times.valid, ttlFlipped).status).toBe('invalid');
    });
  }, 60_000);

  it('the noble back end agrees with node:crypto on 30 RRSIGs, intact and with a flipped bit', () => {
    const sample = spread(zoneSignatures(parseRealZone(file).records), 30);
    sample.forEach((s, i) => {
      const sigStart = s.rrsig.rdata.length - s.sig.signature.length;
      for (const rrsig of [s.rrsig.rdata, flipBit(s.rrsig.rdata, sigStart * 8 + i * 13)]) {
        const noble = check(nobleBackend, s, times.valid, rrsig);
        expect(noble).toEqual(check(nodeBackend, s, times.valid, rrsig));
      }
      expect(check(nobleBackend, s, times.valid).status).toBe('valid');
    });
  }, 60_000);
});
