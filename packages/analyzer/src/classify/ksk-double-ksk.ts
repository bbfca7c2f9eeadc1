// KSK double-KSK (RFC 6781 §4.1.2, RFC 7583 §3.3.1): the new KSK joins and signs the DNSKEY RRset beside
// the old one; the DS swaps from old to new (never both); then the old KSK leaves.

import type { Classifier } from './context.js';
import { doubleSigned, tagList } from './context.js';

export const kskDoubleKsk: Classifier = {
  procedure: 'ksk-double-ksk',
  roles: ['KSK'],
  match(ctx) {
    const e = ctx.episode;
    if (e.keysIn.length === 0 || e.keysOut.length === 0 || !doubleSigned(ctx)) return null;
    return {
      rule: 'ksk-double-ksk',
      detail: `${tagList(e.keysIn)} signed the DNSKEY RRset beside ${tagList(e.keysOut)} before the old key left; no DS RRset held both`,
      times: {},
      coarse: false,
      candidates: ['ksk-double-ksk'],
    };
  },
};
