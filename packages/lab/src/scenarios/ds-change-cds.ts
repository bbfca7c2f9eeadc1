import type { Scenario } from '../scenario/types.js';

// A double-KSK rollover whose DS change is driven by CDS/CDNSKEY (RFC 7344, RFC 8078) and a parent
// scanning every 30 lab seconds: CDS after IpubC (70); K1 out after IretP (50) past the DS change.
export const dsChangeCds: Scenario = {
  name: 'ds-change-cds',
  kind: 'conformant',
  procedure: 'ds-change-cds',
  description: 'KSK rollover by double KSK in which the child publishes CDS/CDNSKEY for K2 and a scanning parent replaces the DS; K1 leaves, and the CDS is withdrawn, after the new DS has propagated.',
  references: ['RFC 7344 §4', 'RFC 8078 §3', 'RFC 7583 §3.3.1'],
  label: 'ds-cds',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'cds-scan', interval: 30 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'K2', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY, DNSKEY RRset signed by K1 and K2', do: [{ publish: 'K2' }, { sign: 'K2' }] },
    { at: 95, note: 'CDS/CDNSKEY for K2 (75 >= IpubC 70); the parent scan at 120 sets DS_K2', do: [{ cds: ['K2'] }] },
    { at: 175, note: 'K1 removed (55 after the DS change >= IretP 50), CDS withdrawn', do: [{ unsign: 'K1' }, { unpublish: 'K1' }, { cds: [] }] },
  ],
  duration: 220,
  expectedFindings: [],
};
