import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.4 (liberal: step 2 skipped, new keys and signatures together). DS after IpubC (70);
// old keys and signatures out together after IpubP (50) past the DS change and IretDoubleSignature (75).
export const algorithmRolloverLiberal8to13: Scenario = {
  name: 'algorithm-rollover-liberal-8-13',
  kind: 'conformant',
  procedure: 'algorithm-rollover-liberal',
  description: 'Liberal algorithm rollover 8 -> 13: the new algorithm\'s keys and signatures appear together, the DS follows after IpubC, and the old keys leave together with their signatures.',
  references: ['RFC 6781 §4.1.4', 'RFC 7583 §3'],
  label: 'alg-l-8-13',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K8', role: 'KSK', algorithm: 8, bits: 1024 },
    { id: 'Z8', role: 'ZSK', algorithm: 8, bits: 1024 },
    { id: 'K13', role: 'KSK', algorithm: 13 },
    { id: 'Z13', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K8', 'Z8'], signing: [{ key: 'K8' }, { key: 'Z8' }], ds: ['K8'] },
  steps: [
    { at: 20, note: 'new DNSKEYs and new RRSIGs (algorithm 13)', do: [{ publish: 'K13' }, { publish: 'Z13' }, { sign: 'K13' }, { sign: 'Z13' }] },
    { at: 95, note: 'DS change submitted (75 >= IpubC 70); the parent swaps it at 115', do: [{ dsAdd: 'K13' }, { dsRemove: 'K8' }] },
    { at: 175, note: 'old DNSKEYs and RRSIGs removed (60 after the DS change >= IpubP 50)', do: [{ unsign: 'K8' }, { unsign: 'Z8' }, { unpublish: 'K8' }, { unpublish: 'Z8' }] },
  ],
  duration: 220,
  expectedFindings: [],
};
