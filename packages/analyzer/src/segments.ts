// The authoritative view as a sequence of piecewise-constant segments: between two changes seen at any
// authoritative server (its DNSKEY RRset, the signers of its zone data, its NS RRset) or at the parent
// (the DS RRset), every server's state is constant. Segment boundaries carry their sampling bounds.
// Which servers are serving follows the newest NS RRset observed (RFC 8901: a provider outside the NS
// set is not asked), so a provider's unsigned copy or a departed provider does not count.

import { dsMatchesDnskey, encodeDs, hexDecode } from '@kto/core';
import type { KeyRecord, KeyRegistry } from './keys.js';
import { DNSKEY_FLAG, QTYPE } from './observation.js';
import type { Run, RunState, Vantage } from './runs.js';
import { isZoneDataType } from './runs.js';

export interface Boundary {
  at: number;
  after: number | null;
}

export interface ServerView {
  vantage: Vantage;
  /** Keys in its DNSKEY RRset (revoked ones included). */
  published: ReadonlySet<KeyRecord>;
  revoked: ReadonlySet<KeyRecord>;
  /** Keys whose RRSIG covers its DNSKEY RRset, without REVOKE. */
  dnskeySigners: ReadonlySet<KeyRecord>;
  /** Signers of its zone data (every data type), and per type. */
  zoneSigners: ReadonlySet<KeyRecord>;
  zoneByType: ReadonlyMap<number, ReadonlySet<KeyRecord>>;
  hasDnskeyAnswer: boolean;
  /** Keys whose RRSIG covers its CDS or CDNSKEY RRset. */
  cdsSigners: ReadonlySet<KeyRecord>;
  cds: RunState | null;
  cdnskey: RunState | null;
  csync: RunState | null;
}

export interface Segment {
  index: number;
  from: Boundary;
  /** null for the last segment (its state lasts to the end of the data). */
  to: Boundary | null;
  servers: readonly ServerView[];
  serving: readonly boolean[];
  /** Keys matched by the parent's DS RRset, and the DS RRset itself (null: never observed so far). */
  dsKeys: ReadonlySet<KeyRecord>;
  ds: RunState | null;
  nsHosts: readonly string[] | null;
}

export interface SegmentInput {
  zone: string;
  keys: KeyRegistry;
  /** Servers of the child zone (authoritative vantages with DNSKEY or zone-data answers). */
  sources: readonly Vantage[];
  /** Where the DS RRset comes from (the parent's servers; resolvers when no authoritative DS was observed). */
  dsSources: readonly Vantage[];
  /** RRSIG (algorithm, tag) of a data state resolved with raw verification, when tags collide. */
  resolved: ReadonlyMap<string, KeyRecord>;
}

export interface SegmentResult {
  segments: Segment[];
  /** DS records that never matched any key of the zone. */
  orphanDs: { ds: string; first: number; last: number }[];
  ambiguous: number;
}

interface Cursor {
  runs: readonly Run[];
  next: number;
  cur: Run | null;
}

function keysOfState(st: RunState, keys: KeyRegistry): KeyRecord[] {
  return st.keys.map((k) => keys.fromStateKey(k));
}

