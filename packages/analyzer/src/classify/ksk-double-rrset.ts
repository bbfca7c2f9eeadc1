// KSK double-RRset (RFC 6781 §4.1.2, RFC 7583 §3.3.3): the new KSK signs beside the old one and the
// parent holds DS records for both at the same time; the old key and its DS leave together.

import type { Classifier } from './context.js';
import { doubleSigned, tagList } from './context.js';

export const kskDoubleRrset: Classifier = {
  procedure: 'ksk-double-rrset',
  roles: ['KSK'],
  match(ctx) {
    const e = ctx.episode;
    if (e.keysIn.length === 0 || e.keysOut.length === 0 || !doubleSigned(ctx)) return null;
    const both = ctx.segments.find((s) => e.keysIn.some((k) => s.dsKeys.has(k)) && e.keysOut.some((k) => s.dsKeys.has(k)));
    if (both === undefined) return null;
    return {
      rule: 'ksk-double-rrset',
      detail: `${tagList(e.keysIn)} and ${tagList(e.keysOut)} both signed the DNSKEY RRset and the parent held DS records for both`,
      times: { both_ds: { at: both.from.at, after: both.from.after } },
      coarse: false,
      candidates: ['ksk-double-rrset'],
    };
  },
};
