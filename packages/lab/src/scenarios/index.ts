// The lab's scenario catalogue (issue 3): every procedure and every mistake the issue lists, one file each.

import type { Scenario } from '../scenario/types.js';
import { algorithmRolloverConservative13to15 } from './algorithm-rollover-conservative-13-15.js';
import { algorithmRolloverConservative8to13 } from './algorithm-rollover-conservative-8-13.js';
import { algorithmRolloverLiberal13to15 } from './algorithm-rollover-liberal-13-15.js';
import { algorithmRolloverLiberal8to13 } from './algorithm-rollover-liberal-8-13.js';
import { brokenDsSwappedEarly } from './broken-ds-swapped-early.js';
import { brokenHandoffInsecure } from './broken-handoff-insecure.js';
import { brokenMultiSignerZskMissing } from './broken-multi-signer-zsk-missing.js';
import { brokenRrsigAbsentKey } from './broken-rrsig-absent-key.js';
import { brokenRrsigExpired } from './broken-rrsig-expired.js';
import { brokenZskEarlyActivation } from './broken-zsk-early-activation.js';
import { brokenZskRemovedEarly } from './broken-zsk-removed-early.js';
import { cskRollover } from './csk-rollover.js';
import { dsChangeCds } from './ds-change-cds.js';
import { kskDoubleDs } from './ksk-double-ds.js';
import { kskDoubleKsk } from './ksk-double-ksk.js';
import { kskDoubleRrset } from './ksk-double-rrset.js';
import { multiSignerJoin } from './multi-signer-join.js';
import { multiSignerLeave } from './multi-signer-leave.js';
import { multiSignerSteady } from './multi-signer-steady.js';
import { nsChangeCsync } from './ns-change-csync.js';
import { rfc5011Rollover } from './rfc5011-rollover.js';
import { zskDoubleRrsig } from './zsk-double-rrsig.js';
import { zskDoubleSignature } from './zsk-double-signature.js';
import { zskPrePublish } from './zsk-pre-publish.js';
import { zskTwoToOne } from './zsk-two-to-one.js';

/** Every scenario of the lab, sorted by name. */
export const catalogue: readonly Scenario[] = [
  algorithmRolloverConservative13to15,
  algorithmRolloverConservative8to13,
  algorithmRolloverLiberal13to15,
  algorithmRolloverLiberal8to13,
  brokenDsSwappedEarly,
  brokenHandoffInsecure,
  brokenMultiSignerZskMissing,
  brokenRrsigAbsentKey,
  brokenRrsigExpired,
  brokenZskEarlyActivation,
  brokenZskRemovedEarly,
  cskRollover,
  dsChangeCds,
  kskDoubleDs,
  kskDoubleKsk,
  kskDoubleRrset,
  multiSignerJoin,
  multiSignerLeave,
  multiSignerSteady,
  nsChangeCsync,
  rfc5011Rollover,
  zskDoubleRrsig,
  zskDoubleSignature,
  zskPrePublish,
  zskTwoToOne,
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const byName = new Map(catalogue.map((s) => [s.name, s]));

/** The catalogue's scenario of that name, or undefined. */
export function scenarioByName(name: string): Scenario | undefined {
  return byName.get(name);
}
