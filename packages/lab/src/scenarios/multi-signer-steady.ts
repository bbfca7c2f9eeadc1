import type { Scenario } from '../scenario/types.js';

// RFC 8901 §2.1.2 model 2: A serves {KA, ZA, ZB} signed by KA, B serves {KB, ZB, ZA} signed by KB;
// data from A is signed by ZA only, from B by ZB only; DS = {DS_KA, DS_KB}.
export const multiSignerSteady: Scenario = {
  name: 'multi-signer-steady',
  kind: 'conformant',
  procedure: 'multi-signer-steady',
  description: 'Multi-signer model 2 in steady state: two providers with their own KSK and ZSK, each importing the other\'s ZSK; resolvers see the DNSKEY RRset alternate between the two variants, which is not a transition.',
  references: ['RFC 8901 §2.1.2', 'RFC 8901 §8'],
  label: 'ms-steady',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
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
    { at: 0, note: 'each provider publishes its own KSK and both ZSKs', do: [{ unpublish: 'KB', provider: 'A' }, { unpublish: 'KA', provider: 'B' }] },
  ],
  duration: 150,
  expectedFindings: [],
};
