// The safety rules of a key timeline checked on what was observed (RFC 7583 §3, RFC 6781 §4, RFC 8901
// §8, RFC 4035 §5): a validating resolver may hold a DNSKEY RRset for TTLkey + Dprp, signed data for
// TTLsig + Dprp + Dsgn, a DS RRset for TTLds + Dprp and an NS RRset for TTLns + Dprp, all from the TTLs
// observed. Every pair of authoritative states a resolver can hold together (each from a server it may
// ask, i.e. one in the NS RRset or recently so) must validate; a pair that cannot is a finding, and
// which of the two is older names the rule. The same rules as the lab's ground truth
// (packages/lab/src/truth/rules.ts), applied to observed segments whose boundaries are only known to
// the sampling: a rule is broken for certain when it is broken however the changes fall between
// samples, and undecided when only some placements break it.

import type { KeyRecord } from '../keys.js';
import type { Segment } from '../segments.js';
import type { Finding, Undecided } from '../types.js';
import { makeFinding } from './registry.js';
import type { FindingCode } from './registry.js';

export interface Hold {
  key: number;
  data: number;
  ds: number;
  ns: number;
}

interface T {
  lo: number;
  hi: number;
}

interface Piece {
  seg: Segment;
  from: T;
  to: T;
}

interface Hit {
  keys: Set<string>;
  at: number;
  until: number;
  gap: number;
  minimum: number;
  servers: Set<string>;
  detail: string;
}

class Hits {
  readonly byCode = new Map<FindingCode, Hit>();
  add(code: FindingCode, keys: readonly KeyRecord[], at: number, until: number, gap: number, minimum: number, server: string, detail: string): void {
    const h = this.byCode.get(code);
    if (h === undefined) {
      this.byCode.set(code, { keys: new Set(keys.map((k) => k.id)), at, until, gap, minimum, servers: new Set([server]), detail });
      return;
    }
    for (const k of keys) h.keys.add(k.id);
    h.servers.add(server);
    if (at < h.at) {
      h.at = at;
      h.detail = detail;
    }
    if (until > h.until) h.until = until;
    if (gap < h.gap) h.gap = gap;
  }
}

const tmax = (a: T, b: T): T => ({ lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi) });
const tmin = (a: T, b: T): T => ({ lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi) });

function fromOf(seg: Segment): T {
  return { lo: seg.from.after ?? seg.from.at, hi: seg.from.at };
}

function toOf(seg: Segment): T {
  return seg.to === null ? { lo: Infinity, hi: Infinity } : { lo: seg.to.after ?? seg.to.at, hi: seg.to.at };
}

/** The parts of the segments in which server `s` may be asked (serving, or serving less than hold.ns ago). */
function askedPieces(segments: readonly Segment[], s: number, hold: Hold): Piece[] {
  const periods: { from: T; to: T }[] = [];
  let open: { from: T; to: T } | null = null;
  for (const seg of segments) {
    if (seg.serving[s] === true) {
      open ??= { from: fromOf(seg), to: { lo: Infinity, hi: Infinity } };
    } else if (open !== null) {
      const f = fromOf(seg);
      open.to = { lo: f.lo + hold.ns, hi: f.hi + hold.ns };
      periods.push(open);
      open = null;
    }
  }
  if (open !== null) periods.push(open);
  const out: Piece[] = [];
  for (const seg of segments) {
    for (const p of periods) {
      const from = tmax(fromOf(seg), p.from);
      const to = tmin(toOf(seg), p.to);
      if (from.lo < to.hi) out.push({ seg, from, to });
    }
  }
  return out;
}

/** Whether an item fetched in `late` can meet one fetched in `early` (held `hold` ms): certainly, possibly, or not. */
function meet(early: Piece, late: Piece, hold: number): { certain: boolean; from: number; to: number; gap: number } | null {
  const possible = early.from.lo < late.to.hi && late.from.lo < early.to.hi + hold;
  if (!possible) return null;
  const certain = early.from.hi <= late.to.lo && late.from.hi < early.to.lo + hold;
  const gap = early.to.hi === Infinity ? 0 : Math.max(0, late.from.hi - early.to.hi);
  return { certain, from: Math.max(early.from.hi, late.from.hi), to: Math.min(late.to.hi, early.to.hi + hold), gap };
}

