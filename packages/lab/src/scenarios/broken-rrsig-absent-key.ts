import type { Scenario } from '../scenario/types.js';

// The .de failure of 2026-05-05 (RFC-NOTES.md): the zone is signed by a ZSK that is not in the DNSKEY
// RRset, and no other key covers it. Every SOA fetched from 20 on is bogus; a resolver's cached SOA
// (TTL 30) is refetched by 20 + 45 + poll: SERVFAIL certain in [20, 150). At 150 the operator goes
// back to Z10, as .de did.
export const brokenRrsigAbsentKey: Scenario = {
  name: 'broken-rrsig-absent-key',
  kind: 'broken',
  procedure: 'zsk-pre-publish',
  description: 'A ZSK rollover in which the signer switches to Z11 without Z11 ever entering the DNSKEY RRset: every RRset carries only signatures by a key absent from the DNSKEY set, with no other valid cover, until the operator reverts to Z10.',
  references: ['RFC 4035 §5.3.1', 'RFC 6781 §4.1.4', 'RFC 7583 §3.2.1'],
  label: 'bad-absent-key',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
    { id: 'Z11', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'the signer uses Z11, which is not published', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] },
    { at: 150, note: 'the operator reverts to Z10', do: [{ sign: 'Z10' }, { unsign: 'Z11' }] },
  ],
  duration: 200,
  expectedFindings: [{ code: 'RRSIG_BY_ABSENT_KEY_WITHOUT_COVER', keys: ['Z11'], from: 20, to: 150 }],
  expectedValidationFailure: { from: 20, to: 150 },
};
