// Agents online per region (overview) and the agents table's derived columns.
import type { AgentJson } from '../api/types.js';

/** An agent is online when its newest observation is at most this old. */
export const ONLINE_WITHIN_MS = 10 * 60_000;

export function isOnline(a: AgentJson, now: number, within = ONLINE_WITHIN_MS): boolean {
  return !a.revoked && a.last_seen_ms !== null && now - a.last_seen_ms <= within;
}

export interface RegionCount {
  continent: string;
  online: number;
  total: number;
}

/** Per continent: agents online now and enrolled (not revoked), sorted by continent code. */
export function agentsPerRegion(agents: readonly AgentJson[], now: number, within = ONLINE_WITHIN_MS): RegionCount[] {
  const m = new Map<string, RegionCount>();
  for (const a of agents) {
    if (a.revoked) continue;
    const c = a.location.continent === '' ? '??' : a.location.continent;
    let r = m.get(c);
    if (r === undefined) { r = { continent: c, online: 0, total: 0 }; m.set(c, r); }
    r.total++;
    if (isOnline(a, now, within)) r.online++;
  }
  return [...m.values()].sort((x, y) => (x.continent < y.continent ? -1 : x.continent > y.continent ? 1 : 0));
}
