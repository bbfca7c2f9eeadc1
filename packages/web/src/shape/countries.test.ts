// The alpha-2 -> numeric table against the map's own data (world-atlas countries-110m): every country
// the map draws with an id is reachable, and every code in the table is one the map draws.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { knownCountries, numericCountry } from './countries.js';

const require = createRequire(import.meta.url);
const atlas = JSON.parse(readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8')) as {
  objects: { countries: { geometries: { id?: string; properties: { name: string } }[] } };
};

describe('country codes for the map', () => {
  it('covers exactly the countries of countries-110m that have an ISO numeric id', () => {
    const ids = atlas.objects.countries.geometries.map((g) => g.id).filter((id): id is string => id !== undefined);
    const mapped = knownCountries().map((c) => numericCountry(c));
    expect(new Set(mapped)).toEqual(new Set(ids));
    expect(mapped.length).toBe(new Set(mapped).size);
  });

  it('well-known pairs (ISO 3166-1) and names as the atlas has them', () => {
    const name = (id: string | null): string | undefined => atlas.objects.countries.geometries.find((g) => g.id === id)?.properties.name;
    expect(name(numericCountry('BR'))).toBe('Brazil');
    expect(name(numericCountry('de'))).toBe('Germany');
    expect(name(numericCountry('JP'))).toBe('Japan');
    expect(name(numericCountry('US'))).toBe('United States of America');
    expect(name(numericCountry('NL'))).toBe('Netherlands');
    expect(name(numericCountry('ZA'))).toBe('South Africa');
    expect(numericCountry('SG')).toBeNull(); // too small for the 110m map
    expect(numericCountry('')).toBeNull();
  });
});
