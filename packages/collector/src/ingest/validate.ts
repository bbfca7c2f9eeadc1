// Field validation of a verified batch body (everything an agent sends is untrusted input). Limits
// follow the protocol: names canonical, qtype 1..65535, send time within [now - max age, now + skew],
// vantage address an IP, raw <= 65,535 bytes, strings <= 255 bytes (error <= 1,024), <= 1,000 answer
// records / RRSIGs / EDEs; numbers narrower than uint32 on the DNS wire must fit that width.
// Errors name the observation index and the field path.
import { isIP } from 'node:net';
import { KtoError, normalizeName } from '@kto/core';
import type { kto } from '@kto/proto';
import type { DecodedBatchBody } from './verify.js';

export interface ValidationLimits {
  maxObservationsPerBatch: number;
  clockSkewMs: number;
  maxObservationAgeMs: number;
}

const MAX_STRING = 255;
const MAX_ERROR = 1024;
const MAX_RAW = 65_535;
const MAX_REPEATED = 1_000;
const COUNTRY = /^[A-Z]{2}$/;
export const CONTINENTS: ReadonlySet<string> = new Set(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']);

function invalid(path: string, what: string): KtoError {
  return new KtoError('KTO_ERR_INGEST_INVALID_FIELD', `${path}: ${what}`, { field: path });
}

/** UTF-8 length <= max, without encoding in the common case (a UTF-16 unit is at most 3 UTF-8 bytes). */
function fitsUtf8(s: string, max: number): boolean {
  return s.length * 3 <= max || Buffer.byteLength(s, 'utf8') <= max;
}

function str(s: string | null | undefined, max: number, path: string): void {
  if (s != null && !fitsUtf8(s, max)) throw invalid(path, `longer than ${max} bytes`);
}

function num(v: number | null | undefined, max: number, path: string): void {
  if (v != null && v > max) throw invalid(path, `${v} is out of range 0..${max}`);
}

function bytes(b: Uint8Array | null | undefined, max: number, path: string): void {
  if (b != null && b.length > max) throw invalid(path, `${b.length} bytes, more than ${max}`);
}

function count(a: readonly unknown[] | null | undefined, path: string): void {
  if (a != null && a.length > MAX_REPEATED) throw invalid(path, `${a.length} entries, more than ${MAX_REPEATED}`);
}

// Addresses seen recently with their family: agents ask the same few resolvers and servers.
const ipFamilies = new Map<string, number>();
const IP_CACHE_MAX = 10_000;

function ipFamily(address: string): number {
  let f = ipFamilies.get(address);
  if (f === undefined) {
    f = isIP(address);
    if (f === 0) return 0;
    if (ipFamilies.size >= IP_CACHE_MAX) ipFamilies.clear();
    ipFamilies.set(address, f);
  }
  return f;
}

// Names seen recently and found canonical: agents repeat the same few zones and qnames.
const canonicalNames = new Set<string>();
const CANONICAL_CACHE_MAX = 50_000;

function canonicalName(s: string | null | undefined, path: string): void {
  if (s == null || s === '') throw invalid(path, 'a domain name is required');
  if (canonicalNames.has(s)) return;
  let canon: string;
  try {
    canon = normalizeName(s);
  } catch (err) {
    throw invalid(path, `not a valid domain name (${(err as Error).message})`);
  }
  if (canon !== s) throw invalid(path, `${JSON.stringify(s.slice(0, 300))} is not canonical (expected ${JSON.stringify(canon)})`);
  if (canonicalNames.size >= CANONICAL_CACHE_MAX) canonicalNames.clear();
  canonicalNames.add(s);
}

/** Validates the batch-level fields. Throws KTO_ERR_INGEST_INVALID_FIELD, _TOO_MANY_OBSERVATIONS or _CLOCK_SKEW. */
export function validateBatch(body: DecodedBatchBody, limits: ValidationLimits, nowMs: number): void {
  if (!Number.isSafeInteger(body.seq) || body.seq < 1) throw invalid('seq', `${body.seq} is not a sequence number (1, 2, ...)`);
  if (body.createdAtMs > nowMs + limits.clockSkewMs) {
    throw new KtoError('KTO_ERR_INGEST_CLOCK_SKEW',
      `created_at_ms ${body.createdAtMs} is ${body.createdAtMs - nowMs} ms ahead of the collector clock (limit ${limits.clockSkewMs} ms)`);
  }
  str(body.agentVersion, MAX_STRING, 'agent_version');
  const loc = body.location;
  if (loc != null) {
    if (loc.country != null && loc.country !== '' && !COUNTRY.test(loc.country)) {
      throw invalid('location.country', 'not an ISO 3166-1 alpha-2 code in upper case');
    }
    if (loc.continent != null && loc.continent !== '' && !CONTINENTS.has(loc.continent)) {
      throw invalid('location.continent', 'not one of AF AN AS EU NA OC SA');
    }
    str(loc.region, MAX_STRING, 'location.region');
  }
  const obs = body.observations;
  if (obs.length > limits.maxObservationsPerBatch) {
    throw new KtoError('KTO_ERR_INGEST_TOO_MANY_OBSERVATIONS',
      `${obs.length} observations in one batch, more than ${limits.maxObservationsPerBatch}`);
  }
  const minSent = nowMs - limits.maxObservationAgeMs;
  const maxSent = nowMs + limits.clockSkewMs;
  for (let i = 0; i < obs.length; i++) validateObservation(obs[i] as kto.v1.Observation.$Properties, i, minSent, maxSent);
}

function validateObservation(o: kto.v1.Observation.$Properties, i: number, minSent: number, maxSent: number): void {
  const p = `observations[${i}]`;
  canonicalName(o.zone, `${p}.zone`);
  canonicalName(o.qname, `${p}.qname`);
  const qtype = o.qtype ?? 0;
  if (qtype < 1 || qtype > 65_535) throw invalid(`${p}.qtype`, `${qtype} is out of range 1..65535`);
  const sent = o.sentAtMs ?? 0;
  if (sent < minSent || sent > maxSent) {
    throw invalid(`${p}.sent_at_ms`, `${sent} is outside the accepted window [${minSent}, ${maxSent}] (collector clock)`);
  }
  const v = o.vantage;
  if (v == null) throw invalid(`${p}.vantage`, 'required');
  const family = ipFamily(v.address ?? '');
  if (family === 0) throw invalid(`${p}.vantage.address`, `${JSON.stringify((v.address ?? '').slice(0, 64))} is not an IP address`);
  const declared = v.family ?? 0;
  if (declared !== 0 && declared !== family) throw invalid(`${p}.vantage.family`, `${declared} does not match address family ${family}`);
  num(v.port, 65_535, `${p}.vantage.port`);
  str(v.serverName, MAX_STRING, `${p}.vantage.server_name`);
  num(o.ednsUdpSize, 65_535, `${p}.edns_udp_size`);
  str(o.error, MAX_ERROR, `${p}.error`);
  num(o.rcode, 4_095, `${p}.rcode`);
  num(o.headerFlags, 65_535, `${p}.header_flags`);
  num(o.attempts, 255, `${p}.attempts`);
  bytes(o.raw, MAX_RAW, `${p}.raw`);
  const ede = o.ede;
  if (ede != null && ede.length > 0) {
    count(ede, `${p}.ede`);
    for (let j = 0; j < ede.length; j++) {
      const e = ede[j] as kto.v1.ExtendedError.$Properties;
      num(e.code, 65_535, `${p}.ede[${j}].code`);
      str(e.text, MAX_STRING, `${p}.ede[${j}].text`);
    }
  }
  const answer = o.answer;
  if (answer != null && answer.length > 0) {
    count(answer, `${p}.answer`);
    for (let j = 0; j < answer.length; j++) validateRecord(answer[j] as kto.v1.Record.$Properties, `${p}.answer[${j}]`);
  }
  const sigs = o.rrsigs;
  if (sigs != null && sigs.length > 0) {
    count(sigs, `${p}.rrsigs`);
    for (let j = 0; j < sigs.length; j++) {
      const s = sigs[j] as kto.v1.Rrsig.$Properties;
      const q = `${p}.rrsigs[${j}]`;
      str(s.name, MAX_STRING, `${q}.name`);
      num(s.typeCovered, 65_535, `${q}.type_covered`);
      num(s.algorithm, 255, `${q}.algorithm`);
      num(s.labels, 255, `${q}.labels`);
      num(s.keyTag, 65_535, `${q}.key_tag`);
      str(s.signer, MAX_STRING, `${q}.signer`);
    }
  }
}

function validateRecord(r: kto.v1.Record.$Properties, q: string): void {
  str(r.name, MAX_STRING, `${q}.name`);
  num(r.type, 65_535, `${q}.type`);
  if (r.dnskey != null) {
    const k = r.dnskey;
    num(k.flags, 65_535, `${q}.dnskey.flags`);
    num(k.protocol, 255, `${q}.dnskey.protocol`);
    num(k.algorithm, 255, `${q}.dnskey.algorithm`);
    num(k.keyTag, 65_535, `${q}.dnskey.key_tag`);
    bytes(k.keyHash, 32, `${q}.dnskey.key_hash`);
  } else if (r.ds != null) {
    const d = r.ds;
    num(d.keyTag, 65_535, `${q}.ds.key_tag`);
    num(d.algorithm, 255, `${q}.ds.algorithm`);
    num(d.digestType, 255, `${q}.ds.digest_type`);
    bytes(d.digest, MAX_STRING, `${q}.ds.digest`);
  } else if (r.soa != null) {
    str(r.soa.mname, MAX_STRING, `${q}.soa.mname`);
    str(r.soa.rname, MAX_STRING, `${q}.soa.rname`);
  } else if (r.ns != null) {
    str(r.ns.host, MAX_STRING, `${q}.ns.host`);
  } else if (r.csync != null) {
    const t = r.csync.types;
    count(t, `${q}.csync.types`);
    if (t != null) for (let k = 0; k < t.length; k++) num(t[k], 65_535, `${q}.csync.types[${k}]`);
    num(r.csync.flags, 65_535, `${q}.csync.flags`);
  }
}