function intersects(a: ReadonlySet<KeyRecord>, b: ReadonlySet<KeyRecord>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

function nameOf(seg: Segment, s: number): string {
  const v = seg.servers[s]?.vantage;
  return v === undefined ? '' : v.server_name || v.server;
}

function checkData(out: Hits[], di: Piece, y: number, kj: Piece, x: number, hold: Hold): void {
  const dy = di.seg.servers[y];
  const kx = kj.seg.servers[x];
  if (dy === undefined || kx === undefined) return;
  const signers = dy.zoneSigners;
  if (signers.size === 0) return;
  const keySet = kx.published;
  if (keySet.size === 0 || intersects(signers, keySet)) return;
  const kFirst = kj.seg.index <= di.seg.index;
  const win = kFirst ? meet(kj, di, hold.key) : meet(di, kj, hold.data);
  if (win === null) return;
  const sink = out[win.certain ? 0 : 1] as Hits;
  const sig = [...signers];
  if (!intersects(signers, dy.published)) {
    sink.add('RRSIG_BY_ABSENT_KEY_WITHOUT_COVER', sig, di.from.hi, di.to.hi, 0, 0, nameOf(di.seg, y),
      `server ${nameOf(di.seg, y)} signs zone data only with keys absent from its DNSKEY RRset`);
  } else if (x !== y && intersects(signers, kj.seg.servers[y]?.published ?? new Set())) {
    const missing = sig.filter((k) => !keySet.has(k));
    sink.add('MULTI_SIGNER_ZSK_MISSING', missing, win.from, win.to, win.gap, 0, nameOf(kj.seg, x),
      `the DNSKEY RRset of ${nameOf(kj.seg, x)} lacks the ZSK(s) ${nameOf(di.seg, y)} signs with`);
  } else if (kj.seg.index < di.seg.index) {
    sink.add('KEY_ACTIVATED_BEFORE_PREPUBLISH', sig, di.from.hi, win.to, win.gap, hold.key, nameOf(di.seg, y),
      'zone data signed only by keys absent from a DNSKEY RRset that may still be cached');
  } else {
    sink.add('KEY_REMOVED_WHILE_SIGNATURES_CACHED', sig, kj.from.hi, win.to, win.gap, hold.data, nameOf(kj.seg, x),
      'a DNSKEY RRset without the keys whose signatures may still be cached');
  }
}

/**
 * RFC 8901 model 2: server y's CDS/CDNSKEY RRsets are signed only by keys absent from server x's DNSKEY
 * RRset (a provider signing them with its own KSK alone): a validator that holds x's DNSKEY RRset and
 * asks y for CDS finds them bogus. Held as long as zone data (its TTL is the DNSKEY TTL in practice).
 */
function checkCds(out: Hits[], ci: Piece, y: number, kj: Piece, x: number, hold: Hold): void {
  if (x === y) return;
  const cy = ci.seg.servers[y];
  const kx = kj.seg.servers[x];
  if (cy === undefined || kx === undefined) return;
  const signers = cy.cdsSigners;
  const keySet = kx.published;
  if (signers.size === 0 || keySet.size === 0 || intersects(signers, keySet) || !intersects(signers, cy.published)) return;
  const win = kj.seg.index <= ci.seg.index ? meet(kj, ci, hold.key) : meet(ci, kj, hold.key);
  if (win === null) return;
  (out[win.certain ? 0 : 1] as Hits).add('CDS_UNVERIFIABLE_AT_PROVIDER', [...signers], win.from, win.to, 0, 0, nameOf(ci.seg, y),
    `the CDS/CDNSKEY RRsets of ${nameOf(ci.seg, y)} are signed only by keys absent from the DNSKEY RRset of ${nameOf(kj.seg, x)}`);
}

function checkChain(out: Hits[], kj: Piece, x: number, dk: Piece, hold: Hold): void {
  const ds = dk.seg.ds;
  if (ds === null || ds.ds.length === 0) return;
  const kx = kj.seg.servers[x];
  if (kx === undefined || !kx.hasDnskeyAnswer) return;
  const dsFirst = dk.seg.index <= kj.seg.index;
  const win = dsFirst ? meet(dk, kj, hold.ds) : meet(kj, dk, hold.key);
  if (win === null) return;
  const sink = out[win.certain ? 0 : 1] as Hits;
  const dsKeys = [...dk.seg.dsKeys];
  if (kx.published.size === 0) {
    sink.add('HANDOFF_WENT_INSECURE', dsKeys, kj.from.hi, win.to, win.gap, hold.ds, nameOf(kj.seg, x),
      `${nameOf(kj.seg, x)} serves the zone without a DNSKEY RRset while the parent's DS RRset may still be cached`);
    return;
  }
  const ok = (keys: ReadonlySet<KeyRecord>): boolean => {
    for (const k of keys) if (kx.published.has(k) && !kx.revoked.has(k) && kx.dnskeySigners.has(k)) return true;
    return false;
  };
  if (ok(dk.seg.dsKeys)) return;
  const own = kj.seg.ds !== null && kj.seg.ds.ds.length > 0 && ok(kj.seg.dsKeys);
  if (dk.seg.index > kj.seg.index || !own) {
    sink.add('DS_CHANGED_BEFORE_KEY_PROPAGATED', dsKeys, dk.from.hi, win.to, win.gap, hold.key, nameOf(kj.seg, x),
      `the DS RRset matches no key that signs the DNSKEY RRset of ${nameOf(kj.seg, x)} that resolvers may hold`);
  } else {
    sink.add('KSK_REMOVED_WHILE_DS_CACHED', dsKeys, kj.from.hi, win.to, win.gap, hold.ds, nameOf(kj.seg, x),
      `the DNSKEY RRset of ${nameOf(kj.seg, x)} is no longer signed by a key of a DS RRset that may still be cached`);
  }
}

export interface CacheRuleResult {
  findings: Finding[];
  undecided: Undecided[];
}

export function checkCacheRules(segments: readonly Segment[], hold: Hold): CacheRuleResult {
  const hits = [new Hits(), new Hits()];
  const nServers = segments[0]?.servers.length ?? 0;
  const asked: Piece[][] = [];
  for (let s = 0; s < nServers; s++) asked.push(askedPieces(segments, s, hold));
  const all: Piece[] = segments.map((seg) => ({ seg, from: fromOf(seg), to: toOf(seg) }));
  const maxHold = Math.max(hold.key, hold.data, hold.ds);
  for (let y = 0; y < nServers; y++) {
    for (const a of asked[y] as Piece[]) {
      for (let x = 0; x < nServers; x++) {
        for (const b of asked[x] as Piece[]) {
          if (b.to.hi + maxHold < a.from.lo || a.to.hi + maxHold < b.from.lo) continue;
          checkData(hits, a, y, b, x, hold);
          checkCds(hits, a, y, b, x, hold);
        }
      }
      for (const b of all) {
        if (b.to.hi + maxHold < a.from.lo || a.to.hi + maxHold < b.from.lo) continue;
        checkChain(hits, a, y, b, hold);
      }
    }
  }
  // the parent's DS RRset empties while the child stays signed: insecure from then on
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1] as Segment;
    const seg = segments[i] as Segment;
    if (prev.ds === null || prev.ds.ds.length === 0 || seg.ds === null || seg.ds.ds.length > 0) continue;
    const signed = seg.servers.some((s, si) => seg.serving[si] === true && s.published.size > 0);
    if (!signed && seg.nsHosts === null) continue;
    (hits[0] as Hits).add('HANDOFF_WENT_INSECURE', [...prev.dsKeys], seg.from.at, Infinity, 0, 0, 'parent',
      'the parent\'s DS RRset became empty: the zone is insecure from then on');
  }
  const findings: Finding[] = [];
  const certain = hits[0] as Hits;
  for (const [code, h] of certain.byCode) {
    findings.push(makeFinding(code, {
      at: h.at, until: h.until === Infinity ? null : h.until, keys: [...h.keys], vantages: ['authoritative'],
      params: { wait_ms: h.gap, minimum_ms: h.minimum, server: [...h.servers].sort().join(' '), rrtype: 'zone data', detail: h.detail },
    }));
  }
  const undecided: Undecided[] = [];
  for (const [code, h] of (hits[1] as Hits).byCode) {
    if (certain.byCode.has(code)) continue;
    undecided.push({ code, at_ms: h.at, keys: [...h.keys].sort(), detail: `${h.detail} (only for some placements of the changes between samples)` });
  }
  return { findings, undecided };
}
