import { describe, expect, it } from 'vitest';
import { medianInterval, normalizeHost, sameContent, wellFormed } from './run-content.js';
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
