import type { Scenario } from '../scenario/types.js';

// RFC 7477: the child publishes CSYNC (SOA serial, immediate flag, NS bit) and the scanning parent
// copies the NS RRset. Both server sets hold the same keys (a second operator of the same signer).
export const nsChangeCsync: Scenario = {
  name: 'ns-change-csync',
  kind: 'conformant',
  procedure: 'ns-change-csync',
  description: 'The zone adds the name servers of a second server set (same keys) to its apex NS RRset with a CSYNC record; the parent, scanning every 30 lab seconds, copies the NS set; later the first set leaves the same way.',
  references: ['RFC 7477 §2', 'RFC 7477 §3'],
  label: 'ns-csync',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'cds-scan', interval: 30 },
  providers: [{ id: 'A' }, { id: 'B' }],
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'], ns: ['A'] },
  steps: [
    { at: 20, note: 'NS += B with CSYNC; parent scan at 30', do: [{ nsSet: ['A', 'B'], csync: true }] },
    { at: 100, note: 'NS -= A with CSYNC; parent scan at 120', do: [{ nsSet: ['B'], csync: true }] },
  ],
  duration: 180,
  expectedFindings: [],
};
