import type { Scenario } from '../scenario/types.js';

// RFC 7583 §3.2.3: new RRSIGs first; the DNSKEY RRset swaps Z10 -> Z11 after Dsgn + Dprp + TTLsig
// (45); the old RRSIGs go after Dprp + TTLkey (70).
export const zskDoubleRrsig: Scenario = {
  name: 'zsk-double-rrsig',
  kind: 'conformant',
  procedure: 'zsk-double-rrsig',
  description: 'ZSK rollover by double RRSIG: Z11 signs beside Z10 before it is published, then the DNSKEY RRset swaps Z10 for Z11 in one step, and the Z10 signatures leave once the new DNSKEY RRset has propagated.',
  references: ['RFC 7583 §3.2.3', 'RFC 6781 §4.1.1'],
  label: 'zsk-dr',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
    { id: 'Z11', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new RRSIGs (Z11 not yet published; Z10 covers every RRset)', do: [{ sign: 'Z11' }] },
    { at: 70, note: 'DNSKEY swap Z10 -> Z11 (50 >= Dsgn + Dprp + TTLsig 45)', do: [{ publish: 'Z11' }, { unpublish: 'Z10' }] },
    { at: 145, note: 'old RRSIGs removed (75 >= Dprp + TTLkey 70)', do: [{ unsign: 'Z10' }] },
  ],
  duration: 200,
  expectedFindings: [],
};
