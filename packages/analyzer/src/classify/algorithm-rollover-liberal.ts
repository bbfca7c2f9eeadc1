// Algorithm rollover, liberal (RFC 6781 §4.1.4 without step 2): the new algorithm's keys and signatures
// appear together, and the old algorithm leaves the signing set.

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { algorithmsOf, eventsOf } from './context.js';

export const algorithmRolloverLiberal: Classifier = {
  procedure: 'algorithm-rollover-liberal',
  roles: ['ZSK', 'KSK'],
  match(ctx) {
    const e = ctx.episode;
    const algIn = algorithmsOf(e.keysIn).filter((a) => !algorithmsOf([...e.before]).includes(a));
    const algOut = algorithmsOf(e.keysOut).filter((a) => !algorithmsOf([...e.after]).includes(a));
    if (algIn.length === 0 || algOut.length === 0) return null;
    const times: Record<string, ObservedTime | null> = {};
    for (const k of e.keysIn) {
      const ev = eventsOf(ctx, k);
      times[`t_sign(${k.id})`] = ev.t_sign;
      times[`t_pub(${k.id})`] = ev.t_pub;
    }
    return {
      rule: 'algorithm-rollover-liberal',
      detail: `algorithm ${algOut.join(',')} -> ${algIn.join(',')}; the new algorithm's keys were published no later than its signatures appeared`,
      times,
      coarse: false,
      candidates: ['algorithm-rollover-liberal'],
    };
  },
};
