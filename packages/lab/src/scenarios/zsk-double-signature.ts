import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.1.2. Iret (double-signature) = Dsgn + Dprp + max(TTLkey, TTLsig) = 5 + 10 + 60 = 75.
export const zskDoubleSignature: Scenario = {
  name: 'zsk-double-signature',
  kind: 'conformant',
  procedure: 'zsk-double-signature',
  description: 'ZSK rollover by double signature: Z11 and its signatures appear together, every RRset carries two RRSIGs, then Z10 and its signatures leave after Iret.',
  references: ['RFC 6781 §4.1.1.2', 'RFC 7583 §3.2.2'],
  label: 'zsk-ds',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
    { id: 'Z11', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY and new RRSIGs', do: [{ publish: 'Z11' }, { sign: 'Z11' }] },
    { at: 100, note: 'removal of Z10 and its RRSIGs (80 >= Iret 75)', do: [{ unsign: 'Z10' }, { unpublish: 'Z10' }] },
  ],
  duration: 160,
  expectedFindings: [],
};
