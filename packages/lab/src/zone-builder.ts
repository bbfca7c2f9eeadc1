// The RRsets of one zone at one moment, unsigned: apex SOA, NS, DNSKEY, CDS/CDNSKEY, CSYNC, the A
// records of its name servers, delegations (NS, DS, glue) and the NSEC chain (RFC 4034 §4, RFC 4035
// §2.3) over the apex, the other names that own data, and the delegation points.

import {
  RRTYPE, compareWireNames, encodeCsync, encodeDnskey, encodeDs, encodeNs, encodeNsec, encodeSoa, isSubdomain, nameToWire,
  normalizeName,
} from '@kto/core';

/** An RRset: one owner and type, RDATA in canonical form, sorted and without duplicates. */
export interface RRset {
  /** Canonical (lower-case, absolute) owner. */
  name: string;
  nameWire: Uint8Array;
  type: number;
  /** TTL as served (real seconds). */
  ttl: number;
  rdatas: readonly Uint8Array[];
}

export interface HostAddress {
  name: string;
  address: string;
}

export interface DelegationInput {
  /** The child zone's apex. */
  name: string;
  nsHosts: readonly string[];
  /** DS RDATA for the child (empty: insecure delegation). */
  ds: readonly Uint8Array[];
  nsTtl: number;
  dsTtl: number;
  /** Addresses of in-bailiwick name servers (served as glue). */
  glue: readonly HostAddress[];
}

export interface ZoneInput {
  apex: string;
  serial: number;
  /** TTLs as served (real seconds): SOA/NS/A/CSYNC, DNSKEY/CDS/CDNSKEY; NSEC and the SOA minimum
   *  are min(SOA TTL, negative TTL) (RFC 9077). */
  ttl: { zone: number; dnskey: number; negative: number };
  nsHosts: readonly string[];
  /** A records the zone is authoritative for (its own name servers, and any other host). */
  addresses: readonly HostAddress[];
  dnskeys: readonly Uint8Array[];
  cds: readonly Uint8Array[];
  cdnskeys: readonly Uint8Array[];
  /** Publish CSYNC (serial = SOA serial, flags immediate, types NS and A; RFC 7477 §2.1). */
  csync: boolean;
  delegations: readonly DelegationInput[];
}

export interface ZoneData {
  apex: string;
  apexWire: Uint8Array;
  /** Authoritative RRsets, NSEC included, in canonical name order then type. */
  rrsets: RRset[];
  /** Delegations: NS RRset (not signed) and glue; the DS RRset, if any, is in `rrsets`. */
  delegations: { name: string; ns: RRset; glue: RRset[] }[];
  soa: RRset;
}

/** CSYNC flags: immediate (RFC 7477 §2.1.1.1). */
const CSYNC_IMMEDIATE = 1;
/** SOA timers for secondaries (none exist in the lab); fixed, not scaled. */
const SOA_REFRESH = 3600;
const SOA_RETRY = 600;
const SOA_EXPIRE = 604800;

