import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.4 (conservative, the six steps of RFC-NOTES.md). New RRSIGs first (Z15 and K15
// unpublished, algorithm 13 covers every RRset); keys after Dsgn + Dprp + TTLsig (45); DS after
// IpubC (70); old keys out after IpubP (50) past the DS change; old RRSIGs out after Dprp + TTLkey (70).
export const algorithmRolloverConservative13to15: Scenario = {
  name: 'algorithm-rollover-conservative-13-15',
  kind: 'conformant',
  procedure: 'algorithm-rollover-conservative',
  description: 'Conservative algorithm rollover 13 -> 15: signatures by the new algorithm first, then its keys, then the DS, then the old keys, and last the old signatures; every RRset stays signed by an algorithm whose key is in every DNSKEY RRset a resolver may hold.',
  references: ['RFC 6781 §4.1.4', 'RFC 7583 §3', 'RFC 4035 §2.2'],
  label: 'alg-c-13-15',
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
    { at: 20, note: 'step 2: new RRSIGs (algorithm 15; its keys not yet published)', do: [{ sign: 'K15' }, { sign: 'Z15' }] },
    { at: 70, note: 'step 3: new DNSKEYs (50 >= Dsgn + Dprp + TTLsig 45)', do: [{ publish: 'K15' }, { publish: 'Z15' }] },
    { at: 145, note: 'step 4: DS change submitted (75 >= IpubC 70); the parent swaps it at 165', do: [{ dsAdd: 'K15' }, { dsRemove: 'K13' }] },
    { at: 220, note: 'step 5: old DNSKEYs removed (55 after the DS change >= IpubP 50)', do: [{ unpublish: 'K13' }, { unpublish: 'Z13' }] },
    { at: 295, note: 'step 6: old RRSIGs removed (75 >= Dprp + TTLkey 70)', do: [{ unsign: 'K13' }, { unsign: 'Z13' }] },
  ],
  duration: 340,
  expectedFindings: [],
};
