// Observation (decoded protobuf) -> ObservationRow (the flat columns of `observations`). Hot path:
// one object literal of a fixed shape per row, one pass over the answer records and RRSIGs, arrays
// allocated only when they get entries (empty columns share one frozen array), no closures, no JSON.
import type { kto } from '@kto/proto';
import type { ObservationRow } from '../storage/types.js';

/** What a row takes from its batch and agent rather than from the observation. */
export interface RowContext {
  agentId: string;
  seq: number;
  receivedAtMs: number;
  country: string;
  continent: string;
  asn: number;
}

const NO_NUMBERS = Object.freeze([]) as unknown as number[];
const NO_STRINGS = Object.freeze([]) as unknown as string[];
const NO_BYTES = new Uint8Array(0);

const VANTAGE_KINDS: readonly ObservationRow['vantage_kind'][] = ['unknown', 'resolver', 'authoritative'];
const TRANSPORTS: readonly ObservationRow['transport'][] = ['unknown', 'udp', 'tcp'];
const STATUSES: readonly ObservationRow['status'][] = ['unknown', 'ok', 'timeout', 'network_error', 'parse_error', 'mismatch'];
const SIG_CHECKS: readonly string[] = ['unchecked', 'valid', 'invalid', 'key_not_present', 'unsupported_algorithm'];

const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lower-case hex; a table for short inputs (key hashes, digests), Buffer for long ones. */
export function toHex(b: Uint8Array | null | undefined): string {
  if (b == null || b.length === 0) return '';
  if (b.length > 64) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i] as number];
  return s;
}

// DNS header flags word (RFC 1035 §4.1.1, RFC 4035 §3.2): AA bit 10, TC bit 9, AD bit 5.
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_AD = 0x0020;
/** ANY: the answer TTL is the minimum over every record (as @kto/core's summarizeAnswer defines it). */
const QTYPE_ANY = 255;

