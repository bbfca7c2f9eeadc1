// The procedure classifiers, in the order they are tried: structural changes of the serving providers
// first, then algorithm changes, revocation, combined keys, DS automation, and the single-algorithm KSK
// and ZSK procedures. The first match names the transition; none matching is 'unknown'.

import type { Evidence } from '../types.js';
import { algorithmRolloverConservative } from './algorithm-rollover-conservative.js';
import { algorithmRolloverLiberal } from './algorithm-rollover-liberal.js';
import type { ClassifyContext, Classifier } from './context.js';
import { tagList } from './context.js';
import { cskRollover } from './csk-rollover.js';
import { dsChangeCds } from './ds-change-cds.js';
import { kskDoubleDs } from './ksk-double-ds.js';
import { kskDoubleKsk } from './ksk-double-ksk.js';
import { kskDoubleRrset } from './ksk-double-rrset.js';
import { multiSignerJoin } from './multi-signer-join.js';
import { multiSignerLeave } from './multi-signer-leave.js';
import { operatorHandoff } from './operator-handoff.js';
import { rfc5011Rollover } from './rfc5011-rollover.js';
import { zskDoubleRrsig } from './zsk-double-rrsig.js';
import { zskDoubleSignature } from './zsk-double-signature.js';
import { zskPrePublish } from './zsk-pre-publish.js';

export type { CdsRequest, ClassifyContext, Classifier, Match } from './context.js';

export const CLASSIFIERS: readonly Classifier[] = [
  operatorHandoff,
  multiSignerJoin,
  multiSignerLeave,
  algorithmRolloverConservative,
  algorithmRolloverLiberal,
  rfc5011Rollover,
  cskRollover,
  dsChangeCds,
  kskDoubleRrset,
  kskDoubleKsk,
  kskDoubleDs,
  zskDoubleRrsig,
  zskDoubleSignature,
  zskPrePublish,
];

export function classify(ctx: ClassifyContext): { procedure: Evidence['candidates'][number]; evidence: Evidence } {
  for (const c of CLASSIFIERS) {
    if (!c.roles.includes(ctx.episode.role)) continue;
    const m = c.match(ctx);
    if (m !== null) return { procedure: c.procedure, evidence: { rule: m.rule, detail: m.detail, times: m.times, coarse: m.coarse, candidates: m.candidates } };
  }
  const e = ctx.episode;
  const never = e.keysIn.filter((k) => !k.inDnskey);
  const detail = never.length > 0
    ? `signer(s) ${tagList(never)} were never seen in the DNSKEY RRset`
    : `no procedure rule matches (in: ${tagList(e.keysIn) || 'none'}; out: ${tagList(e.keysOut) || 'none'})`;
  return { procedure: 'unknown', evidence: { rule: 'none', detail, times: {}, coarse: false, candidates: ['unknown'] } };
}
