// The safety rules of a key timeline (RFC 7583 §3, RFC 6781 §4, RFC 8901 §8, RFC 4035 §5), checked
// on every pair of states a validating resolver can hold together: an RRset (or the DNSKEY RRset)
// fetched in one state, validated with a DNSKEY RRset (or DS RRset) fetched in another, each kept
// for its TTL + Dprp (+ Dsgn for data). A pair that cannot validate is a violation; which rule it
// breaks follows from which of the two is older. Codes: ./README.md.

import type { Scenario } from '../scenario/types.js';
import { LAB_DPRP, LAB_DSGN } from './constants.js';
import type { Segment } from './segments.js';
import { dnskeySignersAt, dsMatchableAt, publishedAt, zoneSignersAt } from './segments.js';
import type { Violation } from './types.js';

export const FINDING = {
  KEY_ACTIVATED_BEFORE_PREPUBLISH: 'KEY_ACTIVATED_BEFORE_PREPUBLISH',
  KEY_REMOVED_WHILE_SIGNATURES_CACHED: 'KEY_REMOVED_WHILE_SIGNATURES_CACHED',
  DS_CHANGED_BEFORE_KEY_PROPAGATED: 'DS_CHANGED_BEFORE_KEY_PROPAGATED',
  KSK_REMOVED_WHILE_DS_CACHED: 'KSK_REMOVED_WHILE_DS_CACHED',
  RRSIG_BY_ABSENT_KEY_WITHOUT_COVER: 'RRSIG_BY_ABSENT_KEY_WITHOUT_COVER',
  RRSIG_EXPIRED: 'RRSIG_EXPIRED',
  MULTI_SIGNER_ZSK_MISSING: 'MULTI_SIGNER_ZSK_MISSING',
  HANDOFF_WENT_INSECURE: 'HANDOFF_WENT_INSECURE',
} as const;

export type FindingCode = keyof typeof FINDING;

/** How long a resolver may use what it fetched (lab seconds). */
export interface Holding {
  key: number;
  data: number;
  ds: number;
  ns: number;
}

export function holdingOf(s: Scenario): Holding {
  return {
    key: s.ttl.dnskey + LAB_DPRP,
    data: s.ttl.zone + LAB_DPRP + LAB_DSGN,
    ds: s.ttl.ds + LAB_DPRP,
    ns: s.ttl.zone + LAB_DPRP,
  };
}

/** When a resolver may ask provider p: while p is in the child's or the parent's NS set, and for as
 *  long after as it may still hold that NS RRset. */
function servingPeriods(segs: readonly Segment[], p: string, hold: Holding): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (const k of segs) {
    if (!k.state.ns.includes(p) && !k.state.parent.ns.includes(p)) continue;
    const last = out[out.length - 1];
    if (last !== undefined && k.from <= last.to) last.to = Math.max(last.to, k.to + hold.ns);
    else out.push({ from: k.from, to: k.to + hold.ns });
  }
  return out;
}

/** The parts of each segment in which provider p may be asked (same index and state, narrower times). */
function clipped(segs: readonly Segment[], periods: readonly { from: number; to: number }[]): Segment[] {
  const out: Segment[] = [];
  for (const seg of segs) {
    for (const sp of periods) {
      const from = Math.max(seg.from, sp.from);
      const to = Math.min(seg.to, sp.to);
      if (from < to) out.push({ index: seg.index, from, to, state: seg.state });
    }
  }
  return out;
}

/** Window in which an item fetched in `late` can meet one fetched in `early` (the earlier one held
 *  `hold` seconds), or null. */
function meet(early: Segment, late: Segment, hold: number): { from: number; to: number } | null {
  if (!(early.from < late.to && late.from < early.to + hold)) return null;
  return { from: Math.max(early.from, late.from), to: Math.min(late.to, early.to + hold) };
}

class Collector {
  readonly byCode = new Map<string, Violation>();
  add(code: FindingCode, keys: readonly string[], at: number, win: { from: number; to: number }, detail: string): void {
    const to = win.to === Infinity ? null : win.to;
    const v = this.byCode.get(code);
    if (v === undefined) {
      this.byCode.set(code, { code, keys: [...keys].sort(), at, failurePossible: { from: win.from, to }, detail });
      return;
    }
    for (const k of keys) if (!v.keys.includes(k)) v.keys.push(k);
    v.keys.sort();
    if (at < v.at) {
      v.at = at;
      v.detail = detail;
    }
    v.failurePossible.from = Math.min(v.failurePossible.from, win.from);
    const cur = v.failurePossible.to;
    v.failurePossible.to = cur === null || to === null ? null : Math.max(cur, to);
  }
}

