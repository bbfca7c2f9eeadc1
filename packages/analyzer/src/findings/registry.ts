// The findings registry (STYLE.md §4, dnsviz analysis/errors.py): every finding the analyzer reports is
// an entry here — stable code, severity, message template, its parameters and RFC references — with a
// row in docs/findings.md (registry.test.ts checks both ways). The first eight codes are the ones the
// lab's ground truth names (packages/lab/src/truth/README.md).

import type { Finding, Severity } from '../types.js';

export interface FindingSpec {
  severity: Severity;
  /** Message template: `{name}` is replaced by params[name]. */
  message: string;
  /** Every parameter the template and the finding's params carry. */
  params: readonly string[];
  references: readonly string[];
}

export const FINDINGS = {
  KEY_ACTIVATED_BEFORE_PREPUBLISH: {
    severity: 'error',
    message: 'key {keys} signed zone data {wait_ms} ms after a DNSKEY RRset without it was still served; resolvers may hold that RRset for Ipub = Dprp + TTLkey = {minimum_ms} ms',
    params: ['keys', 'wait_ms', 'minimum_ms', 'server'],
    references: ['RFC 7583 §3.2.1', 'RFC 6781 §4.1.1.1'],
  },
  KEY_REMOVED_WHILE_SIGNATURES_CACHED: {
    severity: 'error',
    message: 'key {keys} left the DNSKEY RRset {wait_ms} ms after its last signatures were served; they may be cached for Iret = {minimum_ms} ms',
    params: ['keys', 'wait_ms', 'minimum_ms', 'server'],
    references: ['RFC 7583 §3.2.1', 'RFC 7583 §3.2.2'],
  },
  DS_CHANGED_BEFORE_KEY_PROPAGATED: {
    severity: 'error',
    message: 'the parent DS RRset ({keys}) matches no key that signs a DNSKEY RRset resolvers may hold ({wait_ms} ms apart; IpubC = DprpC + TTLkey = {minimum_ms} ms)',
    params: ['keys', 'wait_ms', 'minimum_ms', 'server'],
    references: ['RFC 7583 §3.3.1', 'RFC 6781 §4.1.2'],
  },
  KSK_REMOVED_WHILE_DS_CACHED: {
    severity: 'error',
    message: 'the DNSKEY RRset stopped being signed by {keys} while a DS RRset naming only them may still be cached ({wait_ms} ms apart; DprpP + TTLds = {minimum_ms} ms)',
    params: ['keys', 'wait_ms', 'minimum_ms', 'server'],
    references: ['RFC 7583 §3.3.1', 'RFC 7583 §3.3.2'],
  },
  RRSIG_BY_ABSENT_KEY_WITHOUT_COVER: {
    severity: 'error',
    message: '{rrtype} is signed only by {keys}, none of which is in the DNSKEY RRset served with it, and no other signature covers it',
    params: ['keys', 'rrtype', 'server'],
    references: ['RFC 4035 §5.3.1', 'RFC 6781 §4.1.4'],
  },
  RRSIG_EXPIRED: {
    severity: 'error',
    message: '{rrtype} was served with an RRSIG by {keys} past its expiration ({expiration})',
    params: ['keys', 'rrtype', 'expiration'],
    references: ['RFC 4034 §3.1.5', 'RFC 4035 §5.3.1'],
  },
  RRSIG_EXPIRING: {
    severity: 'warning',
    message: '{rrtype} was served with an RRSIG by {keys} that expires at {expiration}, in less than its TTL or a tenth of its validity period',
    params: ['keys', 'rrtype', 'expiration'],
    references: ['RFC 4034 §3.1.5', 'RFC 6781 §4.4.2'],
  },
  SIGNATURE_INVALID: {
    severity: 'error',
    message: 'an RRSIG over {rrtype} by algorithm {algorithm} key tag {key_tag} does not verify with the observed key(s) {keys}: {reason}',
    params: ['keys', 'rrtype', 'algorithm', 'key_tag', 'reason', 'count'],
    references: ['RFC 4035 §5.3', 'RFC 4034 §3.1.8.1'],
  },
  DS_MATCHES_NO_DNSKEY: {
    severity: 'warning',
    message: 'the parent DS record {ds} matches no key ever seen in the DNSKEY RRset',
    params: ['ds'],
    references: ['RFC 4034 §5.1.4', 'RFC 4035 §5.2'],
  },
  MULTI_SIGNER_ZSK_MISSING: {
    severity: 'error',
    message: 'the DNSKEY RRset of {server} lacks {keys}, the ZSK(s) another serving provider signs with',
    params: ['keys', 'server'],
    references: ['RFC 8901 §2.1.2', 'RFC 8901 §8'],
  },
  CDS_UNVERIFIABLE_AT_PROVIDER: {
    severity: 'warning',
    message: 'the CDS/CDNSKEY RRsets of {server} are signed only by {keys}, which another serving provider\'s DNSKEY RRset lacks: a validator holding that RRset finds them bogus (sign them with a ZSK every provider publishes as well)',
    params: ['keys', 'server'],
    references: ['RFC 8901 §2.1.2', 'RFC 7344 §4.1'],
  },
  HANDOFF_WENT_INSECURE: {
    severity: 'error',
    message: 'the zone lost its chain of trust: {detail}',
    params: ['keys', 'detail', 'server'],
    references: ['RFC 8901 §9', 'RFC 4035 §5.2'],
  },
  VALIDATION_FAILURE_OBSERVED: {
    severity: 'error',
    message: '{count} answers from {vantage_count} vantage point(s) were SERVFAIL (EDE {ede})',
    params: ['count', 'vantage_count', 'ede', 'rrtype'],
    references: ['RFC 4035 §5.5', 'RFC 8914 §4'],
  },
} as const satisfies Record<string, FindingSpec>;

export type FindingCode = keyof typeof FINDINGS;

function fill(template: string, params: Record<string, string | number | boolean | null>): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const v = params[name];
    return v === undefined || v === null ? '-' : String(v);
  });
}

export interface FindingInput {
  at: number;
  until: number | null;
  keys: readonly string[];
  vantages?: readonly string[];
  params: Record<string, string | number | boolean | null>;
  transition?: string | null;
}

/** A finding of the registry, its message filled in from its params. */
export function makeFinding(code: FindingCode, f: FindingInput): Finding {
  const spec: FindingSpec = FINDINGS[code];
  const given: Record<string, string | number | boolean | null> = { keys: [...f.keys].join(' '), ...f.params };
  const params: Record<string, string | number | boolean | null> = {};
  for (const p of spec.params) params[p] = given[p] ?? null;
  return {
    code, severity: spec.severity, at_ms: f.at, until_ms: f.until, keys: [...f.keys].sort(), vantages: [...(f.vantages ?? [])].sort(),
    refs: [...spec.references], message: fill(spec.message, params), params, transition: f.transition ?? null,
  };
}
