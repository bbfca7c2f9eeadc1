// Key sightings (ARCHITECTURE.md §4): per key, when it was published, signing (per RRset type), had a
// DS, was revoked — for the authoritative view (merged over the serving servers, from the segments) and
// for each vantage point (from its runs). Every time carries its sampling bounds.

import { typeName } from '@kto/core';
import type { KeyRecord, KeyRegistry } from './keys.js';
import { roleOf } from './keys.js';
import { DNSKEY_FLAG, QTYPE } from './observation.js';
import type { Run, Vantage } from './runs.js';
import { isZoneDataType } from './runs.js';
import type { Boundary, Segment } from './segments.js';
import type { KeyEvents, KeySighting, ObservedTime } from './types.js';

/** Presence of something over time: its periods as [start, end) boundaries (end null: still there). */
export interface Presence {
  periods: { from: ObservedTime; to: ObservedTime | null; lastSeen: number }[];
}

function ot(b: Boundary): ObservedTime {
  return { at: b.at, after: b.after };
}

class PresenceBuilder {
  readonly periods: { from: ObservedTime; to: ObservedTime | null; lastSeen: number }[] = [];
  private open = false;
  mark(present: boolean, from: ObservedTime, lastSeen: number): void {
    const cur = this.periods[this.periods.length - 1];
    if (present) {
      if (!this.open) {
        this.periods.push({ from, to: null, lastSeen });
        this.open = true;
      } else if (cur !== undefined) {
        cur.lastSeen = lastSeen;
      }
    } else if (this.open && cur !== undefined) {
      cur.to = from;
      this.open = false;
    }
  }
}

/** Authoritative per-key timeline. */
export interface KeyTimeline {
  key: KeyRecord;
  published: Presence;
  /** Signing the DNSKEY RRset (without REVOKE) / zone data (any type) / each type, at serving servers. */
  signDnskey: Presence;
  signZone: Presence;
  signByType: Map<number, Presence>;
  ds: Presence;
  revoked: Presence;
}

export function firstOf(p: Presence): ObservedTime | null {
  return p.periods[0]?.from ?? null;
}

/** End of the last period; null while it lasts (or when it never began). */
export function endOf(p: Presence): ObservedTime | null {
  const last = p.periods[p.periods.length - 1];
  return last === undefined ? null : last.to;
}

export function lastSeenOf(p: Presence): number {
  const last = p.periods[p.periods.length - 1];
  return last === undefined ? 0 : last.lastSeen;
}

/** Per-key presence over the authoritative segments (serving servers only). */
export function authTimelines(segments: readonly Segment[], keys: KeyRegistry): Map<KeyRecord, KeyTimeline> {
  const out = new Map<KeyRecord, KeyTimeline>();
  const builders = new Map<KeyRecord, { pub: PresenceBuilder; sd: PresenceBuilder; sz: PresenceBuilder; ds: PresenceBuilder; rv: PresenceBuilder; byType: Map<number, PresenceBuilder> }>();
  for (const k of keys.list) {
    builders.set(k, { pub: new PresenceBuilder(), sd: new PresenceBuilder(), sz: new PresenceBuilder(), ds: new PresenceBuilder(), rv: new PresenceBuilder(), byType: new Map() });
  }
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Segment;
    const next = segments[i + 1];
    const lastSeen = next === undefined ? seg.from.at : (next.from.after ?? seg.from.at);
    const pub = new Set<KeyRecord>();
    const sd = new Set<KeyRecord>();
    const sz = new Set<KeyRecord>();
    const rv = new Set<KeyRecord>();
    const byType = new Map<number, Set<KeyRecord>>();
    seg.servers.forEach((s, si) => {
      if (seg.serving[si] !== true) return;
      for (const k of s.published) pub.add(k);
      for (const k of s.revoked) rv.add(k);
      for (const k of s.dnskeySigners) sd.add(k);
      for (const k of s.zoneSigners) sz.add(k);
      for (const [qt, set] of s.zoneByType) {
        let t = byType.get(qt);
        if (t === undefined) byType.set(qt, (t = new Set()));
        for (const k of set) t.add(k);
      }
    });
    const from = ot(seg.from);
    for (const [k, b] of builders) {
      b.pub.mark(pub.has(k), from, lastSeen);
      b.sd.mark(sd.has(k), from, lastSeen);
      b.sz.mark(sz.has(k), from, lastSeen);
      b.ds.mark(seg.dsKeys.has(k), from, lastSeen);
      b.rv.mark(rv.has(k), from, lastSeen);
      for (const [qt, set] of byType) {
        let tb = b.byType.get(qt);
        if (tb === undefined && set.has(k)) b.byType.set(qt, (tb = new PresenceBuilder()));
        tb?.mark(set.has(k), from, lastSeen);
      }
      for (const [qt, tb] of b.byType) if (!byType.has(qt)) tb.mark(false, from, lastSeen);
    }
  }
  for (const [k, b] of builders) {
    const signByType = new Map<number, Presence>();
    for (const [qt, tb] of b.byType) signByType.set(qt, { periods: tb.periods });
    out.set(k, {
      key: k, published: { periods: b.pub.periods }, signDnskey: { periods: b.sd.periods }, signZone: { periods: b.sz.periods },
      signByType, ds: { periods: b.ds.periods }, revoked: { periods: b.rv.periods },
    });
  }
  return out;
}

/** The events of one key in a role scope ('zone' data or 'dnskey'). */
export function keyEvents(tl: KeyTimeline, scope: 'zone' | 'dnskey'): KeyEvents {
  const sign = scope === 'zone' ? tl.signZone : tl.signDnskey;
  return {
    t_pub: firstOf(tl.published), t_unpub: endOf(tl.published), t_sign: firstOf(sign), t_unsign: endOf(sign),
    t_ds: firstOf(tl.ds), t_ds_gone: endOf(tl.ds), t_revoke: firstOf(tl.revoked),
  };
}

