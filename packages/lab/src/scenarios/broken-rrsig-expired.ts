import type { Scenario } from '../scenario/types.js';

// Signatures valid 120 lab seconds, refreshed at half-life; the signer dies at 30: the signatures
// then current expire between 90 and 150. Resolvers cap TTLs at signature expiration, so a poll
// after 150 (+ poll + one real second) fetches expired RRSIGs: SERVFAIL certain in [90, 170].
export const brokenRrsigExpired: Scenario = {
  name: 'broken-rrsig-expired',
  kind: 'broken',
  procedure: 'unknown',
  description: 'The signer stops re-signing at 30 (signature validity 120): the RRSIGs run out between 90 and 150 and nothing replaces them; the zone is bogus from then on.',
  references: ['RFC 4034 §3.1.5', 'RFC 4035 §5.3.1', 'RFC 6781 §4.4.2'],
  label: 'bad-expired',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  signatureValidity: 120,
  steps: [{ at: 30, note: 'the signer stops: no re-signing', do: [{ stopResigning: true }] }],
  duration: 220,
  expectedFindings: [{ code: 'RRSIG_EXPIRED', keys: ['K1', 'Z10'], from: 90, to: 170 }],
  expectedValidationFailure: { from: 90, to: 170 },
};
