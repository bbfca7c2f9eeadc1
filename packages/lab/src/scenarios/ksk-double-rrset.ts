import type { Scenario } from '../scenario/types.js';

// RFC 6781 §4.1.2 double-RRset; RFC 7583 §3.3.3: K2 and DS_K2 together; the old ones go after
// max(IpubC after the new DNSKEY (70), IpubP after the new DS (50)).
export const kskDoubleRrset: Scenario = {
  name: 'ksk-double-rrset',
  kind: 'conformant',
  procedure: 'ksk-double-rrset',
  description: 'KSK rollover by double RRset: K2 (signing the DNSKEY RRset) and DS_K2 are added together; once both have propagated, K1 and DS_K1 are removed together.',
  references: ['RFC 6781 §4.1.2', 'RFC 7583 §3.3.3'],
  label: 'ksk-drr',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'K2', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY and new DS (at the parent from 40)', do: [{ publish: 'K2' }, { sign: 'K2' }, { dsAdd: 'K2' }] },
    { at: 95, note: 'old DNSKEY and old DS removed (75 >= IpubC 70; 55 after the new DS >= IpubP 50)', do: [{ unsign: 'K1' }, { unpublish: 'K1' }, { dsRemove: 'K1' }] },
  ],
  duration: 160,
  expectedFindings: [],
};
