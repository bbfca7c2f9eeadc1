import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.3 (CSK: the ZSK and KSK rules for one key). Double signature for the data
// (IretDoubleSignature 75), double KSK for the DNSKEY RRset (IpubC 70 before the DS, IretP 50 after).
export const cskRollover: Scenario = {
  name: 'csk-rollover',
  kind: 'conformant',
  procedure: 'csk-rollover',
  description: 'CSK rollover: C2 joins and signs everything beside C1; after IpubC the DS swaps DS_C1 -> DS_C2; C1 and its signatures leave once the new DS and the double signatures have propagated.',
  references: ['RFC 6781 §4.1.3', 'RFC 7583 §3.3.4'],
  label: 'csk',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'C1', role: 'CSK', algorithm: 13 },
    { id: 'C2', role: 'CSK', algorithm: 13 },
  ],
  initial: { published: ['C1'], signing: [{ key: 'C1' }], ds: ['C1'] },
  steps: [
    { at: 20, note: 'new DNSKEY and new RRSIGs (everything signed by C1 and C2)', do: [{ publish: 'C2' }, { sign: 'C2' }] },
    { at: 95, note: 'DS change submitted (75 >= IpubC 70); the parent swaps it at 115', do: [{ dsAdd: 'C2' }, { dsRemove: 'C1' }] },
    { at: 175, note: 'C1 and its RRSIGs removed (60 after the DS change >= IretP 50)', do: [{ unsign: 'C1' }, { unpublish: 'C1' }] },
  ],
  duration: 220,
  expectedFindings: [],
};
