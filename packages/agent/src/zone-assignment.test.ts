import { describe, expect, it } from 'vitest';
import { zonesFromAssignment, zonesFromJson } from './zone-assignment.js';

describe('zone lists from the collector', () => {
  it('reads a pushed ZoneAssignment, canonicalizing names and skipping bad entries', () => {
    const list = zonesFromAssignment({
      version: 12,
      zones: [
        { name: 'Example.COM', intervalS: 600, qtypes: [48, 43], queryAuthoritatives: true },
        { name: 'nl.', intervalS: 0, qtypes: [] },
        { name: 'bad..name', intervalS: 60 },
        { name: 'se.', intervalS: 10_000_000, qtypes: [0, 59] },
      ],
    });
    expect(list.version).toBe(12);
    expect(list.zones).toEqual([
      { name: 'example.com.', intervalS: 600, qtypes: [48, 43], queryAuthoritatives: true },
      { name: 'nl.', intervalS: 0, qtypes: [], queryAuthoritatives: false },
      { name: 'se.', intervalS: 7 * 86_400, qtypes: [59], queryAuthoritatives: false },
    ]);
    expect(list.skipped).toHaveLength(2);
  });

  it('reads GET /v1/zones JSON with numeric or mnemonic qtypes', () => {
    const list = zonesFromJson({
      version: 3,
      zones: [{ zone: 'cz.', interval_s: 120, qtypes: ['DNSKEY', 'cds', 62], query_authoritatives: true }, { zone: 42 }],
    });
    expect(list?.zones).toEqual([{ name: 'cz.', intervalS: 120, qtypes: [48, 59, 62], queryAuthoritatives: true }]);
    expect(list?.skipped).toHaveLength(1);
    expect(zonesFromJson({ statusCode: 500 })).toBeUndefined();
  });
});
