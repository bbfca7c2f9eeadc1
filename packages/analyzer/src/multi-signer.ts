// A multi-signer join or leave (RFC 8901 §8, model 2) is one transition: a provider's servers enter
// (leave) the NS RRset and its keys start (stop) counting, with the ZSK import (removal) at the other
// provider, the CDS/DS change for its KSK and the NS change (by CSYNC, RFC 7477). The classifiers name
// each role's part (ZSK, KSK) and the NS change after the same procedure; this folds the parts that
// share one NS change into a single transition whose evidence holds every step's observed time.

import type { CdsRequest } from './classify/index.js';
import type { KeyRecord } from './keys.js';
import type { Segment } from './segments.js';
import type { Anatomy, ObservedTime, Span, Transition } from './types.js';

export interface ProviderChangeInput {
  transitions: readonly Transition[];
  keysById: ReadonlyMap<string, KeyRecord>;
  cdsRequests: readonly CdsRequest[];
  segments: readonly Segment[];
  uniqueId: (base: string) => string;
}

const STRUCTURAL = new Set(['multi-signer-join', 'multi-signer-leave']);

function union(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort();
}

function unionNums(lists: readonly (readonly number[])[]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

function longer(a: Span, b: Span): Span {
  return b.ms > a.ms ? b : a;
}

/** First CSYNC record published by a serving server up to segment `upTo` (the NS change's request). */
function csyncAt(segments: readonly Segment[], upTo: number): ObservedTime | null {
  let found: ObservedTime | null = null;
  for (let i = Math.min(upTo, segments.length - 1); i >= 0; i--) {
    const seg = segments[i] as Segment;
    const has = seg.servers.some((s, si) => seg.serving[si] === true && s.csync !== null && s.csync.csync !== null);
    if (!has) break;
    found = { at: seg.from.at, after: seg.from.after };
  }
  return found;
}

export function mergeProviderChanges(inp: ProviderChangeInput): Transition[] {
  const groups = new Map<number, Transition[]>();
  for (const t of inp.transitions) {
    if (!STRUCTURAL.has(t.procedure)) continue;
    const at = t.role === 'NS' ? t.switch_at?.at : t.evidence.times.ns_change?.at;
    if (at === undefined || at === null) continue;
    const g = groups.get(at) ?? [];
    g.push(t);
    groups.set(at, g);
  }
  const folded = new Set<Transition>();
  const merged: Transition[] = [];
  for (const [nsAt, parts] of groups) {
    const keyParts = parts.filter((t) => t.role !== 'NS');
    if (keyParts.length === 0) continue;
    const procedure = (keyParts[0] as Transition).procedure;
    if (parts.some((t) => t.procedure !== procedure)) continue;
    for (const t of parts) folded.add(t);
    const ns = parts.find((t) => t.role === 'NS');
    const join = procedure === 'multi-signer-join';
    const keysIn = union(keyParts.map((t) => t.keys_in));
    const keysOut = union(keyParts.map((t) => t.keys_out));
    const kept = union(keyParts.map((t) => t.keys_kept)).filter((k) => !keysIn.includes(k) && !keysOut.includes(k));
    const times: Record<string, ObservedTime | null> = {};
    for (const t of parts) Object.assign(times, t.evidence.times);
    const first = keyParts[0] as Transition;
    const nsTime = first.evidence.times.ns_change ?? { at: nsAt, after: null };
    times.ns_change = nsTime;
    const nsSeg = inp.segments.findIndex((s) => s.from.at === nsAt);
    const csync = csyncAt(inp.segments, nsSeg < 0 ? inp.segments.length - 1 : nsSeg);
    if (csync !== null) times.csync = csync;
    const anatomy: Anatomy = { pre_publish_ms: {}, double_sign_ms: first.anatomy.double_sign_ms, post_retire_ms: {}, ds_lag_ms: {}, ds_gone_lag_ms: {}, key_age_ms: {}, events: {} };
    for (const t of keyParts) {
      Object.assign(anatomy.pre_publish_ms, t.anatomy.pre_publish_ms);
      Object.assign(anatomy.post_retire_ms, t.anatomy.post_retire_ms);
      Object.assign(anatomy.ds_lag_ms, t.anatomy.ds_lag_ms);
      Object.assign(anatomy.ds_gone_lag_ms, t.anatomy.ds_gone_lag_ms);
      Object.assign(anatomy.key_age_ms, t.anatomy.key_age_ms);
      Object.assign(anatomy.events, t.anatomy.events);
      anatomy.double_sign_ms = longer(anatomy.double_sign_ms, t.anatomy.double_sign_ms);
    }
    // every step's time: the imported (removed) ZSK's publication at the other provider, the KSK's DS
    // and the CDS that asked for it, the signing start (end) of the provider's keys
    const ends: number[] = [nsAt];
    for (const id of join ? keysIn : keysOut) {
      const ev = anatomy.events[id];
      const k = inp.keysById.get(id);
      if (ev === undefined || k === undefined) continue;
      const tag = `${k.tag}/${k.algorithm}`;
      const steps: [string, ObservedTime | null][] = join
        ? [[`t_pub(${tag})`, ev.t_pub], [`t_sign(${tag})`, ev.t_sign], [`t_ds(${tag})`, ev.t_ds]]
        : [[`t_unsign(${tag})`, ev.t_unsign], [`t_unpub(${tag})`, ev.t_unpub], [`t_ds_gone(${tag})`, ev.t_ds_gone]];
      for (const [name, t] of steps) {
        if (t === null) continue;
        times[name] = t;
        ends.push(t.at);
      }
      const dsAt = join ? ev.t_ds : ev.t_ds_gone;
      if (dsAt !== null) {
        // the newest CDS content up to the DS change that names the key (join) / no longer names it (leave)
        let req: CdsRequest | undefined;
        for (const r of inp.cdsRequests) if (!r.remove && r.at.at <= dsAt.at && r.tags.includes(k.tag) === join) req = r;
        if (req !== undefined) {
          times[`cds(${tag})`] = req.at;
          ends.push(req.at.at);
        }
      }
    }
    const start = Math.min(...parts.map((t) => t.start_ms), ...ends);
    const end = Math.max(...parts.map((t) => t.end_ms), ...ends);
    const who = ns === undefined ? '' : join ? `${ns.ns_in.join(' ')} joined the NS RRset` : `${ns.ns_out.join(' ')} left the NS RRset`;
    const steps = Object.keys(times).sort((a, b) => (times[a]?.at ?? 0) - (times[b]?.at ?? 0)).join(', ');
    merged.push({
      id: inp.uniqueId(`NS@${start}`), role: 'NS', procedure, status: 'complete', conformant: parts.every((t) => t.conformant === true) ? true : parts.some((t) => t.conformant === false) ? false : null,
      start_ms: start, end_ms: end, switch_at: { at: nsTime.at, after: nsTime.after },
      keys_in: keysIn, keys_out: keysOut, keys_kept: kept,
      algorithms_in: unionNums(keyParts.map((t) => t.algorithms_in)), algorithms_out: unionNums(keyParts.map((t) => t.algorithms_out)),
      ns_in: ns?.ns_in ?? [], ns_out: ns?.ns_out ?? [], anatomy, waits: keyParts.flatMap((t) => t.waits),
      evidence: {
        rule: procedure,
        detail: `one ${join ? 'join' : 'leave'} of a provider (RFC 8901 §8, model 2)${who === '' ? '' : `: ${who}`}; ${keyParts.map((t) => `${t.role}: ${t.evidence.detail}`).join('; ')}; steps observed: ${steps}`,
        times, coarse: parts.some((t) => t.evidence.coarse), candidates: [procedure],
      },
      findings: union(parts.map((t) => t.findings)),
    });
  }
  return [...inp.transitions.filter((t) => !folded.has(t)), ...merged];
}
