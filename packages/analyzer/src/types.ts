// Result types of the analyzer (ARCHITECTURE.md §4). Everything here is plain JSON: numbers are epoch
// milliseconds unless the name says otherwise, "never" is null (no Infinity, no Map, no undefined
// fields), so a result can be written to ClickHouse (packages/collector/migrations/0007..0011) and served
// by the API as it is. Field names of the table-shaped items match the table columns.

/** The procedure classes (ARCHITECTURE.md §4; the same names as the lab's ground truth). */
export type Procedure =
  | 'zsk-pre-publish' | 'zsk-double-signature' | 'zsk-double-rrsig'
  | 'ksk-double-ksk' | 'ksk-double-ds' | 'ksk-double-rrset'
  | 'csk-rollover' | 'algorithm-rollover-conservative' | 'algorithm-rollover-liberal'
  | 'rfc5011-rollover' | 'multi-signer-join' | 'multi-signer-leave' | 'multi-signer-steady'
  | 'operator-handoff' | 'ds-change-cds' | 'ns-change-csync' | 'unknown';

export type KeyRole = 'KSK' | 'ZSK' | 'CSK';

/** How a key's role was inferred: from what it signed, from a DS matching it, or only from its flags (SEP bit). */
export type RoleSource = 'behaviour' | 'ds' | 'flags';

/**
 * A moment known through sampling: the change happened in (after, at]. `at` is the first observation
 * that shows the new state, `after` the last one that showed the old state; after = null when the
 * new state was already there at the first observation (the change lies before the data).
 */
export interface ObservedTime {
  at: number;
  after: number | null;
}

/**
 * A duration known through sampling: `ms` between the first observations of the two events, and the
 * bounds the sampling allows (null: unbounded, an event lies before the first observation).
 */
export interface Span {
  ms: number;
  min: number | null;
  max: number | null;
}

export interface KeyInfo {
  /** `${algorithm}-${key_tag}-${key_hash}`: algorithm + key tag + public key (never the tag alone). */
  key_id: string;
  algorithm: number;
  /** Key tag without the REVOKE bit. */
  key_tag: number;
  /** Key tag with the REVOKE bit, when the key was seen revoked (RFC 5011). */
  revoked_tag: number | null;
  /** First 8 octets of SHA-256 of the public key, hex; '' for a key only known from RRSIGs (never in a DNSKEY RRset). */
  key_hash: string;
  /** DNSKEY flags as first seen without REVOKE (0 when never seen). */
  flags: number;
  bits: number;
  role: KeyRole;
  role_source: RoleSource;
  /** Another key of the zone has the same algorithm and key tag. */
  tag_collision: boolean;
  /** Seen in a DNSKEY RRset at all. */
  in_dnskey_rrset: boolean;
}

/** Per key and per vantage point (or the merged authoritative view, vantage 'authoritative'). */
export interface KeySighting {
  key_id: string;
  algorithm: number;
  key_tag: number;
  role: KeyRole;
  vantage: string;
  // table columns (0 = never seen)
  first_published_ms: number;
  last_published_ms: number;
  first_signing_ms: number;
  last_signing_ms: number;
  first_ds_ms: number;
  last_ds_ms: number;
  revoked_ms: number;
  // the events with their sampling bounds
  t_pub: ObservedTime | null;
  /** First observation without the key after its last presence; null while it is still published. */
  t_unpub: ObservedTime | null;
  /** Per RRset type signed (mnemonic, e.g. 'DNSKEY', 'SOA'): first signature seen. */
  t_sign: Record<string, ObservedTime>;
  /** Per RRset type: first observation without its signature after the last; null while it still signs. */
  t_unsign: Record<string, ObservedTime | null>;
  t_ds: ObservedTime | null;
  t_ds_gone: ObservedTime | null;
  t_revoke: ObservedTime | null;
  /** now - t_pub.at; a lower bound when the key was already published at the first observation. */
  age_ms: number | null;
  age_is_lower_bound: boolean;
}

export type TransitionRole = 'ZSK' | 'KSK' | 'NS';

