// Multi-signer leave (RFC 8901 §8, model 2): a provider's name servers leave the NS RRset and its keys
// stop signing; the remaining provider's keys keep signing.

import type { Classifier } from './context.js';
import { nsChangeWith, signingServers, tagList } from './context.js';

export const multiSignerLeave: Classifier = {
  procedure: 'multi-signer-leave',
  roles: ['ZSK', 'KSK'],
  match(ctx) {
    const ns = nsChangeWith(ctx);
    const e = ctx.episode;
    if (ns === null || e.keysOut.length === 0 || e.keysIn.length > 0 || e.keysKept.length === 0) return null;
    const removed = ns.before.filter((h) => !ns.after.includes(h));
    const kept = ns.after.filter((h) => ns.before.includes(h));
    if (removed.length === 0 || kept.length === 0) return null;
    const seg = ctx.segments[ns.seg - 1];
    if (seg === undefined) return null;
    const fromLeaving = e.keysOut.every((k) => signingServers(seg, k, e.scope).some((h) => removed.includes(h)));
    if (!fromLeaving) return null;
    return {
      rule: 'multi-signer-leave',
      detail: `${removed.join(' ')} left the NS RRset; its keys ${tagList(e.keysOut)} stopped signing while ${tagList(e.keysKept)} keep signing`,
      times: { ns_change: { at: ns.at.at, after: ns.at.after } },
      coarse: false,
      candidates: ['multi-signer-leave'],
    };
  },
};
