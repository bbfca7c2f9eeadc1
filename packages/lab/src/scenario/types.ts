// The lab's scenario format: a declarative key timeline for one or more zones, with the ground truth
// an observatory must find in it (ARCHITECTURE.md §4 and §6, RFC-NOTES.md).
//
// Time: every time and duration here is in LAB SECONDS from the scenario start. The lab runs them on a
// sped-up clock: at speed X one lab second lasts 1/X real seconds, and every TTL, wait and signature
// validity period is divided by X when served (TTLs rounded, never below 1 s). Scenarios are written with
// realistic-looking but short values (TTLs of tens of lab seconds) so that speed 1 already finishes in
// minutes and tests may run faster.

/** Key roles, by what the key does (RFC-NOTES.md "Keys"). */
export type KeyRole = 'KSK' | 'ZSK' | 'CSK';

/** RFC 8624 algorithms the lab signs with. */
export type LabAlgorithm = 8 | 10 | 13 | 14 | 15 | 16;

export interface KeySpec {
  /** Scenario-local name, e.g. 'K1', 'Z10', 'KA' (RFC-NOTES.md notation). */
  id: string;
  role: KeyRole;
  algorithm: LabAlgorithm;
  /** RSA modulus bits (algorithms 8/10 only; default 2048; 1024 allowed to keep tests fast). */
  bits?: number;
  /** Multi-signer: the provider (server set) that holds this key's private part. Default: the only provider. */
  provider?: string;
}

/** Which RRsets a key's signatures cover. 'dnskey' = the apex DNSKEY (and CDS/CDNSKEY) RRsets;
 *  'zone' = every other RRset of the zone (SOA, NS, NSEC, A, CSYNC...); 'all' = both (CSK). */
export type SignScope = 'dnskey' | 'zone' | 'all';

/** One thing that happens at a step. Exactly one key of each object is the verb. */
export type Action =
  /** The key enters the apex DNSKEY RRset (at every provider, unless `provider` names one). */
  | { publish: string; provider?: string }
  /** The key leaves the apex DNSKEY RRset. */
  | { unpublish: string; provider?: string }
  /** The key starts signing `scope` (default: by role: KSK 'dnskey', ZSK 'zone', CSK 'all'). */
  | { sign: string; scope?: SignScope; provider?: string }
  /** The key stops signing (all scopes, or `scope`). */
  | { unsign: string; scope?: SignScope; provider?: string }
  /** RFC 5011: the key is published with the REVOKE bit (flags | 0x0080; its key tag changes) and
   *  signs the DNSKEY RRset itself. */
  | { revoke: string }
  /** The child submits a DS for this key to the parent (the parent publishes it after its
   *  registration delay, see ParentSpec). */
  | { dsAdd: string; digestType?: 1 | 2 | 4 }
  /** The child asks the parent to remove the DS of this key (same delay). */
  | { dsRemove: string }
  /** The child publishes CDS + CDNSKEY for exactly these keys (empty list = withdraw CDS/CDNSKEY),
   *  at every provider, or only at `provider` (multi-signer: providers that disagree, RFC 8901 §8). */
  | { cds: string[]; provider?: string }
  /** The child publishes the CDS/CDNSKEY delete request ("0 3 0 0", RFC 8078 §4) (at `provider` only if given). */
  | { cdsDelete: true; provider?: string }
  /** The zone's NS set becomes these provider ids' name servers; with csync: true a CSYNC record asks
   *  the parent to copy it (RFC 7477), else the parent changes NS after its registration delay. */
  | { nsSet: string[]; csync?: boolean }
  /** Faults: signing stops entirely (no re-signing); existing RRSIGs run to their expiration. */
  | { stopResigning: true }
  /** Faults: RRSIGs from now on have expiration = now + this many lab seconds. */
  | { signatureValidity: number };

export interface Step {
  /** Lab seconds since the scenario start (steps are sorted by `at`). */
  at: number;
  /** Human note: which RFC step this is ("new DNSKEY", "new RRSIGs", "removal" ...). */
  note: string;
  do: Action[];
}

/** How the parent zone changes the child's DS RRset. */
export type ParentSpec =
  /** DS changes `delay` lab seconds after the child's dsAdd/dsRemove (registrar + registry). */
  | { mode: 'registration'; delay: number }
  /** The parent scans the child's CDS/CDNSKEY every `interval` lab seconds (all providers must agree,
   *  RFC 7344 / RFC 8078) and sets DS to match; dsAdd/dsRemove are not used. */
  | { mode: 'cds-scan'; interval: number };

export interface ProviderSpec {
  /** 'A', 'B' ... */
  id: string;
  /** Number of authoritative servers of this provider (default 1). */
  servers?: number;
}

export interface TtlSpec {
  /** DNSKEY (and CDS/CDNSKEY) TTL, lab seconds. */
  dnskey: number;
  /** TTL of the other apex RRsets (SOA, NS, CSYNC) and NSEC. */
  zone: number;
  /** DS TTL at the parent. */
  ds: number;
}

/** The procedure classes of ARCHITECTURE.md §4 (names as the analyzer will report them). */
export type Procedure =
  | 'zsk-pre-publish' | 'zsk-double-signature' | 'zsk-double-rrsig'
  | 'ksk-double-ksk' | 'ksk-double-ds' | 'ksk-double-rrset'
  | 'csk-rollover' | 'algorithm-rollover-conservative' | 'algorithm-rollover-liberal'
  | 'rfc5011-rollover' | 'multi-signer-join' | 'multi-signer-leave' | 'multi-signer-steady'
  | 'operator-handoff' | 'ds-change-cds' | 'ns-change-csync' | 'unknown';

/** A finding the analyzer must report for a broken scenario (codes are the analyzer's registry,
 *  docs/findings.md, written by the analyzer issue; the lab names them first). */
export interface ExpectedFinding {
  code: string;
  /** The key(s) concerned, by scenario id. */
  keys?: string[];
  /** Lab seconds: the finding must be detectable inside this window. */
  from: number;
  to: number;
}

export interface Scenario {
  /** kebab-case, unique: 'zsk-pre-publish', 'broken-ds-swapped-early' ... */
  name: string;
  kind: 'conformant' | 'broken';
  procedure: Procedure;
  /** One paragraph: what happens and, for broken ones, what goes wrong. */
  description: string;
  /** RFC sections the scenario follows or violates, e.g. ['RFC 6781 §4.1.1.1', 'RFC 7583 §3.2']. */
  references: string[];
  /** The zone's name relative to its lab TLD, e.g. 'zsk-pp' -> zsk-pp.<tld>. */
  label: string;
  ttl: TtlSpec;
  parent: ParentSpec;
  /** Default one provider 'A' with one server. More than one = multi-signer (RFC 8901 model 2). */
  providers?: ProviderSpec[];
  keys: KeySpec[];
  /** The state at t = 0: published keys, signing keys, DS at the parent, NS providers. */
  initial: { published: string[]; signing: { key: string; scope?: SignScope }[]; ds: string[]; ns?: string[] };
  steps: Step[];
  /** Lab seconds after which the scenario is over (the zone stays in its final state afterwards). */
  duration: number;
  /** RRSIG validity in lab seconds for normal signing (default 10 x max TTL); inception is backdated by one max TTL. */
  signatureValidity?: number;
  /** Broken scenarios: what the analyzer must find. Conformant ones: empty. */
  expectedFindings: ExpectedFinding[];
  /** Broken scenarios: a validating resolver that follows the protocol must fail (SERVFAIL) for this
   *  zone at some poll inside [from, to] lab seconds. */
  expectedValidationFailure?: { from: number; to: number };
}
