// Plain explanations of the procedure classes (ARCHITECTURE.md §4) shown next to each transition.
import type { Procedure } from '../api/types.js';

export const PROCEDURE_TEXT: Record<Procedure, string> = {
  'zsk-pre-publish': 'ZSK pre-publish (RFC 6781 §4.1.1.1): the new ZSK is published first, signs once caches know it, and the old key is removed after its signatures expire from caches.',
  'zsk-double-signature': 'ZSK double-signature (RFC 6781 §4.1.1.2): the zone is signed by both ZSKs for a while, then the old key and its signatures go together.',
  'zsk-double-rrsig': 'ZSK double-RRSIG (RFC 7583): the signatures of the new key are added next to the old ones before the key set changes.',
  'ksk-double-ksk': 'KSK double-KSK (RFC 6781 §4.1.2): the new KSK signs the DNSKEY RRset alongside the old one, then the DS is swapped at the parent, then the old KSK goes.',
  'ksk-double-ds': 'KSK double-DS (RFC 6781 §4.1.2): the new DS is put at the parent first, then the KSKs are swapped, then the old DS goes.',
  'ksk-double-rrset': 'KSK double-RRset (RFC 7583): new KSK and DS are introduced at the same time and both sets are kept until caches expire.',
  'csk-rollover': 'CSK rollover (RFC 7583): one key signs both the DNSKEY RRset and the zone; the new CSK and its DS replace the old ones.',
  'algorithm-rollover-conservative': 'Conservative algorithm rollover (RFC 6781 §4.1.4): signatures of the new algorithm are in caches before its keys are published.',
  'algorithm-rollover-liberal': 'Liberal algorithm rollover: the variant of RFC 6781 §4.1.4 that publishes the keys and signatures of the new algorithm in one step, skipping the pre-signing step.',
  'rfc5011-rollover': 'Trust-anchor rollover (RFC 5011): the new KSK is published for the hold-down time and the old one is revoked before it goes.',
  'multi-signer-join': 'Multi-signer join (RFC 8901 model 2): a new provider\'s keys are added to every provider\'s DNSKEY RRset.',
  'multi-signer-leave': 'Multi-signer leave (RFC 8901 model 2): a provider\'s keys are removed from the shared DNSKEY RRset.',
  'multi-signer-steady': 'Multi-signer steady state (RFC 8901 model 2): several providers sign with their own keys, all published.',
  'operator-handoff': 'Operator handoff: the zone moves to another DNS operator with different keys; done safely it passes through a multi-signer phase (RFC 8901).',
  'ds-change-cds': 'DS change driven by CDS/CDNSKEY (RFC 7344, RFC 8078): the parent follows what the child publishes.',
  'ns-change-csync': 'NS change signalled with CSYNC (RFC 7477).',
  unknown: 'The signing keys changed in a way that matches no known procedure: the evidence shows what was seen.',
};

export const PROCEDURES = Object.keys(PROCEDURE_TEXT) as Procedure[];
