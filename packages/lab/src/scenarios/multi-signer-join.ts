import type { Scenario } from '../scenario/types.js';

// RFC 8901 §8 and draft-ietf-dnsop-dnssec-automation (join): exchange ZSKs, wait IpubC (70), publish
// the combined CDS at every provider, the scanning parent sets DS; wait IpubP (50); add B's NS by CSYNC.
export const multiSignerJoin: Scenario = {
  name: 'multi-signer-join',
  kind: 'conformant',
  procedure: 'multi-signer-join',
  description: 'Provider B joins a zone signed by A (multi-signer model 2): B gets its own KSK and ZSK and the ZSKs are exchanged; after IpubC both publish CDS for KA and KB and the scanning parent adds DS_KB; after IpubP the NS set grows to both providers by CSYNC.',
  references: ['RFC 8901 §8', 'RFC 7344 §4', 'RFC 7477 §3', 'RFC 7583 §3.3.1'],
  label: 'ms-join',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'cds-scan', interval: 30 },
  providers: [{ id: 'A' }, { id: 'B' }],
  keys: [
    { id: 'KA', role: 'KSK', algorithm: 13, provider: 'A' },
    { id: 'ZA', role: 'ZSK', algorithm: 13, provider: 'A' },
    { id: 'KB', role: 'KSK', algorithm: 13, provider: 'B' },
    { id: 'ZB', role: 'ZSK', algorithm: 13, provider: 'B' },
  ],
  initial: { published: ['KA', 'ZA'], signing: [{ key: 'KA' }, { key: 'ZA' }], ds: ['KA'], ns: ['A'] },
  steps: [
    { at: 0, note: 'B is not serving the zone yet', do: [{ unpublish: 'KA', provider: 'B' }, { unpublish: 'ZA', provider: 'B' }] },
    {
      at: 20,
      note: 'B signs with KB/ZB; ZSKs exchanged (A: KA ZA ZB; B: KB ZB ZA)',
      do: [{ publish: 'KB', provider: 'B' }, { publish: 'ZB' }, { publish: 'ZA', provider: 'B' }, { sign: 'KB' }, { sign: 'ZB' }],
    },
    { at: 95, note: 'combined CDS/CDNSKEY at every provider (75 >= IpubC 70); parent scan at 120', do: [{ cds: ['KA', 'KB'] }] },
    { at: 175, note: 'NS += B with CSYNC (55 after the DS change >= IpubP 50); parent scan at 180', do: [{ nsSet: ['A', 'B'], csync: true }] },
  ],
  duration: 230,
  expectedFindings: [],
};