/** The measured parts of a transition (ARCHITECTURE.md §4), per key where they are per key. */
export interface Anatomy {
  /** t_sign(new) - t_pub(new), per incoming key (negative: signed before it was published). */
  pre_publish_ms: Record<string, Span | null>;
  /** Time during which old and new keys both sign this role. */
  double_sign_ms: Span;
  /** t_unpub(old) - t_unsign(old), per outgoing key (null: still published). */
  post_retire_ms: Record<string, Span | null>;
  /** t_ds(new) - t_pub(new), per incoming key (null: no DS seen). */
  ds_lag_ms: Record<string, Span | null>;
  /** t_ds_gone(old) - t_unsign(old), per outgoing key (null: no DS, or still there). */
  ds_gone_lag_ms: Record<string, Span | null>;
  /** Age of each key at the switch (t_switch - t_pub); lower bounds are flagged. */
  key_age_ms: Record<string, { ms: number; lower_bound: boolean }>;
  /** The authoritative events of every key involved. */
  events: Record<string, KeyEvents>;
}

export interface KeyEvents {
  t_pub: ObservedTime | null;
  t_unpub: ObservedTime | null;
  t_sign: ObservedTime | null;
  t_unsign: ObservedTime | null;
  t_ds: ObservedTime | null;
  t_ds_gone: ObservedTime | null;
  t_revoke: ObservedTime | null;
}

/** One RFC 7583 wait of a transition, measured and compared with its minimum from the observed TTLs. */
export interface WaitCheck {
  name: 'Ipub' | 'Iret' | 'IretDoubleSignature' | 'IpubC' | 'IpubP' | 'IretC' | 'IretP' | 'IpubSig';
  formula: string;
  minimum_ms: number;
  measured_ms: Span | null;
  /** true / false; null = the sampling is too coarse to decide (the minimum lies inside measured). */
  respected: boolean | null;
  reference: string;
  key: string | null;
}

export interface Evidence {
  /** Name of the rule that matched (file classify/<procedure>.ts). */
  rule: string;
  /** What the rule saw, in words. */
  detail: string;
  /** The observed times it used. */
  times: Record<string, ObservedTime | null>;
  /** The sampling is too coarse to tell this procedure from the candidates. */
  coarse: boolean;
  /** Procedures the observations cannot rule out (always includes the chosen one). */
  candidates: Procedure[];
}

export interface Transition {
  /** `${role}@${start_ms}`, unique within a zone analysis. */
  id: string;
  role: TransitionRole;
  procedure: Procedure;
  status: 'complete' | 'in-progress';
  /** No finding concerns it (null: undecided, the sampling is too coarse for some wait). */
  conformant: boolean | null;
  start_ms: number;
  end_ms: number;
  /** Time of the signer switch (first change of the signing set). */
  switch_at: ObservedTime | null;
  keys_in: string[];
  keys_out: string[];
  /** Keys that sign before and after (n -> m with some kept). */
  keys_kept: string[];
  algorithms_in: number[];
  algorithms_out: number[];
  /** NS transitions: name server host names in / out. */
  ns_in: string[];
  ns_out: string[];
  anatomy: Anatomy;
  waits: WaitCheck[];
  evidence: Evidence;
  /** Codes of the findings attached to this transition. */
  findings: string[];
}

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  code: string;
  severity: Severity;
  at_ms: number;
  /** End of the window in which it holds or can cause failures (null: open). */
  until_ms: number | null;
  keys: string[];
  /** Vantage points concerned ('authoritative' or a vantage id); empty when zone-wide. */
  vantages: string[];
  refs: string[];
  message: string;
  params: Record<string, string | number | boolean | null>;
  /** Id of the transition it belongs to, if any. */
  transition: string | null;
}

/** A check whose outcome depends on event times the sampling does not separate (too coarse to decide). */
export interface Undecided {
  code: string;
  at_ms: number;
  keys: string[];
  detail: string;
}

export interface LagChange {
  /** Which RRset changed: the apex DNSKEY RRset, the parent's DS RRset, or the signers of zone data. */
  series: 'DNSKEY' | 'DS' | 'ZONE-SIGNERS';
  /** Authoritative time of the change. */
  change: ObservedTime;
  /** First observation at this vantage point of a post-change RRset (null: not yet). */
  first_new: ObservedTime | null;
  lag_ms: Span | null;
  bound_ms: number;
  /** Still serving the pre-change RRset at the last observation. */
  holding_old: boolean;
  /**
   * First validation failure (SERVFAIL) of this RRset at the vantage point after the change and before
   * any post-change answer: it fetched the new data and could not validate it (not lag; see the
   * VALIDATION_FAILURE_OBSERVED finding). Its lag is measured to this time. null: none.
   */
  failed_at: ObservedTime | null;
  lagging: boolean | null;
}

export interface VantageLag {
  vantage: string;
  agent_id: string;
  server: string;
  country: string;
  continent: string;
  kind: 'resolver' | 'authoritative' | 'unknown';
  lagging: boolean;
  max_lag_ms: number;
  bound_ms: number;
  /** Largest TTL this vantage point served, per series (seconds; its cap shows here). */
  ttl_seen_s: Record<string, number>;
  /** Median interval between its observations. */
  cadence_ms: number;
  changes: LagChange[];
}

