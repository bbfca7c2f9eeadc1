// Algorithm rollover, conservative (RFC 6781 §4.1.4): the new algorithm's signatures appear before its
// keys enter the DNSKEY RRset (step 2: every RRset signed with both algorithms first), and the old
// algorithm leaves the signing set.

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { algorithmsOf, eventsOf } from './context.js';
import { order } from '../time.js';

export const algorithmRolloverConservative: Classifier = {
  procedure: 'algorithm-rollover-conservative',
  roles: ['ZSK', 'KSK'],
  match(ctx) {
    const e = ctx.episode;
    const algIn = algorithmsOf(e.keysIn).filter((a) => !algorithmsOf([...e.before]).includes(a));
    const algOut = algorithmsOf(e.keysOut).filter((a) => !algorithmsOf([...e.after]).includes(a));
    if (algIn.length === 0 || algOut.length === 0) return null;
    const times: Record<string, ObservedTime | null> = {};
    let early = 0;
    for (const k of e.keysIn.filter((x) => algIn.includes(x.algorithm))) {
      const ev = eventsOf(ctx, k);
      times[`t_sign(${k.id})`] = ev.t_sign;
      times[`t_pub(${k.id})`] = ev.t_pub;
      if (ev.t_sign === null) continue;
      if (ev.t_pub === null || order(ev.t_sign, ev.t_pub) === 'before') early++;
    }
    // RFC 6781 §4.1.4 step 2 (signatures by the new algorithm, its keys not yet published) must last
    // until those signatures have propagated (Dsgn + Dprp + TTLsig); it is claimed only when an
    // observation shows it. Within one sampling interval the observations are those of the liberal
    // rollover (keys and signatures together), which the next classifier names with this one as a candidate.
    if (early === 0) return null;
    return {
      rule: 'algorithm-rollover-conservative',
      detail: `algorithm ${algOut.join(',')} -> ${algIn.join(',')}; signatures by the new algorithm appeared before its keys were published (RFC 6781 §4.1.4 step 2)`,
      times,
      coarse: false,
      candidates: ['algorithm-rollover-conservative'],
    };
  },
};
