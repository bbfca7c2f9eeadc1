import { describe, expect, it } from 'vitest';
import { CADENCE_DELTAS, NO_EXPIRATION, expiryAt, failureKind, medianInterval, noteInterval, normalizeHost, sameContent, signatureWindowsInto, wellFormed } from './run-content.js';
import type { SignatureWindows } from './run-content.js';
import type { SummaryColumns } from './run-content.js';

/** The summary of a DNSKEY answer (two keys, one RRSIG), every compared column set. */
function summary(over: Partial<SummaryColumns> = {}): SummaryColumns {
  return {
    dnskey_key_hashes: ['8c1f2e0a5b7d9e31', '0b5e9a77c3d1f402'], dnskey_flags: [256, 257], dnskey_algorithms: [13, 13], dnskey_key_tags: [31_406, 2_371],
    rrsig_key_tags: [2_371], rrsig_type_covered: [48], rrsig_expirations: [1_701_000_000], rrsig_inceptions: [1_699_000_000],
    rrsig_algorithms: [13], rrsig_original_ttls: [3_600],
    ds_digests: [], ds_key_tags: [], ds_algorithms: [], ds_digest_types: [], ns_hosts: [], csync_serial: 0, csync_flags: 0,
    observed_at_ms: 1_700_000_000_000, ...over,
  };
}

describe('run content', () => {
  it('the same content (fresh arrays) is the same; a change in any compared column is not', () => {
    expect(sameContent(summary(), summary())).toBe(true);
    // what a run does not depend on: times, original TTLs
    expect(sameContent(summary(), summary({ observed_at_ms: 1, rrsig_original_ttls: [60] }))).toBe(true);
    const changes: Partial<SummaryColumns>[] = [
      { dnskey_key_hashes: ['8c1f2e0a5b7d9e31', '0b5e9a77c3d1f403'] }, { dnskey_flags: [256, 385] },
      { rrsig_key_tags: [31_406] }, { rrsig_type_covered: [6] }, { rrsig_expirations: [1_701_000_001] },
      { rrsig_inceptions: [1_699_000_001] }, { rrsig_algorithms: [8] }, { ds_digests: ['ab'] }, { ds_key_tags: [2_371] },
      { ns_hosts: ['ns1.example.'] }, { csync_serial: 1 }, { csync_flags: 3 },
      { dnskey_key_hashes: ['8c1f2e0a5b7d9e31'], dnskey_flags: [256] },
    ];
    for (const c of changes) {
      expect(sameContent(summary(), summary(c)), JSON.stringify(c)).toBe(false);
      expect(sameContent(summary(c), summary()), JSON.stringify(c)).toBe(false);
    }
  });

  it('wellFormed: parallel arrays of equal length and a finite time', () => {
    expect(wellFormed(summary())).toBe(true);
    expect(wellFormed(summary({ dnskey_flags: [257] }))).toBe(false);
    expect(wellFormed(summary({ rrsig_original_ttls: [] }))).toBe(false);
    expect(wellFormed(summary({ ds_key_tags: [1], ds_algorithms: [13], ds_digest_types: [2], ds_digests: [] }))).toBe(false);
    expect(wellFormed(summary({ ds_key_tags: [1], ds_algorithms: [13], ds_digest_types: [2], ds_digests: ['ab'] }))).toBe(true);
    expect(wellFormed(summary({ observed_at_ms: Number.NaN }))).toBe(false);
    expect(wellFormed(summary({ ns_hosts: null as unknown as string[] }))).toBe(false);
  });

  it('host names and the median interval', () => {
    expect(['NS1.Example.COM', 'ns1.example.com.', ' ns1.example.com ', ''].map(normalizeHost)).toEqual(['ns1.example.com.', 'ns1.example.com.', 'ns1.example.com.', '']);
    expect(medianInterval([300_000])).toBe(300_000);
    expect(medianInterval([5, 1, 3, 2])).toBe(3);
    expect(medianInterval([7, 1, 4])).toBe(4);
  });
});

describe('signatureWindowsInto / expiryAt', () => {
  // the root's DNSKEY RRSIG pattern: 21 days of validity, original TTL 172,800 s (2 days)
  const inception = 1_700_000_000;
  const expiration = inception + 21 * 86_400;
  const w: SignatureWindows = { minExp: 0, validity: 0, origTtl: 0 };

  it('keeps the earliest expiration, its validity and the largest original TTL', () => {
    signatureWindowsInto(w, { rrsig_expirations: [expiration + 600, expiration], rrsig_inceptions: [inception + 600, inception], rrsig_original_ttls: [3_600, 172_800] });
    expect(w).toEqual({ minExp: expiration, validity: 21 * 86_400, origTtl: 172_800 });
    const none: SignatureWindows = { minExp: 0, validity: 0, origTtl: 0 };
    signatureWindowsInto(none, { rrsig_expirations: [], rrsig_inceptions: [], rrsig_original_ttls: [] });
    expect(none.minExp).toBe(NO_EXPIRATION);
    expect(expiryAt(none, expiration * 1000 + 1)).toBeNull();
  });

  it('expiring once less than the original TTL (or a tenth of the validity) is left; expired after the expiration', () => {
    signatureWindowsInto(w, { rrsig_expirations: [expiration], rrsig_inceptions: [inception], rrsig_original_ttls: [172_800] });
    const ms = (s: number): number => s * 1000;
    expect(expiryAt(w, ms(inception + 86_400))).toBeNull();
    // a tenth of 21 days (2.1 d) is more than the TTL (2 d): that bound comes first
    expect(expiryAt(w, ms(expiration - 2.1 * 86_400) - 1)).toBeNull();
    expect(expiryAt(w, ms(expiration - 2.1 * 86_400) + 1)).toBe('expiring');
    expect(expiryAt(w, ms(expiration))).toBe('expiring');
    expect(expiryAt(w, ms(expiration) + 1)).toBe('expired');
  });
});

describe('noteInterval', () => {
  it('estimates the cadence from the first intervals and keeps the long ones as gap candidates', () => {
    const deltas: number[] = [];
    const gaps: number[] = [];
    let p = 0;
    let t = 0;
    // five polls 300 s apart, then an agent offline for an hour, then 300 s again
    for (const d of [300_000, 300_000, 300_000, 300_000, 3_600_000, 300_000]) {
      p = noteInterval(deltas, gaps, p, t, t + d);
      t += d;
    }
    expect(p).toBe(300_000);
    // the first three intervals are candidates (fewer than 4 known), then only the hour
    expect(gaps).toEqual([0, 300_000, 300_000, 600_000, 600_000, 900_000, 1_200_000, 4_800_000]);
    for (let i = 0; i < 2 * CADENCE_DELTAS; i++) p = noteInterval(deltas, gaps, p, t, (t += 300_000));
    expect(deltas.length).toBe(CADENCE_DELTAS);
  });
});

describe('failureKind', () => {
  it('names non-answers: the failed query status, SERVFAIL, other RCODEs; null for an answer', () => {
    expect(failureKind('ok', 0)).toBeNull();
    expect(failureKind('ok', 2)).toBe('servfail');
    expect(failureKind('ok', 3)).toBe('rcode'); // NXDOMAIN
    expect(failureKind('ok', 5)).toBe('rcode'); // REFUSED
    expect(failureKind('timeout', 0)).toBe('timeout');
    expect(failureKind('network_error', 0)).toBe('network_error');
  });
});
