import type { Scenario } from '../scenario/types.js';

// Mistake: the DS is swapped to DS_K2 (parent at 40) before K2 is in the DNSKEY RRset (170). Every
// resolver's DS (TTL 40) is refreshed by 40 + 50 + poll and its DNSKEY RRset (TTL 60) by another 70:
// from then on the DNSKEY RRset it fetches has no key matching the DS: SERVFAIL certain by 170.
export const brokenDsSwappedEarly: Scenario = {
  name: 'broken-ds-swapped-early',
  kind: 'broken',
  procedure: 'ksk-double-ksk',
  description: 'Double-KSK rollover in which the registrar receives the DS of K2 at once and the parent swaps DS_K1 for DS_K2 at 40, while the signer publishes K2 only at 170: no DNSKEY RRset fetched in between is signed by a key the DS matches.',
  references: ['RFC 7583 §3.3.1', 'RFC 6781 §4.1.2'],
  label: 'bad-ds-early',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'K2', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'DS change submitted before K2 exists in the zone (the parent swaps it at 40)', do: [{ dsAdd: 'K2' }, { dsRemove: 'K1' }] },
    { at: 170, note: 'new DNSKEY K2, signing the DNSKEY RRset', do: [{ publish: 'K2' }, { sign: 'K2' }] },
    { at: 250, note: 'K1 removed', do: [{ unsign: 'K1' }, { unpublish: 'K1' }] },
  ],
  duration: 300,
  expectedFindings: [{ code: 'DS_CHANGED_BEFORE_KEY_PROPAGATED', keys: ['K2'], from: 40, to: 240 }],
  expectedValidationFailure: { from: 40, to: 170 },
};
