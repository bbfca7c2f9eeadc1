// RFC 5011 trust-anchor rollover: the outgoing KSK is re-published with the REVOKE bit (RFC 5011 §2.1,
// §6.6). In progress: a new SEP key published, the DNSKEY RRset still signed by the old KSK only and no
// DS naming the new key — the add hold-down of RFC 5011 §2.4.1 (the root's KSK-2024 from 2025-01-11).

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { eventsOf, tagList } from './context.js';

export const rfc5011Rollover: Classifier = {
  procedure: 'rfc5011-rollover',
  roles: ['KSK'],
  match(ctx) {
    const e = ctx.episode;
    const times: Record<string, ObservedTime | null> = {};
    if (e.pending) {
      const k = e.keysIn[0];
      if (k === undefined || (k.flags & 1) === 0) return null;
      const ev = eventsOf(ctx, k);
      if (ev.t_ds !== null) return null;
      times[`t_pub(${k.id})`] = ev.t_pub;
      return {
        rule: 'rfc5011-add-hold-down',
        detail: `new SEP key ${tagList([k])} published without signing and without a DS while ${tagList(e.keysKept)} signs the DNSKEY RRset: an RFC 5011 add hold-down`,
        times,
        coarse: false,
        candidates: ['rfc5011-rollover', 'ksk-double-ksk', 'ksk-double-rrset'],
      };
    }
    const revoked = e.keysOut.filter((k) => eventsOf(ctx, k).t_revoke !== null);
    if (revoked.length === 0) return null;
    for (const k of revoked) times[`t_revoke(${k.id})`] = eventsOf(ctx, k).t_revoke;
    for (const k of e.keysIn) times[`t_pub(${k.id})`] = eventsOf(ctx, k).t_pub;
    return {
      rule: 'rfc5011-revoke',
      detail: `outgoing KSK ${tagList(revoked)} re-published with the REVOKE bit after ${tagList(e.keysIn)} took over the DNSKEY signature`,
      times,
      coarse: false,
      candidates: ['rfc5011-rollover'],
    };
  },
};
