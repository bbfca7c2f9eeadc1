// KSK rollover whose DS change the parent made from the child's CDS/CDNSKEY (RFC 7344 §4, RFC 8078 §3):
// the child published a CDS/CDNSKEY naming the incoming key before the parent's DS named it.

import type { ObservedTime } from '../types.js';
import type { Classifier } from './context.js';
import { eventsOf, tagList } from './context.js';

export const dsChangeCds: Classifier = {
  procedure: 'ds-change-cds',
  roles: ['KSK'],
  match(ctx) {
    const e = ctx.episode;
    if (e.keysIn.length === 0 || e.pending) return null;
    const times: Record<string, ObservedTime | null> = {};
    for (const k of e.keysIn) {
      const ev = eventsOf(ctx, k);
      if (ev.t_ds === null) return null;
      const req = ctx.cdsRequests.find((r) => !r.remove && r.tags.includes(k.tag) && r.at.at <= (ev.t_ds as ObservedTime).at);
      if (req === undefined) return null;
      times[`cds(${k.id})`] = req.at;
      times[`t_ds(${k.id})`] = ev.t_ds;
    }
    return {
      rule: 'ds-change-cds',
      detail: `the child published CDS/CDNSKEY for ${tagList(e.keysIn)} and the parent's DS followed (RFC 7344 automation)`,
      times,
      coarse: false,
      candidates: ['ds-change-cds'],
    };
  },
};