function typeLabel(qt: number): string {
  try {
    return typeName(qt);
  } catch {
    return `TYPE${qt}`;
  }
}

function sightingOf(k: KeyRecord, vantage: string, pub: Presence, sign: Map<number, Presence>, ds: Presence, rv: Presence, now: number): KeySighting {
  const t_pub = firstOf(pub);
  const t_sign: Record<string, ObservedTime> = {};
  const t_unsign: Record<string, ObservedTime | null> = {};
  let firstSign = 0;
  let lastSign = 0;
  for (const [qt, p] of [...sign].sort((a, b) => a[0] - b[0])) {
    const f = firstOf(p);
    if (f === null) continue;
    const name = typeLabel(qt);
    t_sign[name] = f;
    t_unsign[name] = endOf(p);
    if (firstSign === 0 || f.at < firstSign) firstSign = f.at;
    lastSign = Math.max(lastSign, lastSeenOf(p));
  }
  const { role } = roleOf(k);
  const t_ds = firstOf(ds);
  const t_revoke = firstOf(rv);
  return {
    key_id: k.id, algorithm: k.algorithm, key_tag: k.tag, role, vantage,
    first_published_ms: t_pub?.at ?? 0, last_published_ms: lastSeenOf(pub), first_signing_ms: firstSign, last_signing_ms: lastSign,
    first_ds_ms: t_ds?.at ?? 0, last_ds_ms: lastSeenOf(ds), revoked_ms: t_revoke?.at ?? 0,
    t_pub, t_unpub: endOf(pub), t_sign, t_unsign, t_ds, t_ds_gone: endOf(ds), t_revoke,
    age_ms: t_pub === null ? null : Math.max(0, (endOf(pub)?.at ?? now) - t_pub.at),
    age_is_lower_bound: t_pub !== null && t_pub.after === null,
  };
}

/** Sightings of the authoritative view (vantage 'authoritative'). */
export function authSightings(timelines: ReadonlyMap<KeyRecord, KeyTimeline>, now: number): KeySighting[] {
  const out: KeySighting[] = [];
  for (const tl of timelines.values()) {
    const sign = new Map(tl.signByType);
    if (tl.signDnskey.periods.length > 0) sign.set(QTYPE.DNSKEY, tl.signDnskey);
    if (tl.published.periods.length === 0 && sign.size === 0 && tl.ds.periods.length === 0) continue;
    out.push(sightingOf(tl.key, 'authoritative', tl.published, sign, tl.ds, tl.revoked, now));
  }
  return out;
}

function runsPresence(runs: readonly Run[], has: (r: Run) => boolean): Presence {
  const b = new PresenceBuilder();
  for (const r of runs) b.mark(has(r), { at: r.first, after: r.prevLast }, r.last);
  return { periods: b.periods };
}

/** Sightings of one vantage point, from its runs. */
export function vantageSightings(v: Vantage, keys: KeyRegistry, now: number): KeySighting[] {
  const dk = v.series.get(QTYPE.DNSKEY)?.runs ?? [];
  const dsRuns = v.series.get(QTYPE.DS)?.runs ?? [];
  const involved = new Set<KeyRecord>();
  const stateKeys = new Map<number, KeyRecord[]>();
  for (const r of dk) {
    if (!stateKeys.has(r.state.id)) stateKeys.set(r.state.id, r.state.keys.map((k) => keys.fromStateKey(k)));
    for (const k of stateKeys.get(r.state.id) as KeyRecord[]) involved.add(k);
  }
  const signerOf = (alg: number, tag: number): KeyRecord => keys.candidates(alg, tag)[0] ?? keys.placeholder(alg, tag);
  const dataSeries = [...v.series].filter(([qt]) => isZoneDataType(qt));
  for (const [, s] of dataSeries) for (const r of s.runs) for (const sg of r.state.sigs) involved.add(signerOf(sg.algorithm, sg.tag));
  const dsTag = (k: KeyRecord, r: Run): boolean => r.state.ds.some((d) => d.algorithm === k.algorithm && d.tag === k.tag);
  for (const r of dsRuns) for (const d of r.state.ds) for (const k of keys.candidates(d.algorithm, d.tag)) if (k.inDnskey) involved.add(k);
  const out: KeySighting[] = [];
  for (const k of involved) {
    const inRun = (r: Run, revoked: boolean | null): boolean => r.state.keys.some((sk) => sk.algorithm === k.algorithm && sk.hash === k.hash
      && (revoked === null || ((sk.flags & DNSKEY_FLAG.REVOKE) !== 0) === revoked));
    const pub = runsPresence(dk, (r) => inRun(r, null));
    const rv = runsPresence(dk, (r) => inRun(r, true));
    const sign = new Map<number, Presence>();
    const dnskeySign = runsPresence(dk, (r) => r.state.sigs.some((sg) => sg.covered === QTYPE.DNSKEY && sg.algorithm === k.algorithm && sg.tag === k.tag));
    if (dnskeySign.periods.length > 0) sign.set(QTYPE.DNSKEY, dnskeySign);
    for (const [qt, s] of dataSeries) {
      const p = runsPresence(s.runs, (r) => r.state.sigs.some((sg) => sg.covered === qt && signerOf(sg.algorithm, sg.tag) === k));
      if (p.periods.length > 0) sign.set(qt, p);
    }
    const ds = runsPresence(dsRuns, (r) => dsTag(k, r));
    out.push(sightingOf(k, v.id, pub, sign, ds, rv, now));
  }
  return out;
}
