// Raw answers: DNSKEY RDATA for the key registry, and every distinct observed RRSIG verified against
// the observed keys with core's verifyRrsig (node:crypto). The pass decodes only one row per distinct
// (content, RRSIG windows, response size) — the same RRset is seen thousands of times — and verdicts
// are cached per (RRSIG RDATA, key), optionally across calls.

import { createHash } from 'node:crypto';
import { decodeMessage, hexEncode, keyTag, rrsetFromMessage } from '@kto/core';
import type { DnsMessage, DnsRecord, RrInput } from '@kto/core';
import { verifyRrsig } from '@kto/core/node';
import type { KeyRecord, KeyRegistry } from './keys.js';
import { DNSKEY_FLAG, QTYPE } from './observation.js';
import type { RunSet, SigSample } from './runs.js';
import type { SignatureStats } from './types.js';

/** One RRSIG that did not verify with any candidate key. */
export interface BadSignature {
  at: number;
  vantage: string;
  covered: number;
  algorithm: number;
  keyTag: number;
  keys: string[];
  reason: string;
}

export interface SignatureReport {
  stats: SignatureStats;
  invalid: BadSignature[];
  /** Placeholder-free resolution of colliding tags: `${alg}:${tag}:${covered}:${stateId}` -> the key that verified. */
  resolved: Map<string, KeyRecord>;
}

function keyHashOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

function safeDecode(raw: Uint8Array): DnsMessage | null {
  try {
    return decodeMessage(raw);
  } catch {
    return null;
  }
}

/** Attaches DNSKEY RDATA (from raw DNSKEY answers) to registered keys and fixes the tags of keys first seen revoked. */
export function attachKeyRdata(runs: RunSet, keys: KeyRegistry): void {
  const done = new Set<number>();
  for (const v of runs.vantages) {
    const s = v.series.get(QTYPE.DNSKEY);
    if (s === undefined) continue;
    for (const run of s.runs) {
      if (done.has(run.state.id) || run.sample.raw.length === 0) continue;
      done.add(run.state.id);
      const msg = safeDecode(run.sample.raw);
      if (msg === null) continue;
      for (const rr of msg.answer) {
        if (rr.type !== QTYPE.DNSKEY || rr.rdataLength < 4) continue;
        const rdata = msg.bytes.slice(rr.rdataOffset, rr.rdataOffset + rr.rdataLength);
        const alg = rdata[3] as number;
        const hash = keyHashOf(rdata.subarray(4));
        const rec = keys.list.find((k) => k.algorithm === alg && k.hash === hash);
        if (rec === undefined) continue;
        const flags = ((rdata[0] as number) << 8) | (rdata[1] as number);
        if ((flags & DNSKEY_FLAG.REVOKE) !== 0) {
          rec.rdataRevoked ??= rdata;
          if (rec.rdata === null) {
            const plain = rdata.slice();
            plain[1] = (plain[1] as number) & ~DNSKEY_FLAG.REVOKE;
            rec.rdata = plain;
            rec.tag = keyTag(plain);
            rec.id = `${rec.algorithm}-${rec.tag}-${rec.hash}`;
          }
        } else {
          rec.rdata ??= rdata;
        }
      }
    }
  }
}

function groupRrsets(msg: DnsMessage): Map<string, DnsRecord[]> {
  const out = new Map<string, DnsRecord[]>();
  for (const rr of msg.answer) {
    if (rr.type === QTYPE.RRSIG) continue;
    const k = `${rr.name}|${rr.type}`;
    const list = out.get(k);
    if (list === undefined) out.set(k, [rr]);
    else list.push(rr);
  }
  return out;
}

/** Verifies every distinct observed RRSIG against the registered keys of its algorithm and tag. */
export function verifySignatures(runs: RunSet, keys: KeyRegistry, zone: string, cache: Map<string, string> | undefined): SignatureReport {
  const stats: SignatureStats = { checked: 0, valid: 0, invalid: 0, key_unknown: 0, unsupported: 0, without_raw: runs.counts.withoutRaw };
  const invalid: BadSignature[] = [];
  const resolved = new Map<string, KeyRecord>();
  const verdicts = cache ?? new Map<string, string>();
  for (const sample of runs.sigSamples.values()) {
    if (sample.row.raw.length === 0) continue;
    checkSample(sample, keys, zone, verdicts, stats, invalid, resolved);
  }
  return { stats, invalid, resolved };
}

function checkSample(sample: SigSample, keys: KeyRegistry, zone: string, verdicts: Map<string, string>, stats: SignatureStats,
  invalid: BadSignature[], resolved: Map<string, KeyRecord>): void {
  const msg = safeDecode(sample.row.raw);
  if (msg === null) return;
  const rrsets = groupRrsets(msg);
  const rrsetCache = new Map<string, RrInput[]>();
  for (const rr of msg.answer) {
    if (rr.type !== QTYPE.RRSIG || rr.rdataLength < 18) continue;
    const b = msg.bytes;
    const o = rr.rdataOffset;
    const covered = ((b[o] as number) << 8) | (b[o + 1] as number);
    const alg = b[o + 2] as number;
    const tag = ((b[o + 16] as number) << 8) | (b[o + 17] as number);
    const setKey = `${rr.name}|${covered}`;
    const records = rrsets.get(setKey);
    if (records === undefined) continue;
    let rrset = rrsetCache.get(setKey);
    if (rrset === undefined) {
      rrset = rrsetFromMessage(msg, records);
      rrsetCache.set(setKey, rrset);
    }
    const rrsigRdata = b.slice(o, o + rr.rdataLength);
    stats.checked++;
    const cands = keys.candidates(alg, tag).filter((k) => k.rdata !== null);
    if (cands.length === 0) {
      stats.key_unknown++;
      continue;
    }
    const sigId = hexEncode(rrsigRdata.subarray(rrsigRdata.length > 64 ? rrsigRdata.length - 64 : 0));
    let ok: KeyRecord | null = null;
    let unsupported = false;
    let reason = '';
    for (const k of cands) {
      const revokedSig = k.revokedTag === tag && k.rdataRevoked !== null;
      const dnskey = revokedSig ? (k.rdataRevoked as Uint8Array) : (k.rdata as Uint8Array);
      const ck = `${sigId}|${k.id}|${revokedSig ? 'r' : ''}|${setKey}`;
      let v = verdicts.get(ck);
      if (v === undefined) {
        try {
          const res = verifyRrsig({ rrsig: rrsigRdata, rrset, dnskey, keyOwner: zone });
          v = res.status === 'valid' ? 'valid' : `${res.status}:${res.reason ?? ''}`;
        } catch (err) {
          v = `invalid:${(err as Error).message}`;
        }
        verdicts.set(ck, v);
      }
      if (v === 'valid') {
        ok = k;
        break;
      }
      if (v.startsWith('unsupported-algorithm')) unsupported = true;
      if (!v.startsWith('key-mismatch')) reason = v;
    }
    if (ok !== null) {
      stats.valid++;
      if (cands.length > 1) resolved.set(`${alg}:${tag}:${covered}:${sample.state.id}`, ok);
    } else if (unsupported) {
      stats.unsupported++;
    } else if (reason === '') {
      stats.key_unknown++;
    } else {
      stats.invalid++;
      invalid.push({
        at: sample.row.observed_at_ms, vantage: sample.vantage.id, covered, algorithm: alg, keyTag: tag,
        keys: cands.map((k) => k.id), reason,
      });
    }
  }
}
