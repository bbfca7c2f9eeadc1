import type { Scenario } from '../scenario/types.js';

// RFC 8901 §8 (leave, the join reversed, NS before keys): B's NS removed by CSYNC; once its NS and
// data have expired from caches, the CDS drops KB and the parent DS follows; B's ZSK leaves A's
// DNSKEY RRset after IpubP past the DS change.
export const multiSignerLeave: Scenario = {
  name: 'multi-signer-leave',
  kind: 'conformant',
  procedure: 'multi-signer-leave',
  description: 'Provider B leaves a multi-signer model 2 zone: the NS set shrinks to A by CSYNC; after B\'s NS and signatures have expired from caches, the CDS names only KA and the scanning parent drops DS_KB; then A removes ZB from its DNSKEY RRset.',
  references: ['RFC 8901 §8', 'RFC 7344 §4', 'RFC 7477 §3', 'RFC 7583 §3.3.2'],
  label: 'ms-leave',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'cds-scan', interval: 30 },
  providers: [{ id: 'A' }, { id: 'B' }],
  keys: [
    { id: 'KA', role: 'KSK', algorithm: 13, provider: 'A' },
    { id: 'ZA', role: 'ZSK', algorithm: 13, provider: 'A' },
    { id: 'KB', role: 'KSK', algorithm: 13, provider: 'B' },
    { id: 'ZB', role: 'ZSK', algorithm: 13, provider: 'B' },
  ],
  initial: {
    published: ['KA', 'ZA', 'KB', 'ZB'],
    signing: [{ key: 'KA' }, { key: 'ZA' }, { key: 'KB' }, { key: 'ZB' }],
    ds: ['KA', 'KB'],
    ns: ['A', 'B'],
  },
  steps: [
    { at: 0, note: 'model 2 steady state', do: [{ unpublish: 'KB', provider: 'A' }, { unpublish: 'KA', provider: 'B' }, { cds: ['KA', 'KB'] }] },
    { at: 20, note: 'NS -= B with CSYNC; parent scan at 30', do: [{ nsSet: ['A'], csync: true }] },
    { at: 130, note: 'CDS names KA only (B\'s NS and DNSKEY RRset out of every cache by 140); parent scan at 150', do: [{ cds: ['KA'] }] },
    { at: 210, note: 'ZB leaves A\'s DNSKEY RRset (60 after the DS change >= IpubP 50); CDS withdrawn', do: [{ unpublish: 'ZB', provider: 'A' }, { cds: [] }] },
  ],
  duration: 250,
  expectedFindings: [],
};
