import type { Scenario } from '../scenario/types.js';

// Like multi-signer-join, but B never imports ZA: from 175 (B in the NS set) a resolver that holds
// B's DNSKEY RRset {KB, ZB} and fetches data from A (signed by ZA only) cannot validate it.
export const brokenMultiSignerZskMissing: Scenario = {
  name: 'broken-multi-signer-zsk-missing',
  kind: 'broken',
  procedure: 'multi-signer-join',
  description: 'Provider B joins a multi-signer model 2 zone but its DNSKEY RRset lacks A\'s ZSK: data served by A cannot be validated with the DNSKEY RRset served by B once both are in the NS set.',
  references: ['RFC 8901 §2.1.2', 'RFC 8901 §8'],
  label: 'bad-ms-zsk',
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
      note: 'B signs with KB/ZB; A imports ZB but B does not import ZA',
      do: [{ publish: 'KB', provider: 'B' }, { publish: 'ZB' }, { sign: 'KB' }, { sign: 'ZB' }],
    },
    { at: 95, note: 'combined CDS/CDNSKEY at every provider; parent scan at 120', do: [{ cds: ['KA', 'KB'] }] },
    { at: 175, note: 'NS += B with CSYNC; parent scan at 180', do: [{ nsSet: ['A', 'B'], csync: true }] },
  ],
  // long enough for a resolver that cached the DNSKEY RRset before 175 to fetch B's (TTLkey + Dprp)
  // and meet A's data: the failure is certain from then on
  duration: 320,
  expectedFindings: [{ code: 'MULTI_SIGNER_ZSK_MISSING', keys: ['ZA'], from: 175, to: 320 }],
  expectedValidationFailure: { from: 175, to: 320 },
};
