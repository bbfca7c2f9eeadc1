import type { Scenario } from '../scenario/types.js';

// Mistake: Z10 leaves the DNSKEY RRset 5 s after its last signature, Iret = Dsgn + Dprp + TTLsig = 105.
// SOA RRsets signed by Z10 (TTL 90) stay in caches until 150 while the DNSKEY RRset (TTL 20) is
// refetched without Z10 from 50 on: a validator that checks cached data against the DNSKEY RRset it
// holds now (a validating stub behind a cache) fails in [50, 150]. Unbound validates data only when
// it enters its cache, so a lone Unbound does not show this mistake (see truth/README.md).
export const brokenZskRemovedEarly: Scenario = {
  name: 'broken-zsk-removed-early',
  kind: 'broken',
  procedure: 'zsk-pre-publish',
  description: 'ZSK pre-publish rollover in which Z10 is removed from the DNSKEY RRset 5 lab seconds after Z11 took over the signing, while RRsets signed by Z10 (TTL 90) can still be cached: validators holding them with the new DNSKEY RRset fail.',
  references: ['RFC 7583 §3.2.1', 'RFC 6781 §4.1.1.1'],
  label: 'bad-zsk-removed',
  ttl: { dnskey: 20, zone: 90, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
    { id: 'Z11', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 10, note: 'new DNSKEY', do: [{ publish: 'Z11' }] },
    { at: 45, note: 'new RRSIGs (35 >= Ipub 30)', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] },
    { at: 50, note: 'DNSKEY removal after 5 s (Iret is 105)', do: [{ unpublish: 'Z10' }] },
  ],
  duration: 200,
  expectedFindings: [{ code: 'KEY_REMOVED_WHILE_SIGNATURES_CACHED', keys: ['Z10'], from: 50, to: 150 }],
  expectedValidationFailure: { from: 50, to: 150 },
};
