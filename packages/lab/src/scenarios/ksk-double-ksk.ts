import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.2 double-KSK; RFC 7583 §3.3.1: DS submitted after IpubC = DprpC + TTLkey (70);
// K1 removed after the DS change + DprpP + TTLds (50).
export const kskDoubleKsk: Scenario = {
  name: 'ksk-double-ksk',
  kind: 'conformant',
  procedure: 'ksk-double-ksk',
  description: 'KSK rollover by double KSK: K2 joins and signs the DNSKEY RRset beside K1; after IpubC the DS swaps DS_K1 -> DS_K2 (registration delay 20); K1 leaves after DprpP + TTLds.',
  references: ['RFC 6781 §4.1.2', 'RFC 7583 §3.3.1'],
  label: 'ksk-dk',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'K2', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY, DNSKEY RRset signed by K1 and K2', do: [{ publish: 'K2' }, { sign: 'K2' }] },
    { at: 95, note: 'DS change submitted (75 >= IpubC 70); the parent swaps it at 115', do: [{ dsAdd: 'K2' }, { dsRemove: 'K1' }] },
    { at: 175, note: 'DNSKEY removal (60 after the DS change >= IretP 50)', do: [{ unsign: 'K1' }, { unpublish: 'K1' }] },
  ],
  duration: 220,
  expectedFindings: [],
};
