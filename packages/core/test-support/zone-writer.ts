// Test-only: writing records as master-file text (RFC 1035 §5, the type syntaxes of RFC 4034 for
// DNSSEC types), building an NSEC chain (RFC 4034 §4, RFC 4035 §2.3) and signing a small zone with
// KTO's signRrset, so that other implementations (ldns) can read and check what KTO signed.

import { compareNames, isSubdomain, nameFromWire } from '../src/names.js';
import { decodeDnskey, decodeDs, decodeNsec, decodeRrsig, decodeSoa, encodeNsec } from '../src/rdata.js';
import { signRrset } from '../src/dnssec/node-sign.js';
import type { DnssecKeyPair } from '../src/dnssec/node-keys.js';
import { base64Encode, hexEncode } from '../src/text-encoding.js';
import { typeName } from '../src/types.js';

export interface ZoneRr {
  name: string;
  type: number;
  klass: number;
  ttl: number;
  rdata: Uint8Array;
}

/** YYYYMMDDHHmmSS (RFC 4034 §3.2) of seconds since the epoch. */
export function rrsigTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function characterStrings(rdata: Uint8Array): string {
  const out: string[] = [];
  for (let p = 0; p < rdata.length;) {
    const len = rdata[p] as number;
    let s = '"';
    for (const b of rdata.subarray(p + 1, p + 1 + len)) {
      if (b === 0x22 || b === 0x5c) s += '\\' + String.fromCharCode(b);
      else if (b < 0x20 || b > 0x7e) s += '\\' + String(b).padStart(3, '0');
      else s += String.fromCharCode(b);
    }
    out.push(s + '"');
    p += 1 + len;
  }
  return out.join(' ');
}

function rdataText(type: number, rdata: Uint8Array): string {
  switch (type) {
    case 1: return Array.from(rdata).join('.');
    case 28: {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push((((rdata[i] as number) << 8) | (rdata[i + 1] as number)).toString(16));
      return groups.join(':');
    }
    case 2: case 5: return nameFromWire(rdata);
    case 15: return `${((rdata[0] as number) << 8) | (rdata[1] as number)} ${nameFromWire(rdata, 2)}`;
    case 16: return characterStrings(rdata);
    case 6: {
      const s = decodeSoa(rdata, 0, rdata.length);
      return `${s.mname} ${s.rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case 43: {
      const d = decodeDs(rdata, 0, rdata.length);
      return `${d.keyTag} ${d.algorithm} ${d.digestType} ${hexEncode(d.digest)}`;
    }
    case 48: {
      const k = decodeDnskey(rdata, 0, rdata.length);
      return `${k.flags} ${k.protocol} ${k.algorithm} ${base64Encode(k.publicKey)}`;
    }
    case 46: {
      const s = decodeRrsig(rdata, 0, rdata.length);
      return `${typeName(s.typeCovered)} ${s.algorithm} ${s.labels} ${s.originalTtl} ${rrsigTime(s.expiration)} ${rrsigTime(s.inception)} `
        + `${s.keyTag} ${s.signer} ${base64Encode(s.signature)}`;
    }
    case 47: {
      const n = decodeNsec(rdata, 0, rdata.length);
      return `${n.next} ${n.types.map(typeName).join(' ')}`;
    }
    default:
      return `\\# ${rdata.length} ${hexEncode(rdata)}`;
  }
}

/** One record as a master-file line (class IN). */
export function recordText(r: ZoneRr): string {
  return `${r.name} ${r.ttl} IN ${typeName(r.type)} ${rdataText(r.type, r.rdata)}`;
}

/**
 * The NSEC chain of a zone (RFC 4034 §4.1, RFC 4035 §2.3): one NSEC per authoritative name and
 * delegation point, in canonical order, the last pointing back to the apex; names below a
 * delegation (glue) get none. TTL: the SOA minimum.
 */
export function nsecChain(records: readonly ZoneRr[], apex: string): ZoneRr[] {
  const soa = records.find((r) => r.type === 6 && r.name === apex);
  if (soa === undefined) throw new Error('test helper: the zone has no SOA at its apex');
  const ttl = decodeSoa(soa.rdata, 0, soa.rdata.length).minimum;
  const cuts = new Set(records.filter((r) => r.type === 2 && r.name !== apex).map((r) => r.name));
  const below = (name: string) => [...cuts].some((c) => name !== c && isSubdomain(name, c));
  const types = new Map<string, Set<number>>();
  for (const r of records) {
    if (below(r.name)) continue;
    if (!types.has(r.name)) types.set(r.name, new Set([46, 47]));
    types.get(r.name)?.add(r.type);
  }
  const names = [...types.keys()].sort(compareNames);
  return names.map((name, i) => ({
    name, type: 47, klass: 1, ttl,
    rdata: encodeNsec({ next: names[(i + 1) % names.length] as string, types: [...(types.get(name) as Set<number>)].sort((a, b) => a - b) }),
  }));
}

/**
 * The zone with an NSEC chain and KTO's signatures: the DNSKEY RRset by every KSK, every other
 * authoritative RRset by every ZSK; delegation NS and glue unsigned (RFC 4035 §2.2).
 */
export function signZone(records: readonly ZoneRr[], apex: string, ksks: readonly DnssecKeyPair[], zsks: readonly DnssecKeyPair[],
  inception: number, expiration: number): ZoneRr[] {
  const withKeys = [...records, ...[...ksks, ...zsks].map((k) => ({ name: apex, type: 48, klass: 1, ttl: 3600, rdata: k.dnskey }))];
  const all = [...withKeys, ...nsecChain(withKeys, apex)];
  const cuts = new Set(all.filter((r) => r.type === 2 && r.name !== apex).map((r) => r.name));
  const sets = new Map<string, ZoneRr[]>();
  for (const r of all) {
    const glue = [...cuts].some((c) => r.name !== c && isSubdomain(r.name, c));
    const delegationNs = r.type === 2 && cuts.has(r.name);
    if (glue || delegationNs) continue;
    const k = `${r.name}|${r.type}`;
    sets.set(k, [...(sets.get(k) ?? []), r]);
  }
  const signed: ZoneRr[] = [...all];
  for (const rrset of sets.values()) {
    const first = rrset[0] as ZoneRr;
    for (const key of first.type === 48 ? ksks : zsks) {
      const rdata = signRrset({
        rrset, signer: apex, key: key.privateKey, keyTag: key.keyTag, algorithm: key.algorithm,
        inception, expiration, originalTtl: first.ttl,
      });
      signed.push({ name: first.name, type: 46, klass: 1, ttl: first.ttl, rdata });
    }
  }
  return signed;
}
