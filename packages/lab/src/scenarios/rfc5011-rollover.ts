import type { Scenario } from '../scenario/types.js';

// RFC 5011 §2.4.1 hold-downs (30 days) scaled to the lab: add hold-down 120, remove hold-down 60 lab
// seconds. The parent's DS follows (double DS) so that the chain from the lab TLD stays intact too.
export const rfc5011Rollover: Scenario = {
  name: 'rfc5011-rollover',
  kind: 'conformant',
  procedure: 'rfc5011-rollover',
  description: 'RFC 5011 trust-anchor rollover: K2 is published, signed by K1, for the add hold-down (DS_K2 added too); K2 takes over the DNSKEY signature; DS_K1 is withdrawn once the K2-signed DNSKEY RRset has propagated; K1 is re-published with the REVOKE bit, self-signed, and removed after the remove hold-down.',
  references: ['RFC 5011 §2.1', 'RFC 5011 §2.4.1', 'RFC 5011 §6.6', 'RFC 7583 §3.3.2'],
  label: 'rfc5011',
  ttl: { dnskey: 60, zone: 30, ds: 40 },
  parent: { mode: 'registration', delay: 20 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 13 },
    { id: 'K2', role: 'KSK', algorithm: 13 },
    { id: 'Z10', role: 'ZSK', algorithm: 13 },
  ],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new SEP key published (signed by K1), DS_K2 submitted: add hold-down starts', do: [{ publish: 'K2' }, { dsAdd: 'K2' }] },
    { at: 140, note: 'add hold-down (120) over: K2 signs the DNSKEY RRset, K1 stops', do: [{ sign: 'K2' }, { unsign: 'K1' }] },
    { at: 195, note: 'DS_K1 withdrawal submitted (gone at 215: 75 after the signer switch >= IpubC 70)', do: [{ dsRemove: 'K1' }] },
    { at: 270, note: 'K1 revoked (REVOKE bit, self-signed), 55 after DS_K1 left (>= IpubP 50)', do: [{ revoke: 'K1' }] },
    { at: 330, note: 'remove hold-down (60) over: K1 removed', do: [{ unsign: 'K1' }, { unpublish: 'K1' }] },
  ],
  duration: 370,
  expectedFindings: [],
};
