import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.1.1. TTLkey 60, TTLsig 30, Dprp 10, Dsgn 5: Ipub = 70, Iret = 45.
export const zskPrePublish: Scenario = {
  name: 'zsk-pre-publish',
  kind: 'conformant',
  procedure: 'zsk-pre-publish',
  description: 'ZSK rollover by pre-publication: Z11 enters the DNSKEY RRset, takes over the signing after Ipub, and Z10 leaves after Iret.',
  references: ['RFC 6781 §4.1.1.1', 'RFC 7583 §3.2.1'],
  label: 'zsk-pp',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
    { id: 'Z11', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY', do: [{ publish: 'Z11' }] },
    { at: 95, note: 'new RRSIGs (75 >= Ipub 70)', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] },
    { at: 145, note: 'DNSKEY removal (50 >= Iret 45)', do: [{ unpublish: 'Z10' }] },
  ],
  duration: 200,
  expectedFindings: [],
};
