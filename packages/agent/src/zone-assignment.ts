// Zone lists from the collector (Welcome / pushed ZoneAssignment over WebSocket, GET /v1/zones in
// HTTP mode) in the agent's ZoneSpec form. Entries that do not make sense are skipped, not fatal.
import { normalizeName, typeFromName } from '@kto/core';
import type { IZoneAssignment } from '@kto/proto';
import type { ZoneSpec } from './config.js';
import { MAX_INTERVAL_S } from './schedule.js';

export interface ZoneList {
  readonly version: number;
  readonly zones: ZoneSpec[];
  /** Entries left out, with why. */
  readonly skipped: string[];
}

function qtypeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 1 && v <= 65535 ? v : undefined;
  if (typeof v === 'string') {
    try {
      return typeFromName(v);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function spec(name: unknown, intervalS: unknown, qtypes: unknown, queryAuthoritatives: unknown, skipped: string[]): ZoneSpec | undefined {
  if (typeof name !== 'string') {
    skipped.push(`zone without a name: ${JSON.stringify(name)}`);
    return undefined;
  }
  let canonical: string;
  try {
    canonical = normalizeName(name);
  } catch (err) {
    skipped.push(`${JSON.stringify(name)}: ${(err as Error).message}`);
    return undefined;
  }
  const interval = typeof intervalS === 'number' && Number.isFinite(intervalS) && intervalS > 0
    ? Math.min(Math.round(intervalS), MAX_INTERVAL_S) : 0;
  const types: number[] = [];
  if (Array.isArray(qtypes)) {
    for (const t of qtypes) {
      const n = qtypeOf(t);
      if (n === undefined) skipped.push(`${canonical}: unknown qtype ${JSON.stringify(t)} ignored`);
      else if (!types.includes(n)) types.push(n);
    }
  }
  return { name: canonical, intervalS: interval, qtypes: types, queryAuthoritatives: queryAuthoritatives === true };
}

export function zonesFromAssignment(a: IZoneAssignment): ZoneList {
  const skipped: string[] = [];
  const zones: ZoneSpec[] = [];
  for (const z of a.zones ?? []) {
    const s = spec(z.name, z.intervalS, z.qtypes, z.queryAuthoritatives, skipped);
    if (s !== undefined) zones.push(s);
  }
  return { version: Number(a.version ?? 0), zones, skipped };
}

/** The body of GET /v1/zones: {version, zones: [{zone, interval_s, qtypes, query_authoritatives}]}. */
export function zonesFromJson(body: unknown): ZoneList | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as { version?: unknown; zones?: unknown };
  if (!Array.isArray(b.zones)) return undefined;
  const skipped: string[] = [];
  const zones: ZoneSpec[] = [];
  for (const z of b.zones as unknown[]) {
    const o = (z ?? {}) as Record<string, unknown>;
    const s = spec(o.zone, o.interval_s, o.qtypes, o.query_authoritatives, skipped);
    if (s !== undefined) zones.push(s);
  }
  return { version: typeof b.version === 'number' ? b.version : Number(b.version ?? 0) || 0, zones, skipped };
}