export function buildSegments(inp: SegmentInput): SegmentResult {
  const { keys, sources, dsSources } = inp;
  const times: { t: number; after: number | null }[] = [];
  const cursors: Map<number, Cursor>[] = [];
  // Before the first observation of a series its state is taken to be the first observed one: the
  // keys were there before the data, and a change needs an observation on each side of it (without
  // this, the start of the data, a server first asked a little later than another, or a first SOA
  // before the first DNSKEY would read as keys appearing). A server first seen later (a provider
  // joining) counts only from when the NS RRset names it (`serving`), so its backfilled state does not
  // count before that.
  for (const v of sources) {
    const m = new Map<number, Cursor>();
    for (const [qt, s] of v.series) {
      if (qt === QTYPE.DS) continue;
      m.set(qt, { runs: s.runs, next: 0, cur: s.runs[0] ?? null });
      for (const r of s.runs) times.push({ t: r.first, after: r.prevLast });
    }
    cursors.push(m);
  }
  const dsCursors: Cursor[] = [];
  for (const v of dsSources) {
    const s = v.series.get(QTYPE.DS);
    if (s === undefined) continue;
    dsCursors.push({ runs: s.runs, next: 0, cur: s.runs[0] ?? null });
    for (const r of s.runs) times.push({ t: r.first, after: r.prevLast });
  }
  times.sort((a, b) => a.t - b.t);
  const points: Boundary[] = [];
  for (const x of times) {
    const last = points[points.length - 1];
    if (last !== undefined && last.at === x.t) {
      if (x.after !== null && (last.after === null || x.after < last.after)) last.after = x.after;
    } else {
      points.push({ at: x.t, after: x.after });
    }
  }

  const dsMatchCache = new Map<string, boolean>();
  const dsKeyCache = new Map<number, Set<KeyRecord>>();
  const dsEverMatched = new Set<string>();
  const dsSeen = new Map<string, { first: number; last: number }>();
  const stateKeyCache = new Map<number, KeyRecord[]>();
  let ambiguous = 0;
  const keysOf = (st: RunState): KeyRecord[] => {
    let ks = stateKeyCache.get(st.id);
    if (ks === undefined) {
      ks = keysOfState(st, keys);
      stateKeyCache.set(st.id, ks);
    }
    return ks;
  };

  const dsKeysOf = (st: RunState): Set<KeyRecord> => {
    let set = dsKeyCache.get(st.id);
    if (set !== undefined) return set;
    set = new Set();
    for (const d of st.ds) {
      const dsId = `${d.tag}:${d.algorithm}:${d.digestType}:${d.digest}`;
      for (const k of keys.candidates(d.algorithm, d.tag)) {
        if (!k.inDnskey || k.tag !== d.tag) continue;
        let ok: boolean;
        if (k.rdata !== null) {
          const ck = `${dsId}|${k.id}`;
          let c = dsMatchCache.get(ck);
          if (c === undefined) {
            const digest = hexDecode(d.digest);
            try {
              c = digest !== null && dsMatchesDnskey(inp.zone, encodeDs({ keyTag: d.tag, algorithm: d.algorithm, digestType: d.digestType, digest }), k.rdata);
            } catch {
              c = false; // a digest type core does not implement: no match claimed
            }
            dsMatchCache.set(ck, c);
          }
          ok = c;
        } else {
          ok = true; // summary only: algorithm and tag agree
        }
        if (ok) {
          set.add(k);
          dsEverMatched.add(dsId);
          k.hasDs = true;
        }
      }
    }
    dsKeyCache.set(st.id, set);
    return set;
  };

  const resolveSig = (alg: number, tag: number, covered: number, st: RunState, within: ReadonlySet<KeyRecord> | null): KeyRecord => {
    const cands = keys.candidates(alg, tag);
    if (cands.length === 0) return keys.placeholder(alg, tag);
    if (cands.length === 1) return cands[0] as KeyRecord;
    const r = inp.resolved.get(`${alg}:${tag}:${covered}:${st.id}`);
    if (r !== undefined) return r;
    if (within !== null) {
      const inSet = cands.filter((k) => within.has(k));
      if (inSet.length === 1) return inSet[0] as KeyRecord;
    }
    ambiguous++;
    return cands[0] as KeyRecord;
  };

  const segments: Segment[] = [];
  let dsState: RunState | null = null;
  let dsNewest = -Infinity;
  let nsHosts: string[] | null = null;
  let nsNewest = -Infinity;
  // the NS RRset before the first NS answer: the first one observed (backfilled, as above)
  let nsFirst = Infinity;
  for (const v of sources) {
    const r = v.series.get(QTYPE.NS)?.runs[0];
    if (r !== undefined && r.state.ns.length > 0 && r.first < nsFirst) {
      nsFirst = r.first;
      nsHosts = [...r.state.ns];
    }
  }
  for (let pi = 0; pi < points.length; pi++) {
    const p = points[pi] as Boundary;
    const servers: ServerView[] = [];
    for (let si = 0; si < sources.length; si++) {
      const v = sources[si] as Vantage;
      const m = cursors[si] as Map<number, Cursor>;
      for (const c of m.values()) {
        while (c.next < c.runs.length && (c.runs[c.next] as Run).first <= p.at) c.cur = c.runs[c.next++] as Run;
      }
      const nsRun = m.get(QTYPE.NS)?.cur ?? null;
      if (nsRun !== null && nsRun.first <= p.at && nsRun.first > nsNewest && nsRun.state.ns.length > 0) {
        nsNewest = nsRun.first;
        nsHosts = [...nsRun.state.ns];
      }
      const dk = m.get(QTYPE.DNSKEY)?.cur ?? null;
      const published = new Set<KeyRecord>();
      const revoked = new Set<KeyRecord>();
      const dnskeySigners = new Set<KeyRecord>();
      if (dk !== null) {
        const ks = keysOf(dk.state);
        dk.state.keys.forEach((sk, i) => {
          const rec = ks[i] as KeyRecord;
          published.add(rec);
          if ((sk.flags & DNSKEY_FLAG.REVOKE) !== 0) revoked.add(rec);
        });
        for (const sg of dk.state.sigs) {
          if (sg.covered !== QTYPE.DNSKEY) continue;
          const rec = ks.find((k) => k.algorithm === sg.algorithm && (k.tag === sg.tag || k.revokedTag === sg.tag))
            ?? resolveSig(sg.algorithm, sg.tag, sg.covered, dk.state, published);
          rec.signsDnskey ||= !revoked.has(rec);
          if (!revoked.has(rec)) dnskeySigners.add(rec);
        }
      }
      const zoneSigners = new Set<KeyRecord>();
      const zoneByType = new Map<number, Set<KeyRecord>>();
      for (const [qt, c] of m) {
        if (!isZoneDataType(qt) || c.cur === null) continue;
        const set = new Set<KeyRecord>();
        for (const sg of c.cur.state.sigs) {
          if (sg.covered !== qt) continue;
          const rec = resolveSig(sg.algorithm, sg.tag, sg.covered, c.cur.state, published);
          rec.signsZone = true;
          set.add(rec);
          zoneSigners.add(rec);
        }
        zoneByType.set(qt, set);
      }
      const cdsSigners = new Set<KeyRecord>();
      for (const qt of [QTYPE.CDS, QTYPE.CDNSKEY]) {
        const c = m.get(qt)?.cur ?? null;
        if (c === null) continue;
        for (const sg of c.state.sigs) if (sg.covered === qt) cdsSigners.add(resolveSig(sg.algorithm, sg.tag, sg.covered, c.state, published));
      }
      servers.push({
        vantage: v, published, revoked, dnskeySigners, zoneSigners, zoneByType, hasDnskeyAnswer: dk !== null, cdsSigners,
        cds: m.get(QTYPE.CDS)?.cur?.state ?? null, cdnskey: m.get(QTYPE.CDNSKEY)?.cur?.state ?? null, csync: m.get(QTYPE.CSYNC)?.cur?.state ?? null,
      });
    }
    let earliest: Run | null = null;
    for (const c of dsCursors) {
      while (c.next < c.runs.length && (c.runs[c.next] as Run).first <= p.at) c.cur = c.runs[c.next++] as Run;
      if (c.cur === null) continue;
      if (c.cur.first <= p.at && c.cur.first > dsNewest) {
        dsNewest = c.cur.first;
        dsState = c.cur.state;
      }
      if (earliest === null || c.cur.first < earliest.first) earliest = c.cur;
    }
    // before any DS answer: the first one observed (backfilled, as above)
    if (dsState === null && earliest !== null) dsState = earliest.state;
    const dsKeys = dsState === null ? new Set<KeyRecord>() : dsKeysOf(dsState);
    if (dsState !== null) {
      for (const d of dsState.ds) {
        const id = `${d.tag}:${d.algorithm}:${d.digestType}:${d.digest}`;
        const seen = dsSeen.get(id);
        if (seen === undefined) dsSeen.set(id, { first: p.at, last: p.at });
        else seen.last = p.at;
      }
    }
    const serving = servers.map((sv) => nsHosts === null || sv.vantage.server_name === '' || nsHosts.includes(sv.vantage.server_name));
    const prev = segments[segments.length - 1];
    if (prev !== undefined) prev.to = p;
    segments.push({ index: segments.length, from: p, to: null, servers, serving, dsKeys, ds: dsState, nsHosts });
  }
  const orphanDs: { ds: string; first: number; last: number }[] = [];
  for (const [id, span] of dsSeen) if (!dsEverMatched.has(id)) orphanDs.push({ ds: id, ...span });
  return { segments, orphanDs, ambiguous };
}

