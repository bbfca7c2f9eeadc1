// ZSK pre-publish (RFC 6781 §4.1.1.1, RFC 7583 §3.2.1): the new ZSK enters the DNSKEY RRset first, takes
// over the signatures in one switch later, and the old key leaves after that. In progress: a new ZSK is
// published and does not sign yet.

import type { KeyRecord } from '../keys.js';
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
    // RFC 7583 §3.2: of the three ZSK methods only pre-publish swaps the signatures in one step
    // (double-signature and double-RRSIG both have a period with both signatures), so a one-step swap
    // is a pre-publish rollover whatever the timing of the new key. Whether the key was published
    // early enough (Ipub = Dprp + TTLkey before it signs), or at all, is the wait check's and the
    // findings' business (KEY_ACTIVATED_BEFORE_PREPUBLISH, RRSIG_BY_ABSENT_KEY_WITHOUT_COVER), not a
    // reason to call the procedure unknown.
    if (doubleSigned(ctx)) return null;
    const sw = switchAt(ctx);
    const times: Record<string, ObservedTime | null> = { switch: sw };
    let coarse = false;
    const late: KeyRecord[] = [];
    const never: KeyRecord[] = [];
    for (const k of e.keysIn) {
      const ev = eventsOf(ctx, k);
      times[`t_pub(${k.id})`] = ev.t_pub;
      if (ev.t_pub === null) {
        never.push(k);
        continue;
      }
      // the switch is when the new key starts signing (its t_sign may be older: a key signing again)
      const o = order(ev.t_pub, sw);
      if (o === 'after' || o === 'same') late.push(k);
      else if (o === 'unknown') coarse = true;
    }
    const old = tagList(e.keysOut) || tagList([...e.before]);
    if (never.length > 0 || late.length > 0) {
      const why = [
        never.length > 0 ? `${tagList(never)} never appeared in the DNSKEY RRset` : '',
        late.length > 0 ? `${tagList(late)} was published no earlier than the switch (within the sampling)` : '',
      ].filter((x) => x !== '').join('; ');
      return {
        rule: 'zsk-pre-publish-short',
        detail: `the signatures of ${old} were replaced by those of ${tagList(e.keysIn)} in one switch, the pre-publish method, but ${why}: its pre-publication was cut short (see the findings)`,
        times,
        coarse: false,
        candidates: ['zsk-pre-publish'],
      };
    }
    return {
      rule: 'zsk-pre-publish',
      detail: `${tagList(e.keysIn)} was published before it replaced ${old} as the signer in one switch`,
      times,
      coarse,
      candidates: coarse ? ['zsk-pre-publish', 'zsk-double-signature'] : ['zsk-pre-publish'],
    };
  },
};