/** A record RDATA of a dotted-quad IPv4 address. */
export function encodeA(address: string): Uint8Array {
  const parts = address.split('.').map(Number);
  return Uint8Array.from(parts);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** An RRset from RDATA, sorted in canonical order (RFC 4034 §6.3) without duplicates. */
export function makeRrset(name: string, type: number, ttl: number, rdatas: readonly Uint8Array[]): RRset {
  const sorted = [...rdatas].sort(compareBytes);
  const unique = sorted.filter((r, i) => i === 0 || compareBytes(sorted[i - 1] as Uint8Array, r) !== 0);
  const canonical = normalizeName(name);
  return { name: canonical, nameWire: nameToWire(canonical), type, ttl, rdatas: unique };
}

/** The zone's RRsets (unsigned) with its NSEC chain. */
export function buildZone(z: ZoneInput): ZoneData {
  const apex = normalizeName(z.apex);
  const byName = new Map<string, RRset[]>();
  const add = (r: RRset): void => {
    const list = byName.get(r.name);
    if (list === undefined) byName.set(r.name, [r]);
    else list.push(r);
  };
  const soa = makeRrset(apex, RRTYPE.SOA, z.ttl.zone, [encodeSoa({
    mname: z.nsHosts[0] ?? apex, rname: `hostmaster.${apex === '.' ? '' : apex}`, serial: z.serial >>> 0,
    refresh: SOA_REFRESH, retry: SOA_RETRY, expire: SOA_EXPIRE, minimum: z.ttl.negative,
  })]);
  add(soa);
  add(makeRrset(apex, RRTYPE.NS, z.ttl.zone, z.nsHosts.map((host) => encodeNs({ host }))));
  if (z.dnskeys.length > 0) add(makeRrset(apex, RRTYPE.DNSKEY, z.ttl.dnskey, z.dnskeys));
  if (z.cds.length > 0) add(makeRrset(apex, RRTYPE.CDS, z.ttl.dnskey, z.cds));
  if (z.cdnskeys.length > 0) add(makeRrset(apex, RRTYPE.CDNSKEY, z.ttl.dnskey, z.cdnskeys));
  if (z.csync) add(makeRrset(apex, RRTYPE.CSYNC, z.ttl.zone, [encodeCsync({ serial: z.serial >>> 0, flags: CSYNC_IMMEDIATE, types: [RRTYPE.A, RRTYPE.NS] })]));

  const cuts = new Set(z.delegations.map((d) => normalizeName(d.name)));
  const occluded = (name: string): boolean => {
    for (const c of cuts) if (name !== c && isSubdomain(name, c)) return true;
    return false;
  };
  const hosts = new Map<string, Uint8Array[]>();
  for (const h of z.addresses) {
    const n = normalizeName(h.name);
    const list = hosts.get(n);
    if (list === undefined) hosts.set(n, [encodeA(h.address)]);
    else list.push(encodeA(h.address));
  }
  for (const [n, rdatas] of hosts) add(makeRrset(n, RRTYPE.A, z.ttl.zone, rdatas));

  const delegations: ZoneData['delegations'] = [];
  const cutTypes = new Map<string, number[]>();
  for (const d of z.delegations) {
    const name = normalizeName(d.name);
    const ns = makeRrset(name, RRTYPE.NS, d.nsTtl, d.nsHosts.map((host) => encodeNs({ host })));
    const glueByName = new Map<string, Uint8Array[]>();
    for (const g of d.glue) {
      const n = normalizeName(g.name);
      if (!isSubdomain(n, name)) continue; // only in-bailiwick glue
      const list = glueByName.get(n);
      if (list === undefined) glueByName.set(n, [encodeA(g.address)]);
      else list.push(encodeA(g.address));
    }
    const glue = [...glueByName].map(([n, r]) => makeRrset(n, RRTYPE.A, d.nsTtl, r));
    delegations.push({ name, ns, glue });
    const types: number[] = [RRTYPE.NS, RRTYPE.RRSIG, RRTYPE.NSEC];
    if (d.ds.length > 0) {
      add(makeRrset(name, RRTYPE.DS, d.dsTtl, d.ds));
      types.push(RRTYPE.DS);
    }
    cutTypes.set(name, types);
  }

  // NSEC chain: every name that owns authoritative data or is a delegation point
  const owners = new Set<string>([...byName.keys(), ...cutTypes.keys()].filter((n) => !occluded(n)));
  const sorted = [...owners].map((n) => ({ n, w: nameToWire(n) })).sort((a, b) => compareWireNames(a.w, b.w));
  for (let i = 0; i < sorted.length; i++) {
    const { n } = sorted[i] as { n: string };
    const next = (sorted[(i + 1) % sorted.length] as { n: string }).n;
    const types = cutTypes.get(n) ?? [];
    const own = (byName.get(n) ?? []).map((r) => r.type);
    const all = [...new Set([...types, ...own, RRTYPE.RRSIG, RRTYPE.NSEC])];
    add(makeRrset(n, RRTYPE.NSEC, z.ttl.negative, [encodeNsec({ next, types: all })]));
  }

  const rrsets: RRset[] = [];
  for (const { n } of sorted) {
    const list = (byName.get(n) ?? []).sort((a, b) => a.type - b.type);
    rrsets.push(...list);
  }
  return { apex, apexWire: nameToWire(apex), rrsets, delegations, soa };
}

/** RFC 8078 §4 delete requests: CDS "0 0 0 00" and CDNSKEY "0 3 0 AA==". */
export const CDS_DELETE = encodeDs({ keyTag: 0, algorithm: 0, digestType: 0, digest: Uint8Array.of(0) });
export const CDNSKEY_DELETE = encodeDnskey({ flags: 0, protocol: 3, algorithm: 0, publicKey: Uint8Array.of(0) });
