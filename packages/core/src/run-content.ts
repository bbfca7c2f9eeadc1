// What makes two observations of one series "the same answer": the comparison that cuts a series into
// runs. One definition, used by the collector when it folds rows into stored runs at ingest
// (packages/collector/src/runs/fold.ts) and by the analyzer when it folds rows it reads
// (packages/analyzer/src/runs.ts), so both cut at the same rows. Pure functions over the parsed answer
// summary columns of an observation (the collector's ObservationRow has them under these names).

/** The summary columns the content comparison reads (a stored run carries them for its first row). */
export interface ContentColumns {
  dnskey_key_hashes: readonly string[];
  dnskey_flags: readonly number[];
  rrsig_key_tags: readonly number[];
  rrsig_type_covered: readonly number[];
  rrsig_expirations: readonly number[];
  rrsig_inceptions: readonly number[];
  rrsig_algorithms: readonly number[];
  ds_digests: readonly string[];
  ds_key_tags: readonly number[];
  ns_hosts: readonly string[];
  csync_serial: number;
  csync_flags: number;
}

/** The columns whose parallel arrays must agree in length (wellFormed). */
export interface SummaryColumns extends ContentColumns {
  dnskey_algorithms: readonly number[];
  dnskey_key_tags: readonly number[];
  rrsig_original_ttls: readonly number[];
  ds_algorithms: readonly number[];
  ds_digest_types: readonly number[];
  observed_at_ms: number;
}

function sameNums(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameStrs(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same answer content and the same RRSIG windows as the previous row of the series. */
export function sameContent(a: ContentColumns, b: ContentColumns): boolean {
  return sameStrs(a.dnskey_key_hashes, b.dnskey_key_hashes) && sameNums(a.dnskey_flags, b.dnskey_flags)
    && sameNums(a.rrsig_key_tags, b.rrsig_key_tags) && sameNums(a.rrsig_type_covered, b.rrsig_type_covered)
    && sameNums(a.rrsig_expirations, b.rrsig_expirations) && sameNums(a.rrsig_inceptions, b.rrsig_inceptions)
    && sameNums(a.rrsig_algorithms, b.rrsig_algorithms)
    && sameStrs(a.ds_digests, b.ds_digests) && sameNums(a.ds_key_tags, b.ds_key_tags)
    && sameStrs(a.ns_hosts, b.ns_hosts) && a.csync_serial === b.csync_serial && a.csync_flags === b.csync_flags;
}

/** Parallel arrays of the summary have matching lengths (an observation that fails this is counted malformed). */
export function wellFormed(r: SummaryColumns): boolean {
  const k = r.dnskey_key_hashes;
  const s = r.rrsig_key_tags;
  const d = r.ds_key_tags;
  return Array.isArray(k) && Array.isArray(s) && Array.isArray(d) && Array.isArray(r.ns_hosts)
    && r.dnskey_flags.length === k.length && r.dnskey_algorithms.length === k.length && r.dnskey_key_tags.length === k.length
    && r.rrsig_type_covered.length === s.length && r.rrsig_algorithms.length === s.length
    && r.rrsig_expirations.length === s.length && r.rrsig_inceptions.length === s.length && r.rrsig_original_ttls.length === s.length
    && r.ds_algorithms.length === d.length && r.ds_digest_types.length === d.length && r.ds_digests.length === d.length
    && typeof r.observed_at_ms === 'number' && Number.isFinite(r.observed_at_ms);
}

/** Host names compare in lower case with a trailing dot ('' stays ''). */
export function normalizeHost(h: string): string {
  const l = h.trim().toLowerCase();
  return l === '' || l.endsWith('.') ? l : `${l}.`;
}

/** Median of the first intervals of a vantage point (its cadence estimate). */
export function medianInterval(ds: readonly number[]): number {
  const sorted = [...ds].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
}

/**
 * What a stored observation is when it is no answer: the query's status when it failed ('timeout',
 * 'network_error', ...), 'servfail' for a SERVFAIL, 'rcode' for any other error RCODE; null for an answer
 * (status ok, NOERROR). Failures of one kind and RCODE in a row make one failure period.
 */
export function failureKind(status: string, rcode: number): string | null {
  if (status !== 'ok') return status;
  return rcode === 0 ? null : rcode === 2 ? 'servfail' : 'rcode';
}

/** First intervals a vantage point keeps for its cadence estimate. */
export const CADENCE_DELTAS = 64;

/**
 * Notes the interval `from` -> `to` (to > from) between two distinct observation times of a vantage
 * point: the first CADENCE_DELTAS go to `deltas`, whose median is the provisional cadence, estimated again
 * at 1, 2, 4 ... 64 of them; an interval while fewer than 4 are known, or longer than 1.5 x the provisional
 * cadence, goes to `longGaps` as a [from, to] pair (a gap candidate). Returns the provisional cadence.
 */
export function noteInterval(deltas: number[], longGaps: number[], provisional: number, from: number, to: number): number {
  const d = to - from;
  let p = provisional;
  if (deltas.length < CADENCE_DELTAS) {
    deltas.push(d);
    if ((deltas.length & (deltas.length - 1)) === 0) p = medianInterval(deltas);
  }
  if (deltas.length < 4 || d > 1.5 * p) longGaps.push(from, to);
  return p;
}

/** `SignatureWindows.minExp` of an answer without RRSIGs. */
export const NO_EXPIRATION = Number.MAX_SAFE_INTEGER;

/** The RRSIG windows of one answer content, as both folds keep them for the run it starts. */
export interface SignatureWindows {
  /** Smallest RRSIG expiration (s since the epoch), NO_EXPIRATION without RRSIGs. */
  minExp: number;
  /** Validity period (expiration - inception, s) of that RRSIG. */
  validity: number;
  /** Largest RRSIG original TTL (s). */
  origTtl: number;
}

/** Sets `w` to the RRSIG windows of an answer's summary columns. */
export function signatureWindowsInto(w: SignatureWindows, r: Pick<SummaryColumns, 'rrsig_expirations' | 'rrsig_inceptions' | 'rrsig_original_ttls'>): void {
  let minExp = NO_EXPIRATION;
  let validity = 0;
  let orig = 0;
  const ex = r.rrsig_expirations;
  for (let i = 0; i < ex.length; i++) {
    const e = ex[i] as number;
    if (e < minExp) {
      minExp = e;
      validity = e - (r.rrsig_inceptions[i] as number);
    }
    const o = r.rrsig_original_ttls[i] as number;
    if (o > orig) orig = o;
  }
  w.minExp = minExp;
  w.validity = validity;
  w.origTtl = orig;
}

/**
 * At `t` (ms), the state of the earliest-expiring RRSIG of an answer: 'expired' past its expiration,
 * 'expiring' with less than its original TTL or a tenth of its validity left (a resolver may cache it
 * beyond its expiration, and re-signing is due), else null (also without RRSIGs).
 */
export function expiryAt(w: SignatureWindows, t: number): 'expired' | 'expiring' | null {
  if (w.minExp === NO_EXPIRATION) return null;
  const left = w.minExp * 1000 - t;
  if (left < 0) return 'expired';
  return left < w.origTtl * 1000 || left * 10 < w.validity * 1000 ? 'expiring' : null;
}
