// ZSK double-RRSIG (RFC 7583 §3.2.3): the new ZSK's signatures appear beside the old ones before the new
// key is in the DNSKEY RRset; the DNSKEY RRset then swaps keys; the old signatures leave last.

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { doubleSigned, eventsOf, tagList } from './context.js';
import { order } from '../time.js';

export const zskDoubleRrsig: Classifier = {
  procedure: 'zsk-double-rrsig',
  roles: ['ZSK'],
  match(ctx) {
    const e = ctx.episode;
    if (e.keysIn.length === 0 || !doubleSigned(ctx)) return null;
    // The method's mark is a phase with the new signatures and without the new key, which RFC 7583
    // §3.2.3 makes last at least Dsgn + Dprp + TTLsig; it is claimed only when an observation shows it
    // (signing before publication, separated by the sampling). When both first show within one sampling
    // interval the observations are those of a double signature (both appear together), which the next
    // classifier names, coarse, with this one among its candidates.
    const times: Record<string, ObservedTime | null> = {};
    for (const k of e.keysIn) {
      const ev = eventsOf(ctx, k);
      times[`t_sign(${k.id})`] = ev.t_sign;
      times[`t_pub(${k.id})`] = ev.t_pub;
      if (ev.t_sign === null || ev.t_pub === null) return null;
      if (order(ev.t_sign, ev.t_pub) !== 'before') return null;
    }
    return {
      rule: 'zsk-double-rrsig',
      detail: `signatures by ${tagList(e.keysIn)} appeared beside those of ${tagList([...e.before])} before the new key was published`,
      times,
      coarse: false,
      candidates: ['zsk-double-rrsig'],
    };
  },
};
