// The anatomy of a transition (ARCHITECTURE.md §4): pre-publish period, double-sign period, post-retire
// retention, DS lag at both ends, key ages, from the authoritative key events with their sampling bounds.

import type { KeyRecord } from './keys.js';
import type { Segment } from './segments.js';
import { signsTogether } from './segments.js';
import { spanBetween } from './time.js';
import type { KeyTimeline } from './timeline.js';
import { keyEvents } from './timeline.js';
import type { Episode } from './transitions.js';
import type { Anatomy, KeyEvents, ObservedTime, Span } from './types.js';

const NONE: KeyEvents = { t_pub: null, t_unpub: null, t_sign: null, t_unsign: null, t_ds: null, t_ds_gone: null, t_revoke: null };

function span(a: ObservedTime | null, b: ObservedTime | null): Span | null {
  return a === null || b === null ? null : spanBetween(a, b);
}

export function eventsFor(e: Episode, timelines: ReadonlyMap<KeyRecord, KeyTimeline>, k: KeyRecord): KeyEvents {
  const tl = timelines.get(k);
  return tl === undefined ? NONE : keyEvents(tl, e.scope);
}

/** Duration of the segments in which an incoming and an outgoing key both sign. */
function doubleSignSpan(e: Episode, segments: readonly Segment[], sets: readonly ReadonlySet<KeyRecord>[], endT: number): Span {
  const outs = e.inFlight ? [...e.before] : e.keysOut;
  let ms = 0;
  let min = 0;
  let max = 0;
  const first = e.changes[0]?.seg ?? 0;
  const lastChange = e.changes[e.changes.length - 1]?.seg ?? first;
  for (let i = first; i <= lastChange && i < segments.length; i++) {
    const set = sets[i];
    const seg = segments[i] as Segment;
    if (set === undefined || !signsTogether(seg, e.scope, set, e.keysIn, outs)) continue;
    const toAt = seg.to?.at ?? endT;
    const toAfter = seg.to?.after ?? toAt;
    ms += toAt - seg.from.at;
    min += Math.max(0, toAfter - seg.from.at);
    max += toAt - (seg.from.after ?? seg.from.at);
  }
  return { ms, min, max };
}

export function anatomyOf(e: Episode, timelines: ReadonlyMap<KeyRecord, KeyTimeline>, segments: readonly Segment[],
  sets: readonly ReadonlySet<KeyRecord>[], now: number, endT: number): Anatomy {
  const a: Anatomy = { pre_publish_ms: {}, double_sign_ms: doubleSignSpan(e, segments, sets, endT), post_retire_ms: {}, ds_lag_ms: {}, ds_gone_lag_ms: {}, key_age_ms: {}, events: {} };
  const sw = e.changes[0]?.at.at ?? now;
  for (const k of e.keysIn) {
    const ev = eventsFor(e, timelines, k);
    a.events[k.id] = ev;
    a.pre_publish_ms[k.id] = span(ev.t_pub, ev.t_sign);
    a.ds_lag_ms[k.id] = span(ev.t_pub, ev.t_ds);
    if (ev.t_pub !== null) a.key_age_ms[k.id] = { ms: Math.max(0, (e.pending ? now : sw) - ev.t_pub.at), lower_bound: ev.t_pub.after === null };
  }
  for (const k of e.keysOut) {
    const ev = eventsFor(e, timelines, k);
    a.events[k.id] = ev;
    a.post_retire_ms[k.id] = span(ev.t_unsign, ev.t_unpub);
    a.ds_gone_lag_ms[k.id] = span(ev.t_unsign, ev.t_ds_gone);
    if (ev.t_pub !== null) a.key_age_ms[k.id] = { ms: Math.max(0, (ev.t_unsign?.at ?? sw) - ev.t_pub.at), lower_bound: ev.t_pub.after === null };
  }
  for (const k of e.transient) a.events[k.id] = eventsFor(e, timelines, k);
  return a;
}
