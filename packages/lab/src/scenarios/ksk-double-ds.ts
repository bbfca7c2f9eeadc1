import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.2 double-DS; RFC 7583 §3.3.2: DS_K2 published at the parent at 40; the DNSKEY RRset
// swaps K1 -> K2 after IpubP = DprpP + TTLds (50); DS_K1 goes after IretC = DprpC + TTLkey (70).
export const kskDoubleDs: Scenario = {
  name: 'ksk-double-ds',
  kind: 'conformant',
  procedure: 'ksk-double-ds',
  description: 'KSK rollover by double DS: DS_K2 is added beside DS_K1; once it has propagated the DNSKEY RRset swaps K1 for K2 in one step; DS_K1 is removed once the new DNSKEY RRset has propagated.',
  references: ['RFC 6781 §4.1.2', 'RFC 7583 §3.3.2'],
  label: 'ksk-dds',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'K2', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DS submitted (at the parent from 40)', do: [{ dsAdd: 'K2' }] },
    { at: 95, note: 'DNSKEY swap K1 -> K2 (55 after the new DS >= IpubP 50)', do: [{ publish: 'K2' }, { sign: 'K2' }, { unsign: 'K1' }, { unpublish: 'K1' }] },
    { at: 150, note: 'old DS removal submitted (gone at 170: 75 after the swap >= IretC 70)', do: [{ dsRemove: 'K1' }] },
  ],
  duration: 230,
  expectedFindings: [],
};
