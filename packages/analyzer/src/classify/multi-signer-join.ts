// Multi-signer join (RFC 8901 §8, model 2): name servers of a new provider enter the NS RRset and bring
// their own signing keys; every key that signed before keeps signing.

import type { Classifier } from './context.js';
import { nsChangeWith, signingServers, tagList } from './context.js';

export const multiSignerJoin: Classifier = {
  procedure: 'multi-signer-join',
  roles: ['ZSK', 'KSK'],
  match(ctx) {
    const ns = nsChangeWith(ctx);
    const e = ctx.episode;
    if (ns === null || e.keysIn.length === 0 || e.keysOut.length > 0) return null;
    const added = ns.after.filter((h) => !ns.before.includes(h));
    const kept = ns.after.filter((h) => ns.before.includes(h));
    if (added.length === 0 || kept.length === 0) return null;
    const seg = ctx.segments[ns.seg];
    if (seg === undefined) return null;
    const fromNew = e.keysIn.every((k) => signingServers(seg, k, e.scope).some((h) => added.includes(h)));
    if (!fromNew) return null;
    return {
      rule: 'multi-signer-join',
      detail: `${added.join(' ')} joined the NS RRset beside ${kept.join(' ')} and sign with ${tagList(e.keysIn)}; the keys that signed before (${tagList(e.keysKept)}) keep signing`,
      times: { ns_change: { at: ns.at.at, after: ns.at.after } },
      coarse: false,
      candidates: ['multi-signer-join'],
    };
  },
};
