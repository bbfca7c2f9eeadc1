// Agents online per region: online = an observation within the window and not revoked.
import { describe, expect, it } from 'vitest';
import type { AgentJson } from '../api/types.js';
import { agentsPerRegion, isOnline, ONLINE_WITHIN_MS } from './agents.js';

const NOW = Date.UTC(2026, 10, 28, 23, 0);
const agent = (id: string, continent: string, lastSeen: number | null, revoked = false): AgentJson => ({
  agent_id: id, name: id, location: { country: 'XX', continent, asn: 0 }, enrolled_at_ms: NOW - 86_400_000, revoked,
  revoked_at_ms: revoked ? NOW - 1000 : null, last_seen_ms: lastSeen, observations_24h: 0,
});

describe('agents per region', () => {
  it('counts online and enrolled agents per continent; revoked agents are left out', () => {
    const agents = [
      agent('a', 'EU', NOW - 1000),
      agent('b', 'EU', NOW - ONLINE_WITHIN_MS - 1),
      agent('c', 'AS', NOW - ONLINE_WITHIN_MS),
      agent('d', 'AS', null),
      agent('e', 'EU', NOW, true),
      agent('f', '', NOW),
    ];
    expect(agentsPerRegion(agents, NOW)).toEqual([
      { continent: '??', online: 1, total: 1 },
      { continent: 'AS', online: 1, total: 2 },
      { continent: 'EU', online: 1, total: 2 },
    ]);
    expect(isOnline(agents[4] as AgentJson, NOW)).toBe(false);
    expect(isOnline(agents[1] as AgentJson, NOW, 2 * ONLINE_WITHIN_MS)).toBe(true);
    expect(agentsPerRegion([], NOW)).toEqual([]);
  });
});
