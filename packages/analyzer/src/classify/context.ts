// What a procedure classifier sees, and what it returns. One classifier per procedure, in this folder;
// index.ts runs them in order and the first that matches names the transition.

import type { KeyRecord } from '../keys.js';
import type { Segment } from '../segments.js';
import { signsTogether } from '../segments.js';
import type { KeyTimeline } from '../timeline.js';
import { keyEvents } from '../timeline.js';
import type { Episode, NsChange } from '../transitions.js';
import type { KeyEvents, ObservedTime, Procedure } from '../types.js';

/** A CDS/CDNSKEY content the child started to publish (authoritative view). */
export interface CdsRequest {
  at: ObservedTime;
  /** Key tags asked for (CDS key tags / CDNSKEY keys); empty with `remove`. */
  tags: number[];
  /** The RFC 8078 delete request. */
  remove: boolean;
}

export interface ClassifyContext {
  episode: Episode;
  timelines: ReadonlyMap<KeyRecord, KeyTimeline>;
  segments: readonly Segment[];
  nsChanges: readonly NsChange[];
  cdsRequests: readonly CdsRequest[];
}

export interface Match {
  rule: string;
  detail: string;
  times: Record<string, ObservedTime | null>;
  coarse: boolean;
  candidates: Procedure[];
}

export interface Classifier {
  procedure: Procedure;
  /** Which roles it can name. */
  roles: readonly ('ZSK' | 'KSK')[];
  match(ctx: ClassifyContext): Match | null;
}

export function eventsOf(ctx: ClassifyContext, k: KeyRecord): KeyEvents {
  const tl = ctx.timelines.get(k);
  if (tl === undefined) return { t_pub: null, t_unpub: null, t_sign: null, t_unsign: null, t_ds: null, t_ds_gone: null, t_revoke: null };
  return keyEvents(tl, ctx.episode.scope);
}

/** Time of the first change of the signing set (the switch). */
export function switchAt(ctx: ClassifyContext): ObservedTime {
  const c = ctx.episode.changes[0];
  return c === undefined ? { at: 0, after: null } : { at: c.at.at, after: c.at.after };
}

/** Whether old and new keys signed together in some segment of the episode (a double-signature phase; segments.ts signsTogether). */
export function doubleSigned(ctx: ClassifyContext): boolean {
  const e = ctx.episode;
  const outs = e.inFlight ? [...e.before] : e.keysOut;
  return e.changes.some((c) => {
    const seg = ctx.segments[c.seg];
    return seg !== undefined && signsTogether(seg, e.scope, c.set, e.keysIn, outs);
  });
}

/** The NS change that happened at one of the episode's changes (the serving set changed with it). */
export function nsChangeWith(ctx: ClassifyContext): NsChange | null {
  for (const c of ctx.episode.changes) {
    const n = ctx.nsChanges.find((x) => x.at.at === c.at.at);
    if (n !== undefined) return n;
  }
  return null;
}

/** Servers (vantage indexes in segment order) that sign with key k in segment seg. */
export function signingServers(seg: Segment, k: KeyRecord, scope: 'zone' | 'dnskey'): string[] {
  const out: string[] = [];
  for (const s of seg.servers) {
    if ((scope === 'zone' ? s.zoneSigners : s.dnskeySigners).has(k)) out.push(s.vantage.server_name || s.vantage.server);
  }
  return out;
}

export function algorithmsOf(keys: readonly KeyRecord[]): number[] {
  return [...new Set(keys.map((k) => k.algorithm))].sort((a, b) => a - b);
}

export function tagList(keys: readonly KeyRecord[]): string {
  return keys.map((k) => `${k.tag}/${k.algorithm}`).join(', ');
}
