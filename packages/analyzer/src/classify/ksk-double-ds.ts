// KSK double-DS (RFC 6781 §4.1.2, RFC 7583 §3.3.2): the DS of the new KSK is at the parent before the
// DNSKEY RRset swaps old for new in one step (no period in which both sign).

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { doubleSigned, eventsOf, switchAt, tagList } from './context.js';
import { order } from '../time.js';

export const kskDoubleDs: Classifier = {
  procedure: 'ksk-double-ds',
  roles: ['KSK'],
  match(ctx) {
    const e = ctx.episode;
    if (e.keysIn.length === 0 || e.keysOut.length === 0 || doubleSigned(ctx)) return null;
    const sw = switchAt(ctx);
    const times: Record<string, ObservedTime | null> = { switch: sw };
    let coarse = false;
    for (const k of e.keysIn) {
      const ds = eventsOf(ctx, k).t_ds;
      times[`t_ds(${k.id})`] = ds;
      if (ds === null) return null;
      const o = order(ds, sw);
      if (o === 'after' || o === 'same') return null;
      if (o === 'unknown') coarse = true;
    }
    return {
      rule: 'ksk-double-ds',
      detail: `the parent published the DS of ${tagList(e.keysIn)} before the DNSKEY RRset swapped ${tagList(e.keysOut)} for it in one step`,
      times,
      coarse,
      candidates: coarse ? ['ksk-double-ds', 'unknown'] : ['ksk-double-ds'],
    };
  },
};