export interface RegionLag {
  level: 'continent' | 'country';
  region: string;
  vantages: number;
  lagging: number;
  share: number;
  lagging_region: boolean;
}

export interface BreakageForecast {
  transition: string;
  /** The transition's next step and the RFC 7583 wait that gates it. */
  next_step: 'activate-new-key' | 'remove-old-key' | 'change-ds' | 'remove-old-signatures';
  /** Earliest time the next step is safe for resolvers that follow the TTLs. */
  earliest_ms: number;
  /** max(0, earliest - now). */
  time_until_ms: number;
  /** Vantage points that still hold data that the next step would make unverifiable. */
  vantages_at_risk: string[];
}

export interface DsAutomationEvent {
  /** The child's CDS/CDNSKEY content (key tags, or 'delete'). */
  requested: string;
  cds_at: ObservedTime;
  ds_at: ObservedTime | null;
  latency_ms: Span | null;
  pending: boolean;
}

export interface DsAutomation {
  zone: string;
  parent: string | null;
  events: DsAutomationEvent[];
}

export interface Gap {
  vantage: string;
  from_ms: number;
  to_ms: number;
}

export interface DataQuality {
  rows: number;
  used: number;
  other_zone: number;
  outside_window: number;
  duplicates: number;
  out_of_order: number;
  truncated: number;
  failed_queries: number;
  malformed: number;
  gaps: Gap[];
  clock_skew: { agent_id: string; skew_ms: number; evidence: string }[];
  tag_collisions: { algorithm: number; key_tag: number; keys: string[] }[];
  ambiguous_signers: number;
  notes: string[];
}

export interface SignatureStats {
  checked: number;
  valid: number;
  invalid: number;
  /** RRSIGs whose key was never seen in a DNSKEY RRset with its RDATA (no raw, or absent key). */
  key_unknown: number;
  unsupported: number;
  /** Rows without raw bytes: only the parsed summary was used. */
  without_raw: number;
}

export interface MultiSignerState {
  /** Authoritative servers serving different DNSKEY RRsets at the same time (RFC 8901 model 2). */
  model: 1 | 2;
  servers: string[];
  steady: boolean;
}

export interface ZoneAnalysis {
  zone: string;
  analyzer: string;
  from_ms: number;
  to_ms: number;
  now_ms: number;
  observations: number;
  vantages: number;
  /** TTLs observed (seconds): DNSKEY, RRSIG over zone data (TTLsig), DS, the zone's NS. */
  ttl: { dnskey: number; sig: number; ds: number; ns: number };
  /** The RFC 7583 delays and intervals used (ms). */
  intervals: { Dprp: number; Dsgn: number; Ipub: number; Iret: number; IretDoubleSignature: number; IpubC: number; IpubP: number };
  keys: KeyInfo[];
  sightings: KeySighting[];
  transitions: Transition[];
  /** Distinct procedures of the transitions, or the zone's steady state ('multi-signer-steady'). */
  procedures: Procedure[];
  multi_signer: MultiSignerState | null;
  findings: Finding[];
  undecided: Undecided[];
  lag: { vantages: VantageLag[]; regions: RegionLag[]; breakage: BreakageForecast[] };
  ds_automation: DsAutomation;
  signatures: SignatureStats;
  quality: DataQuality;
}

export interface AnalyzeOptions {
  /** The zone (any case, trailing dot optional); rows of other zones are skipped and counted. */
  zone: string;
  /** Only observations with from <= observed_at_ms < to. */
  from?: number;
  to?: number;
  /** The analysis time (live mode: the wall clock); default: the last observation. */
  now?: number;
  /** RFC 7583 Dprp floor (ms); the analyzer uses max(this, the spread it observes). Default 0. */
  dprpMs?: number;
  /** RFC 7583 Dsgn floor (ms). Default 0. */
  dsgnMs?: number;
  /** A region lags when at least this share of its vantage points lag. Default 0.5. */
  regionLagShare?: number;
  /** Changes of a signing set further apart than this never join into one transition. Default 30 days. */
  maxEpisodeGapMs?: number;
  /** Verify every observed RRSIG against the observed keys (needs raw). Default true. */
  verifySignatures?: boolean;
  /** Cache of signature verdicts shared between calls (live mode re-analyses the same data). */
  signatureCache?: Map<string, string>;
}
