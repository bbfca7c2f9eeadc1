import type { Scenario } from '../scenario/types.js';

// Mistake: Z11 signs 5 s after it is published, Ipub = Dprp + TTLkey = 100. A resolver that fetched
// the DNSKEY RRset before 25 (every resolver polling since the start: its cache is cold at 0) holds
// {K1, Z10} until at least 90 (TTLkey 90 less one real second of Unbound's clock at speed 10), while
// its SOA (TTL 20) is refetched, now signed by Z11 only, by 30 + 20 + poll: SERVFAIL in [30, 125].
export const brokenZskEarlyActivation: Scenario = {
  name: 'broken-zsk-early-activation',
  kind: 'broken',
  procedure: 'zsk-pre-publish',
  description: 'ZSK pre-publish rollover in which Z11 replaces Z10 as the signer 5 lab seconds after entering the DNSKEY RRset, long before the DNSKEY TTL (90) has passed: resolvers still holding the old DNSKEY RRset cannot validate the new signatures.',
  references: ['RFC 7583 §3.2.1', 'RFC 6781 §4.1.1.1'],
  label: 'bad-zsk-early',
  ttl: { dnskey: 90, zone: 20, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
    { id: 'Z11', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 25, note: 'new DNSKEY', do: [{ publish: 'Z11' }] },
    { at: 30, note: 'new RRSIGs after 5 s (Ipub is 100)', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] },
    { at: 150, note: 'DNSKEY removal (120 >= Iret 35)', do: [{ unpublish: 'Z10' }] },
  ],
  duration: 200,
  expectedFindings: [{ code: 'KEY_ACTIVATED_BEFORE_PREPUBLISH', keys: ['Z11'], from: 30, to: 125 }],
  expectedValidationFailure: { from: 30, to: 125 },
};
