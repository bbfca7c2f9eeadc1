import type { Scenario } from '../scenario/types.js';

// An n -> m transition: two ZSKs sign every RRset, then one new ZSK replaces both (double signature,
// Iret = Dsgn + Dprp + max(TTLkey, TTLsig) = 75).
export const zskTwoToOne: Scenario = {
  name: 'zsk-two-to-one',
  kind: 'conformant',
  procedure: 'zsk-double-signature',
  description: 'An n -> m ZSK transition: Z10 and Z11 both sign the zone; Z12 joins by double signature and, after Iret, Z10 and Z11 leave together (2 -> 1).',
  references: ['RFC 6781 §4.1.1.2', 'RFC 7583 §3.2.2'],
  label: 'zsk-2to1',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
    { id: 'Z11', role: 'ZSK', algorithm: 13 },
    { id: 'Z12', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10', 'Z11'], signing: [{ key: 'K1' }, { key: 'Z10' }, { key: 'Z11' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY and new RRSIGs', do: [{ publish: 'Z12' }, { sign: 'Z12' }] },
    { at: 100, note: 'Z10 and Z11 leave with their RRSIGs (80 >= Iret 75)', do: [{ unsign: 'Z10' }, { unsign: 'Z11' }, { unpublish: 'Z10' }, { unpublish: 'Z11' }] },
  ],
  duration: 160,
  expectedFindings: [],
};
