// Hash routes of the shared UI contract.
import { describe, expect, it } from 'vitest';
import { parseRoute, sameZone, zoneHref, zoneName } from './router.js';

describe('router', () => {
  it('parses the contract routes', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('#/agents')).toEqual({ page: 'agents' });
    expect(parseRoute('#/research?procedure=csk-rollover&from=2026-01-01')).toEqual({ page: 'research', query: '?procedure=csk-rollover&from=2026-01-01' });
    expect(parseRoute('#/research')).toEqual({ page: 'research', query: '' });
    expect(parseRoute('#/zone/example.com.')).toEqual({ page: 'zone', zone: 'example.com.' });
    expect(parseRoute('#/zone/@')).toEqual({ page: 'zone', zone: '.' });
    expect(parseRoute('#/zone/a%2Fb')).toEqual({ page: 'zone', zone: 'a/b' });
    expect(parseRoute('#/zone/')).toEqual({ page: 'not-found', path: '/zone/' });
    expect(parseRoute('#/zone/%E0%A4%A')).toEqual({ page: 'not-found', path: '/zone/%E0%A4%A' });
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
  });

  it('zone links round trip, the root as @', () => {
    for (const z of ['.', 'example.com.', 'a/b.', 'xn--bcher-kva.example.']) {
      const r = parseRoute(zoneHref(z));
      expect(r).toEqual({ page: 'zone', zone: z });
    }
    expect(zoneHref('.')).toBe('#/zone/@');
    expect(sameZone('Example.COM', 'example.com.')).toBe(true);
    expect(sameZone('@', '.')).toBe(true);
    expect(sameZone('example.com', 'example.net')).toBe(false);
    expect(zoneName('.')).toBe('. (root)');
    expect(zoneName('nl.')).toBe('nl.');
  });
});
