// ZSK pre-publish (RFC 6781 §4.1.1.1, RFC 7583 §3.2.1): the new ZSK enters the DNSKEY RRset first, takes
// over the signatures in one switch later, and the old key leaves after that. In progress: a new ZSK is
// published and does not sign yet.

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { doubleSigned, eventsOf, switchAt, tagList } from './context.js';
import { order } from '../time.js';

export const zskPrePublish: Classifier = {
  procedure: 'zsk-pre-publish',
  roles: ['ZSK'],
  match(ctx) {
    const e = ctx.episode;
    if (e.keysIn.length === 0) return null;
    if (e.pending) {
      const k = e.keysIn[0];
      if (k === undefined) return null;
      return {
        rule: 'zsk-pre-publish-pending',
        detail: `new ZSK ${tagList([k])} published, not signing yet`,
        times: { [`t_pub(${k.id})`]: eventsOf(ctx, k).t_pub },
        coarse: false,
        candidates: ['zsk-pre-publish'],
      };
    }
    if (doubleSigned(ctx)) return null;
    const sw = switchAt(ctx);
    const times: Record<string, ObservedTime | null> = { switch: sw };
    let coarse = false;
    for (const k of e.keysIn) {
      const ev = eventsOf(ctx, k);
      times[`t_pub(${k.id})`] = ev.t_pub;
      if (ev.t_pub === null) return null;
      const o = order(ev.t_pub, ev.t_sign ?? sw);
      if (o === 'after' || o === 'same') return null;
      if (o === 'unknown') coarse = true;
    }
    return {
      rule: 'zsk-pre-publish',
      detail: `${tagList(e.keysIn)} was published before it replaced ${tagList(e.keysOut) || tagList([...e.before])} as the signer in one switch`,
      times,
      coarse,
      candidates: coarse ? ['zsk-pre-publish', 'zsk-double-signature'] : ['zsk-pre-publish'],
    };
  },
};
