// Algorithm rollover, liberal (RFC 6781 §4.1.4 without step 2): the new algorithm's keys and signatures
// appear together, and the old algorithm leaves the signing set.

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { algorithmsOf, eventsOf } from './context.js';
import { order } from '../time.js';

export const algorithmRolloverLiberal: Classifier = {
  procedure: 'algorithm-rollover-liberal',
  roles: ['ZSK', 'KSK'],
  match(ctx) {
    const e = ctx.episode;
    const algIn = algorithmsOf(e.keysIn).filter((a) => !algorithmsOf([...e.before]).includes(a));
    const algOut = algorithmsOf(e.keysOut).filter((a) => !algorithmsOf([...e.after]).includes(a));
    if (algIn.length === 0 || algOut.length === 0) return null;
    const times: Record<string, ObservedTime | null> = {};
    // keys and signatures of the new algorithm first seen within one sampling interval (not in one
    // observation): a short conservative step 2 cannot be ruled out
    let unseen = false;
    for (const k of e.keysIn) {
      const ev = eventsOf(ctx, k);
      times[`t_sign(${k.id})`] = ev.t_sign;
      times[`t_pub(${k.id})`] = ev.t_pub;
      if (algIn.includes(k.algorithm) && ev.t_sign !== null && ev.t_pub !== null && order(ev.t_sign, ev.t_pub) === 'unknown') unseen = true;
    }
    return {
      rule: 'algorithm-rollover-liberal',
      detail: `algorithm ${algOut.join(',')} -> ${algIn.join(',')}; the new algorithm's keys were published no later than its signatures appeared`,
      times,
      coarse: unseen,
      candidates: unseen ? ['algorithm-rollover-liberal', 'algorithm-rollover-conservative'] : ['algorithm-rollover-liberal'],
    };
  },
};