/**
 * Whether old and new keys sign together in segment `seg`, whose signing set over the serving servers is
 * `union` (transitions.ts signingSets): it holds a key of `a` and one of `b`, and for the zone's data one
 * RRset (one type at one serving server) carries signatures of both (the union over types is no evidence:
 * the types of one polling round are asked one after another, and a switch between two of them leaves the
 * earlier type with the old signature until the next round while the later one has the new); for the
 * DNSKEY RRset, the union is the evidence.
 */
export function signsTogether(seg: Segment, scope: 'zone' | 'dnskey', union: ReadonlySet<KeyRecord>, a: readonly KeyRecord[], b: readonly KeyRecord[]): boolean {
  const both = (set: ReadonlySet<KeyRecord>): boolean => a.some((k) => set.has(k)) && b.some((k) => set.has(k));
  if (!both(union)) return false;
  return scope === 'dnskey' || seg.servers.some((s, i) => seg.serving[i] === true && [...s.zoneByType.values()].some(both));
}

/** Union of a per-server set over the serving servers of a segment. */
export function servingUnion(seg: Segment, pick: (s: ServerView) => ReadonlySet<KeyRecord>): Set<KeyRecord> {
  const out = new Set<KeyRecord>();
  seg.servers.forEach((s, i) => {
    if (seg.serving[i] === true) for (const k of pick(s)) out.add(k);
  });
  return out;
}
