// Key timeline rows: one per key, with the spans it was published, signing and had a DS at the parent,
// and its revocation mark. From the authoritative view when the analysis has one, else merged over every
// vantage point (earliest first sighting, latest last sighting). One pass over the sightings.
import type { KeyInfo, KeySighting } from '../api/types.js';

export interface Span {
  from: number;
  /** null: still so at the last observation (drawn up to the analysis time). */
  to: number | null;
}

export interface TimelineRow {
  key_id: string;
  algorithm: number;
  key_tag: number;
  role: string;
  flags: number;
  published: Span | null;
  signing: Span | null;
  ds: Span | null;
  revoked_ms: number | null;
}

export interface Timeline {
  rows: TimelineRow[];
  from: number;
  to: number;
  /** 'authoritative' or 'merged' (no authoritative vantage point in the data). */
  source: 'authoritative' | 'merged';
}

interface Acc {
  s: KeySighting;
  pub0: number; pub1: number; pubOpen: boolean;
  sig0: number; sig1: number; sigOpen: boolean;
  ds0: number; ds1: number; dsOpen: boolean;
  rev: number;
}

const minPos = (a: number, b: number): number => (a === 0 ? b : b === 0 ? a : Math.min(a, b));

function stillSigning(s: KeySighting): boolean {
  for (const k in s.t_unsign) if (s.t_unsign[k] === null) return true;
  return false;
}

export function keyTimeline(keys: readonly KeyInfo[], sightings: readonly KeySighting[], now: number): Timeline {
  let hasAuth = false;
  for (const s of sightings) if (s.vantage === 'authoritative') { hasAuth = true; break; }
  const acc = new Map<string, Acc>();
  for (const s of sightings) {
    if (hasAuth && s.vantage !== 'authoritative') continue;
    let a = acc.get(s.key_id);
    if (a === undefined) {
      a = { s, pub0: 0, pub1: 0, pubOpen: false, sig0: 0, sig1: 0, sigOpen: false, ds0: 0, ds1: 0, dsOpen: false, rev: 0 };
      acc.set(s.key_id, a);
    }
    a.pub0 = minPos(a.pub0, s.first_published_ms);
    a.pub1 = Math.max(a.pub1, s.last_published_ms);
    if (s.first_published_ms > 0 && s.t_unpub === null) a.pubOpen = true;
    a.sig0 = minPos(a.sig0, s.first_signing_ms);
    a.sig1 = Math.max(a.sig1, s.last_signing_ms);
    if (s.first_signing_ms > 0 && stillSigning(s)) a.sigOpen = true;
    a.ds0 = minPos(a.ds0, s.first_ds_ms);
    a.ds1 = Math.max(a.ds1, s.last_ds_ms);
    if (s.first_ds_ms > 0 && s.t_ds_gone === null) a.dsOpen = true;
    a.rev = minPos(a.rev, s.revoked_ms);
  }
  const info = new Map<string, KeyInfo>();
  for (const k of keys) info.set(k.key_id, k);
  const rows: TimelineRow[] = [];
  let from = Infinity;
  let to = now;
  for (const [id, a] of acc) {
    const k = info.get(id);
    const span = (f: number, l: number, open: boolean): Span | null => {
      if (f === 0) return null;
      if (f < from) from = f;
      if (l > to) to = l;
      return { from: f, to: open ? null : Math.max(l, f) };
    };
    rows.push({
      key_id: id,
      algorithm: a.s.algorithm,
      key_tag: a.s.key_tag,
      role: k?.role ?? a.s.role,
      flags: k?.flags ?? 0,
      published: span(a.pub0, a.pub1, a.pubOpen),
      signing: span(a.sig0, a.sig1, a.sigOpen),
      ds: span(a.ds0, a.ds1, a.dsOpen),
      revoked_ms: a.rev === 0 ? null : a.rev,
    });
  }
  // keys known only from the key list (no sighting in the chosen view) still get a row
  for (const k of keys) {
    if (acc.has(k.key_id)) continue;
    rows.push({ key_id: k.key_id, algorithm: k.algorithm, key_tag: k.key_tag, role: k.role, flags: k.flags, published: null, signing: null, ds: null, revoked_ms: null });
  }
  const start = (r: TimelineRow): number => r.published?.from ?? r.signing?.from ?? r.ds?.from ?? Infinity;
  rows.sort((x, y) => start(x) - start(y) || (x.key_id < y.key_id ? -1 : 1));
  if (from === Infinity) from = now;
  return { rows, from, to, source: hasAuth ? 'authoritative' : 'merged' };
}

/** Position of a span on the axis, as percentages (left, width), clipped to the domain. */
export function spanPercent(s: Span, from: number, to: number): { left: number; width: number } {
  const total = to - from;
  if (total <= 0) return { left: 0, width: 100 };
  const a = Math.max(from, s.from);
  const b = Math.min(to, s.to ?? to);
  const left = ((a - from) / total) * 100;
  return { left, width: Math.max(0.3, ((b - a) / total) * 100) };
}
