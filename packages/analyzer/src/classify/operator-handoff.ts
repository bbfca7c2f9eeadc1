// Operator handoff (RFC 8901 §9): the zone moves to other name servers and the signing keys change with
// them: none of the servers that served before serves after, and the old keys stop signing.

import type { Classifier } from './context.js';
import { nsChangeWith, tagList } from './context.js';

export const operatorHandoff: Classifier = {
  procedure: 'operator-handoff',
  roles: ['ZSK', 'KSK'],
  match(ctx) {
    const ns = nsChangeWith(ctx);
    const e = ctx.episode;
    if (ns === null || e.keysOut.length === 0) return null;
    if (ns.before.some((h) => ns.after.includes(h))) return null;
    return {
      rule: 'operator-handoff',
      detail: `the NS RRset moved from ${ns.before.join(' ')} to ${ns.after.join(' ')} while the signing keys changed (out: ${tagList(e.keysOut)}; in: ${tagList(e.keysIn) || 'none'})`,
      times: { ns_change: { at: ns.at.at, after: ns.at.after } },
      coarse: false,
      candidates: ['operator-handoff'],
    };
  },
};