function intersects(a: readonly string[], b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

/** Zone data fetched in `di` from provider y, validated with a DNSKEY RRset fetched in `kj` from x. */
function checkData(out: Collector, di: Segment, y: string, kj: Segment, x: string, hold: Holding): void {
  const signers = zoneSignersAt(di, y);
  if (signers.length === 0) return; // unsigned data: the DNSKEY/DS chain check judges the provider
  const keySet = publishedAt(kj, x);
  if (keySet.size === 0 || intersects(signers, keySet)) return;
  const win = kj.index <= di.index ? meet(kj, di, hold.key) : meet(di, kj, hold.data);
  if (win === null) return;
  if (!intersects(signers, publishedAt(di, y))) {
    out.add('RRSIG_BY_ABSENT_KEY_WITHOUT_COVER', signers, di.from, { from: di.from, to: di.to },
      `from ${di.from}, provider ${y} signs zone data only with ${signers.join(', ')}, none of which is in its DNSKEY RRset`);
  } else if (x !== y && intersects(signers, publishedAt(kj, y))) {
    const missing = signers.filter((k) => !keySet.has(k));
    out.add('MULTI_SIGNER_ZSK_MISSING', missing, Math.max(di.from, kj.from), win,
      `provider ${x}'s DNSKEY RRset lacks ${missing.join(', ')}, the ZSK(s) provider ${y} signs with`);
  } else if (kj.index < di.index) {
    out.add('KEY_ACTIVATED_BEFORE_PREPUBLISH', signers, di.from, win,
      `at ${di.from} zone data is signed only by ${signers.join(', ')}, absent from a DNSKEY RRset fetched at ${kj.from}..${kj.to} that may still be cached`);
  } else {
    out.add('KEY_REMOVED_WHILE_SIGNATURES_CACHED', signers, kj.from, win,
      `at ${kj.from} the DNSKEY RRset no longer holds ${signers.join(', ')}, whose signatures fetched at ${di.from}..${di.to} may still be cached`);
  }
}

/** The DNSKEY RRset fetched in `kj` from provider x, validated with the DS RRset fetched in `dk`. */
function checkChain(out: Collector, kj: Segment, x: string, dk: Segment, hold: Holding): void {
  const ds = dk.state.parent.ds.map((d) => d.key);
  if (ds.length === 0) return;
  const win = dk.index <= kj.index ? meet(dk, kj, hold.ds) : meet(kj, dk, hold.key);
  if (win === null) return;
  if (publishedAt(kj, x).size === 0) {
    out.add('HANDOFF_WENT_INSECURE', ds, kj.from, win,
      `provider ${x} serves the zone unsigned while the parent's DS (${ds.join(', ')}) may still be cached`);
    return;
  }
  const matchable = dsMatchableAt(kj, x);
  const signing = dnskeySignersAt(kj, x);
  if (ds.some((k) => matchable.has(k) && signing.includes(k))) return;
  const ownDs = kj.state.parent.ds.map((d) => d.key);
  const ownOk = ownDs.some((k) => matchable.has(k) && signing.includes(k));
  if (dk.index > kj.index || !ownOk) {
    out.add('DS_CHANGED_BEFORE_KEY_PROPAGATED', ds, dk.from, win,
      `the DS RRset of ${dk.from}..${dk.to} (${ds.join(', ')}) matches no key that signs provider ${x}'s DNSKEY RRset of ${kj.from}..${kj.to}`);
  } else {
    out.add('KSK_REMOVED_WHILE_DS_CACHED', ds, kj.from, win,
      `at ${kj.from} provider ${x}'s DNSKEY RRset is no longer signed by a key matching the DS RRset (${ds.join(', ')}) of ${dk.from}..${dk.to}, which may still be cached`);
  }
}

export function violationsOf(s: Scenario, segs: readonly Segment[]): Violation[] {
  const hold = holdingOf(s);
  const out = new Collector();
  const ids = [...new Set(segs.flatMap((seg) => seg.state.providers.map((p) => p.provider)))];
  const asked = new Map(ids.map((p) => [p, clipped(segs, servingPeriods(segs, p, hold))]));
  for (const y of ids) {
    for (const a of asked.get(y) as Segment[]) {
      for (const x of ids) for (const b of asked.get(x) as Segment[]) checkData(out, a, y, b, x, hold);
      for (const b of segs) checkChain(out, a, y, b, hold);
    }
  }
  // the zone goes insecure: the parent's DS RRset empties while the child stays signed
  for (let i = 1; i < segs.length; i++) {
    const prev = segs[i - 1] as Segment;
    const seg = segs[i] as Segment;
    const signed = seg.state.providers.some((p) => p.dnskeys.length > 0);
    if (prev.state.parent.ds.length > 0 && seg.state.parent.ds.length === 0 && (signed || seg.state.ns.length > 0)) {
      out.add('HANDOFF_WENT_INSECURE', prev.state.parent.ds.map((d) => d.key), seg.from, { from: seg.from, to: Infinity },
        `at ${seg.from} the parent's DS RRset becomes empty: the zone is insecure from then on`);
    }
  }
  // no re-signing: the signatures made last expire within one validity period
  const last = segs[segs.length - 1] as Segment;
  const stop = last.state.resigningStoppedAt;
  if (stop !== undefined) {
    const v = last.state.validity.seconds;
    const signers = [...new Set(last.state.providers.flatMap((p) => p.signers.map((k) => k.key)))];
    out.add('RRSIG_EXPIRED', signers, stop + v / 2, { from: stop + v / 2, to: Infinity },
      `re-signing stops at ${stop}: the signatures then current (made at most ${v / 2} s earlier, valid ${v} s) expire between ${stop + v / 2} and ${stop + v}`);
  }
  return [...out.byCode.values()].sort((p, q) => p.at - q.at || p.code.localeCompare(q.code));
}
