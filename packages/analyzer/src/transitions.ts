// Transitions (ARCHITECTURE.md §4): each change of a role's signing key set, K_old -> K_new (n -> m),
// found in the authoritative view. The signing set of a role is the union over the serving servers of
// the keys that sign zone data (ZSK role) or the DNSKEY RRset without REVOKE (KSK role). Consecutive
// changes form one transition while the set is "in flight" (old and new keys both sign: a double-
// signature phase) and the next change follows within maxEpisodeGapMs. Keys published in a role but
// not signing at the end of the data make an in-progress transition (a pre-published key), and each
// change of the NS RRset is a transition of role 'NS'.

import type { KeyRecord } from './keys.js';
import { roleOf } from './keys.js';
import type { Boundary, Segment } from './segments.js';
import { servingUnion } from './segments.js';
import type { KeyTimeline } from './timeline.js';
import { endOf, firstOf } from './timeline.js';

export type Scope = 'zone' | 'dnskey';

export interface SignerChange {
  /** Index of the segment that starts with the change. */
  seg: number;
  at: Boundary;
  set: ReadonlySet<KeyRecord>;
}

export interface Episode {
  role: 'ZSK' | 'KSK';
  scope: Scope;
  before: ReadonlySet<KeyRecord>;
  after: ReadonlySet<KeyRecord>;
  changes: SignerChange[];
  keysIn: KeyRecord[];
  keysOut: KeyRecord[];
  keysKept: KeyRecord[];
  /** Keys that signed only during the episode (in and out again). */
  transient: KeyRecord[];
  /** A published key that does not sign yet (no change of the signing set so far). */
  pending: boolean;
  /** The last set mixes old and new keys and the data ends soon after (double signing still going on). */
  inFlight: boolean;
}

export interface NsChange {
  seg: number;
  at: Boundary;
  before: readonly string[];
  after: readonly string[];
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function mixed(s0: ReadonlySet<KeyRecord>, cur: ReadonlySet<KeyRecord>): boolean {
  let old = false;
  let fresh = false;
  for (const k of cur) {
    if (s0.has(k)) old = true;
    else fresh = true;
  }
  return old && fresh;
}

export function signingSets(segments: readonly Segment[], scope: Scope): Set<KeyRecord>[] {
  return segments.map((seg) => servingUnion(seg, (s) => (scope === 'zone' ? s.zoneSigners : s.dnskeySigners)));
}

export function detectEpisodes(segments: readonly Segment[], scope: Scope, maxGapMs: number, endT: number): Episode[] {
  const sets = signingSets(segments, scope);
  const changes: SignerChange[] = [];
  for (let i = 1; i < sets.length; i++) {
    if (!sameSet(sets[i - 1] as Set<KeyRecord>, sets[i] as Set<KeyRecord>)) {
      changes.push({ seg: i, at: (segments[i] as Segment).from, set: sets[i] as Set<KeyRecord> });
    }
  }
  const role = scope === 'zone' ? 'ZSK' : 'KSK';
  const out: Episode[] = [];
  let i = 0;
  while (i < changes.length) {
    const first = changes[i] as SignerChange;
    const before = sets[first.seg - 1] as Set<KeyRecord>;
    const group = [first];
    let cur = first.set;
    while (i + 1 < changes.length && mixed(before, cur)) {
      const next = changes[i + 1] as SignerChange;
      if (next.at.at - (group[group.length - 1] as SignerChange).at.at > maxGapMs) break;
      group.push(next);
      cur = next.set;
      i++;
    }
    i++;
    const seen = new Set<KeyRecord>();
    for (const c of group) for (const k of c.set) seen.add(k);
    const keysIn = [...cur].filter((k) => !before.has(k));
    const keysOut = [...before].filter((k) => !cur.has(k));
    const keysKept = [...before].filter((k) => cur.has(k));
    const transient = [...seen].filter((k) => !before.has(k) && !cur.has(k));
    const inFlight = mixed(before, cur) && endT - (group[group.length - 1] as SignerChange).at.at <= maxGapMs && keysOut.length === 0;
    out.push({ role, scope, before, after: cur, changes: group, keysIn, keysOut, keysKept, transient, pending: false, inFlight });
  }
  return out;
}

/**
 * Keys published (at a serving server) at the end of the data that never signed in the role their flags
 * give them and belong to no episode: a pre-published key, the first step of a transition in progress.
 */
export function pendingEpisodes(segments: readonly Segment[], timelines: ReadonlyMap<KeyRecord, KeyTimeline>, episodes: readonly Episode[]): Episode[] {
  const last = segments[segments.length - 1];
  if (last === undefined) return [];
  const involved = new Set<KeyRecord>();
  for (const e of episodes) for (const k of [...e.keysIn, ...e.keysOut, ...e.transient]) involved.add(k);
  const published = servingUnion(last, (s) => s.published);
  const revoked = servingUnion(last, (s) => s.revoked);
  const out: Episode[] = [];
  for (const k of published) {
    if (involved.has(k) || revoked.has(k)) continue;
    const tl = timelines.get(k);
    if (tl === undefined || tl.signZone.periods.length > 0 || tl.signDnskey.periods.length > 0) continue;
    const { role } = roleOf(k);
    const scope: Scope = role === 'ZSK' ? 'zone' : 'dnskey';
    const set = servingUnion(last, (s) => (scope === 'zone' ? s.zoneSigners : s.dnskeySigners));
    const pub = firstOf(tl.published);
    if (pub === null) continue;
    const segIdx = segments.findIndex((sg) => sg.from.at === pub.at);
    out.push({
      role: role === 'ZSK' ? 'ZSK' : 'KSK', scope, before: set, after: set,
      changes: [{ seg: segIdx < 0 ? last.index : segIdx, at: { at: pub.at, after: pub.after }, set }],
      keysIn: [k], keysOut: [], keysKept: [...set], transient: [], pending: true, inFlight: false,
    });
  }
  return out;
}

export function detectNsChanges(segments: readonly Segment[]): NsChange[] {
  const out: NsChange[] = [];
  let prev: readonly string[] | null = null;
  for (const seg of segments) {
    const cur = seg.nsHosts;
    if (cur === null) continue;
    if (prev !== null && (prev.length !== cur.length || prev.some((h) => !cur.includes(h)))) {
      out.push({ seg: seg.index, at: seg.from, before: prev, after: cur });
    }
    prev = cur;
  }
  return out;
}

/** Whether some old key of the episode is still published at the end (its post-retire period has not ended). */
export function retiring(e: Episode, timelines: ReadonlyMap<KeyRecord, KeyTimeline>): boolean {
  return e.keysOut.some((k) => {
    const tl = timelines.get(k);
    const signing = e.scope === 'zone' ? tl?.signZone : tl?.signDnskey;
    return tl !== undefined && tl.published.periods.length > 0 && endOf(tl.published) === null
      && (signing === undefined || signing.periods.length === 0 || endOf(signing) !== null);
  });
}
