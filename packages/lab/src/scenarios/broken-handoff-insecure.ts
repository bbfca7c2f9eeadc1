import type { Scenario } from '../scenario/types.js';

// An operator handoff A -> B through an unsigned B: the NS change and the DS removal are submitted
// together (parent at 50). B serves the zone unsigned; resolvers still holding DS_KA (TTL 180: DS
// TTLs at a TLD are long) and asking B after their NS expired (by 50 + 40 + poll) fail; once DS_KA
// has left every cache (by 240) the zone is insecure. Failures can start at 30 already: from then the
// child's own NS RRset names B, and a resolver that reaches the zone through the child's servers rather
// than the parent's delegation (a stub zone, as the split-anycast vantage point; or one that refreshed the
// child's NS, which ranks above the parent's referral, RFC 2181 §5.4.1) asks B while it holds DS_KA.
export const brokenHandoffInsecure: Scenario = {
  name: 'broken-handoff-insecure',
  kind: 'broken',
  procedure: 'operator-handoff',
  description: 'The zone moves from provider A (signed) to provider B, which serves it unsigned; NS change and DS removal reach the parent together, so resolvers with the DS still cached see an unsigned zone (bogus), and after that the zone stays insecure.',
  references: ['RFC 8901 §9', 'RFC 4035 §5.2', 'RFC 7583 §3.3'],
  label: 'bad-handoff',
  ttl: { dnskey: 60, zone: 30, ds: 180 },
  parent: { mode: 'registration', delay: 20 },
  providers: [{ id: 'A' }, { id: 'B' }],
  keys: [
    { id: 'KA', role: 'KSK', algorithm: 13, provider: 'A' },
    { id: 'ZA', role: 'ZSK', algorithm: 13, provider: 'A' },
  ],
  initial: { published: ['KA', 'ZA'], signing: [{ key: 'KA' }, { key: 'ZA' }], ds: ['KA'], ns: ['A'] },
  steps: [
    { at: 0, note: 'B serves the zone unsigned', do: [{ unpublish: 'KA', provider: 'B' }, { unpublish: 'ZA', provider: 'B' }] },
    { at: 30, note: 'NS -> B and DS removal submitted together (parent at 50)', do: [{ nsSet: ['B'] }, { dsRemove: 'KA' }] },
  ],
  duration: 260,
  expectedFindings: [{ code: 'HANDOFF_WENT_INSECURE', keys: ['KA'], from: 30, to: 260 }],
  expectedValidationFailure: { from: 30, to: 230 },
};
