// ZSK double-signature (RFC 6781 §4.1.1.2, RFC 7583 §3.2.2): the new ZSK and its signatures appear
// together, every RRset carries both signatures for a while, then the old key and its signatures leave.

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { doubleSigned, eventsOf, tagList } from './context.js';
import { order } from '../time.js';

export const zskDoubleSignature: Classifier = {
  procedure: 'zsk-double-signature',
  roles: ['ZSK'],
  match(ctx) {
    const e = ctx.episode;
    if (e.keysIn.length === 0 || !doubleSigned(ctx)) return null;
    const times: Record<string, ObservedTime | null> = {};
    let coarse = false;
    let unseen = false;
    for (const k of e.keysIn) {
      const ev = eventsOf(ctx, k);
      times[`t_sign(${k.id})`] = ev.t_sign;
      times[`t_pub(${k.id})`] = ev.t_pub;
      if (ev.t_sign !== null && ev.t_pub !== null && order(ev.t_pub, ev.t_sign) === 'before') coarse = true;
      // key and signatures first seen within one sampling interval (not in one observation): the order
      // is unseen, so a short double-RRSIG phase cannot be ruled out
      if (ev.t_sign !== null && ev.t_pub !== null && order(ev.t_sign, ev.t_pub) === 'unknown') unseen = true;
    }
    return {
      rule: 'zsk-double-signature',
      detail: `${tagList(e.keysIn)} signed beside ${tagList([...e.before])} (every RRset carried both signatures) before the old key left`,
      times,
      coarse: coarse || unseen,
      candidates: ['zsk-double-signature', ...(coarse ? ['zsk-pre-publish' as const] : []), ...(unseen ? ['zsk-double-rrsig' as const] : [])],
    };
  },
};
