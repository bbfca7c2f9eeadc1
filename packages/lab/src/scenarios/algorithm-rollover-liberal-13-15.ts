import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.4 (liberal: step 2 skipped, new keys and signatures together). DS after IpubC (70);
// old keys and signatures out together after IpubP (50) past the DS change and IretDoubleSignature (75).
export const algorithmRolloverLiberal13to15: Scenario = {
  name: 'algorithm-rollover-liberal-13-15',
  kind: 'conformant',
  procedure: 'algorithm-rollover-liberal',
  description: 'Liberal algorithm rollover 13 -> 15: the new algorithm\'s keys and signatures appear together, the DS follows after IpubC, and the old keys leave together with their signatures.',
  references: ['RFC 6781 §4.1.4', 'RFC 7583 §3'],
  label: 'alg-l-13-15',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K13', role: 'KSK', algorithm: 13 },
    { id: 'Z13', role: 'ZSK', algorithm: 13 },
    { id: 'K15', role: 'KSK', algorithm: 15 },
    { id: 'Z15', role: 'ZSK', algorithm: 15 },
  ],
  initial: { published: ['K13', 'Z13'], signing: [{ key: 'K13' }, { key: 'Z13' }], ds: ['K13'] },
  steps: [
    { at: 20, note: 'new DNSKEYs and new RRSIGs (algorithm 15)', do: [{ publish: 'K15' }, { publish: 'Z15' }, { sign: 'K15' }, { sign: 'Z15' }] },
    { at: 95, note: 'DS change submitted (75 >= IpubC 70); the parent swaps it at 115', do: [{ dsAdd: 'K15' }, { dsRemove: 'K13' }] },
    { at: 175, note: 'old DNSKEYs and RRSIGs removed (60 after the DS change >= IpubP 50)', do: [{ unsign: 'K13' }, { unsign: 'Z13' }, { unpublish: 'K13' }, { unpublish: 'Z13' }] },
  ],
  duration: 220,
  expectedFindings: [],
};