/** The row of observation `idx` of a batch. */
export function observationToRow(o: kto.v1.Observation.$Properties, idx: number, ctx: RowContext): ObservationRow {
  const v = o.vantage;
  const qtype = o.qtype ?? 0;
  const flags = o.headerFlags ?? 0;

  // EDE
  let edeCodes = NO_NUMBERS;
  let edeTexts = NO_STRINGS;
  const ede = o.ede;
  if (ede != null && ede.length > 0) {
    edeCodes = new Array<number>(ede.length);
    edeTexts = new Array<string>(ede.length);
    for (let i = 0; i < ede.length; i++) {
      const e = ede[i] as kto.v1.ExtendedError.$Properties;
      edeCodes[i] = e.code ?? 0;
      edeTexts[i] = e.text ?? '';
    }
  }

  // answer records other than RRSIG
  let answerTtl = -1;
  let soaSerial = 0;
  let kFlags = NO_NUMBERS, kProtocols = NO_NUMBERS, kAlgorithms = NO_NUMBERS, kTags = NO_NUMBERS, kBits = NO_NUMBERS;
  let kHashes = NO_STRINGS;
  let dTags = NO_NUMBERS, dAlgorithms = NO_NUMBERS, dTypes = NO_NUMBERS;
  let dDigests = NO_STRINGS;
  let nsHosts = NO_STRINGS;
  let csyncSerial = 0, csyncFlags = 0;
  let csyncTypes = NO_NUMBERS;
  const answer = o.answer;
  if (answer != null) {
    for (let i = 0; i < answer.length; i++) {
      const r = answer[i] as kto.v1.Record.$Properties;
      if ((r.type ?? 0) === qtype || qtype === QTYPE_ANY) {
        const ttl = r.ttl ?? 0;
        if (answerTtl < 0 || ttl < answerTtl) answerTtl = ttl;
      }
      if (r.dnskey != null) {
        const k = r.dnskey;
        if (kFlags === NO_NUMBERS) {
          kFlags = []; kProtocols = []; kAlgorithms = []; kTags = []; kBits = []; kHashes = [];
        }
        kFlags.push(k.flags ?? 0);
        kProtocols.push(k.protocol ?? 0);
        kAlgorithms.push(k.algorithm ?? 0);
        kTags.push(k.keyTag ?? 0);
        kHashes.push(toHex(k.keyHash));
        kBits.push(k.keyBits ?? 0);
      } else if (r.ds != null) {
        const d = r.ds;
        if (dTags === NO_NUMBERS) {
          dTags = []; dAlgorithms = []; dTypes = []; dDigests = [];
        }
        dTags.push(d.keyTag ?? 0);
        dAlgorithms.push(d.algorithm ?? 0);
        dTypes.push(d.digestType ?? 0);
        dDigests.push(toHex(d.digest));
      } else if (r.soa != null) {
        soaSerial = r.soa.serial ?? 0;
      } else if (r.ns != null) {
        if (nsHosts === NO_STRINGS) nsHosts = [];
        nsHosts.push(r.ns.host ?? '');
      } else if (r.csync != null) {
        csyncSerial = r.csync.serial ?? 0;
        csyncFlags = r.csync.flags ?? 0;
        const t = r.csync.types;
        csyncTypes = t != null && t.length > 0 ? t.slice() : NO_NUMBERS;
      }
    }
  }

  // RRSIGs
  let sCovered = NO_NUMBERS, sAlgorithms = NO_NUMBERS, sLabels = NO_NUMBERS, sOrigTtls = NO_NUMBERS;
  let sInceptions = NO_NUMBERS, sExpirations = NO_NUMBERS, sTags = NO_NUMBERS, sTtls = NO_NUMBERS;
  let sSigners = NO_STRINGS, sChecks = NO_STRINGS;
  const sigs = o.rrsigs;
  if (sigs != null && sigs.length > 0) {
    const n = sigs.length;
    sCovered = new Array<number>(n); sAlgorithms = new Array<number>(n); sLabels = new Array<number>(n);
    sOrigTtls = new Array<number>(n); sInceptions = new Array<number>(n); sExpirations = new Array<number>(n);
    sTags = new Array<number>(n); sTtls = new Array<number>(n); sSigners = new Array<string>(n); sChecks = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const s = sigs[i] as kto.v1.Rrsig.$Properties;
      sCovered[i] = s.typeCovered ?? 0;
      sAlgorithms[i] = s.algorithm ?? 0;
      sLabels[i] = s.labels ?? 0;
      sOrigTtls[i] = s.originalTtl ?? 0;
      sInceptions[i] = s.inception ?? 0;
      sExpirations[i] = s.expiration ?? 0;
      sTags[i] = s.keyTag ?? 0;
      sSigners[i] = s.signer ?? '';
      sTtls[i] = s.ttl ?? 0;
      sChecks[i] = SIG_CHECKS[s.check ?? 0] ?? 'unchecked';
    }
  }

  return {
    agent_id: ctx.agentId,
    seq: ctx.seq,
    idx,
    received_at_ms: ctx.receivedAtMs,
    country: ctx.country,
    continent: ctx.continent,
    asn: ctx.asn,
    vantage_kind: VANTAGE_KINDS[v?.kind ?? 0] ?? 'unknown',
    server: v?.address ?? '',
    server_port: v?.port ?? 0,
    server_name: v?.serverName ?? '',
    family: v?.family ?? 0,
    transport: TRANSPORTS[v?.transport ?? 0] ?? 'unknown',
    tc_retry: v?.tcRetry === true ? 1 : 0,
    zone: o.zone ?? '',
    qname: o.qname ?? '',
    qtype,
    do_bit: o.doBit === true ? 1 : 0,
    cd_bit: o.cdBit === true ? 1 : 0,
    edns_udp_size: o.ednsUdpSize ?? 0,
    observed_at_ms: o.sentAtMs ?? 0,
    rtt_us: o.rttUs ?? 0,
    status: STATUSES[o.status ?? 0] ?? 'unknown',
    error: o.error ?? '',
    rcode: o.rcode ?? 0,
    header_flags: flags,
    aa: (flags & FLAG_AA) !== 0 ? 1 : 0,
    tc: (flags & FLAG_TC) !== 0 ? 1 : 0,
    ad: (flags & FLAG_AD) !== 0 ? 1 : 0,
    ede_codes: edeCodes,
    ede_texts: edeTexts,
    attempts: o.attempts ?? 0,
    raw: o.raw ?? NO_BYTES,
    answer_ttl: answerTtl < 0 ? 0 : answerTtl,
    soa_serial: soaSerial,
    dnskey_flags: kFlags,
    dnskey_protocols: kProtocols,
    dnskey_algorithms: kAlgorithms,
    dnskey_key_tags: kTags,
    dnskey_key_hashes: kHashes,
    dnskey_key_bits: kBits,
    ds_key_tags: dTags,
    ds_algorithms: dAlgorithms,
    ds_digest_types: dTypes,
    ds_digests: dDigests,
    ns_hosts: nsHosts,
    csync_serial: csyncSerial,
    csync_flags: csyncFlags,
    csync_types: csyncTypes,
    rrsig_type_covered: sCovered,
    rrsig_algorithms: sAlgorithms,
    rrsig_labels: sLabels,
    rrsig_original_ttls: sOrigTtls,
    rrsig_inceptions: sInceptions,
    rrsig_expirations: sExpirations,
    rrsig_key_tags: sTags,
    rrsig_signers: sSigners,
    rrsig_ttls: sTtls,
    rrsig_checks: sChecks,
  };
}

/** Rows of all observations of a batch, idx = position in the batch. */
export function batchToRows(observations: readonly kto.v1.Observation.$Properties[], ctx: RowContext): ObservationRow[] {
  const n = observations.length;
  const rows = new Array<ObservationRow>(n);
  for (let i = 0; i < n; i++) rows[i] = observationToRow(observations[i] as kto.v1.Observation.$Properties, i, ctx);
  return rows;
}
