// CSK rollover (RFC 6781 §4.1.3, RFC 7583 §3.3.4): the keys coming in or going out sign both the DNSKEY
// RRset and zone data.

import type { Classifier } from './context.js';
import { tagList } from './context.js';

export const cskRollover: Classifier = {
  procedure: 'csk-rollover',
  roles: ['ZSK', 'KSK'],
  match(ctx) {
    const e = ctx.episode;
    const csk = [...e.keysIn, ...e.keysOut].filter((k) => k.signsDnskey && k.signsZone);
    if (csk.length === 0 || e.keysIn.length === 0 || e.keysOut.length === 0) return null;
    return {
      rule: 'csk-rollover',
      detail: `keys ${tagList(csk)} sign both the DNSKEY RRset and zone data (combined signing keys)`,
      times: {},
      coarse: false,
      candidates: ['csk-rollover'],
    };
  },
};
