// A signed zone as an authoritative server answers from it (RFC 1034 §4.3.2, RFC 4035 §3.1):
// exact answers with their RRSIGs, NODATA and NXDOMAIN with NSEC proofs, referrals with NS and DS
// (or the NSEC that proves there is no DS) and glue. Answers are built once per (qname, qtype, DO)
// and kept as wire templates; the server only patches the ID, flags and the question's case.

import { RCODE, RRTYPE, compareWireNames, nameToWire } from '@kto/core';
import type { SignedRRset } from './signer.js';
import { FLAG_AA, FLAG_QR, WireWriter } from './wire-writer.js';
import type { WireRecord } from './wire-writer.js';
import type { RRset, ZoneData } from './zone-builder.js';

export interface AnswerTemplate {
  /** The response without OPT: header (ID 0, RD and CD clear), question in canonical case, sections. */
  bytes: Uint8Array;
  /** Octets of header + question: a truncated response keeps only these. */
  questionEnd: number;
}

interface Delegation {
  ns: RRset;
  glue: RRset[];
}

/** Answer templates kept per zone version; a flood of random names cannot grow it without bound. */
const MAX_TEMPLATES = 20_000;

export class SignedZone {
  readonly apex: string;
  readonly apexWire: Uint8Array;
  readonly soa: SignedRRset;
  /** Every authoritative RRset with its signatures, in canonical order (an AXFR's body). */
  readonly rrsets: readonly SignedRRset[];
  readonly delegationList: readonly { name: string; ns: RRset; glue: RRset[] }[];
  readonly #nodes = new Map<string, Map<number, SignedRRset>>();
  readonly #cuts = new Map<string, Delegation>();
  /** A RRsets by host name: authoritative (signed) or glue. */
  readonly #hosts = new Map<string, RRset | SignedRRset>();
  /** NSEC RRsets in canonical order of their owners. */
  readonly #nsec: { wire: Uint8Array; rrset: SignedRRset }[] = [];
  readonly #templates = new Map<string, AnswerTemplate>();

  constructor(zone: ZoneData, signed: readonly SignedRRset[]) {
    this.apex = zone.apex;
    this.apexWire = zone.apexWire;
    this.rrsets = signed;
    this.delegationList = zone.delegations;
    for (const r of signed) {
      let node = this.#nodes.get(r.name);
      if (node === undefined) {
        node = new Map();
        this.#nodes.set(r.name, node);
      }
      node.set(r.type, r);
      if (r.type === RRTYPE.NSEC) this.#nsec.push({ wire: r.nameWire, rrset: r });
      if (r.type === RRTYPE.A) this.#hosts.set(r.name, r);
    }
    this.#nsec.sort((a, b) => compareWireNames(a.wire, b.wire));
    for (const d of zone.delegations) {
      this.#cuts.set(d.name, { ns: d.ns, glue: d.glue });
      for (const g of d.glue) if (!this.#hosts.has(g.name)) this.#hosts.set(g.name, g);
    }
    const soa = this.#nodes.get(this.apex)?.get(RRTYPE.SOA);
    if (soa === undefined) throw new Error(`zone ${this.apex} has no SOA`);
    this.soa = soa;
  }

  /** The answer to (qname, qtype) with DO = `dnssecOk`; qname canonical and inside the zone. */
  answer(qname: string, qtype: number, dnssecOk: boolean): AnswerTemplate {
    const id = `${qname}|${qtype}|${dnssecOk ? 1 : 0}`;
    let t = this.#templates.get(id);
    if (t === undefined) {
      if (this.#templates.size >= MAX_TEMPLATES) this.#templates.clear();
      t = this.#build(qname, qtype, dnssecOk);
      this.#templates.set(id, t);
    }
    return t;
  }

  /** The NSEC RRset whose owner is the greatest one <= name (it covers or matches the name). */
  #covering(wire: Uint8Array): SignedRRset {
    const list = this.#nsec;
    let lo = 0;
    let hi = list.length - 1;
    let best = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWireNames((list[mid] as { wire: Uint8Array }).wire, wire) <= 0) {
        best = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return (list[best] as { rrset: SignedRRset }).rrset;
  }

  #build(qname: string, qtype: number, dnssecOk: boolean): AnswerTemplate {
    const qwire = nameToWire(qname);
    const answer: (RRset | SignedRRset)[] = [];
    const authority: (RRset | SignedRRset)[] = [];
    const additional: (RRset | SignedRRset)[] = [];
    let aa = true;
    let rcode: number = RCODE.NOERROR;

    // ancestors of qname up to (not including) the apex, nearest first
    const ancestors: { name: string; wire: Uint8Array }[] = [];
    for (let p = 0; p < qwire.length - this.apexWire.length;) {
      const w = qwire.subarray(p);
      ancestors.push({ name: p === 0 ? qname : wireText(w), wire: w });
      p += 1 + (qwire[p] as number);
    }
    // the topmost zone cut on the way down from the apex
    let cut: string | undefined;
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const n = (ancestors[i] as { name: string }).name;
      if (this.#cuts.has(n)) {
        cut = n;
        break;
      }
    }
    if (cut !== undefined && !(cut === qname && qtype === RRTYPE.DS)) {
      // referral (RFC 4035 §3.1.4): NS, then DS + RRSIG or the NSEC proving there is none; glue
      aa = false;
      const d = this.#cuts.get(cut) as Delegation;
      authority.push(d.ns);
      if (dnssecOk) {
        const node = this.#nodes.get(cut);
        const ds = node?.get(RRTYPE.DS);
        const nsec = node?.get(RRTYPE.NSEC);
        if (ds !== undefined) authority.push(ds);
        else if (nsec !== undefined) authority.push(nsec);
      }
      additional.push(...d.glue);
    } else {
      const node = this.#nodes.get(qname);
      if (node !== undefined) {
        if (qtype === RRTYPE.ANY) {
          for (const r of node.values()) answer.push(r);
        } else if (qtype === RRTYPE.RRSIG) {
          for (const r of node.values()) if (r.sigs.length > 0) answer.push({ name: r.name, nameWire: r.nameWire, type: RRTYPE.RRSIG, ttl: r.ttl, rdatas: r.sigs });
        } else {
          const r = node.get(qtype);
          if (r !== undefined) answer.push(r);
        }
        if (answer.length === 0) {
          authority.push(this.soa);
          const nsec = node.get(RRTYPE.NSEC);
          if (dnssecOk && nsec !== undefined) authority.push(nsec);
        } else if (qtype === RRTYPE.NS) {
          for (const r of answer) this.#addHosts(r, additional);
        }
      } else {
        const cover = this.#covering(qwire);
        const nextWire = nsecNextWire(cover);
        if (nextWire !== undefined && isBelow(nextWire, qwire)) {
          // an empty non-terminal: NODATA, the covering NSEC proves that no RRset exists here
          authority.push(this.soa);
          if (dnssecOk) authority.push(cover);
        } else {
          // NXDOMAIN (RFC 4035 §3.1.3.2): the NSEC covering the name and the one covering the
          // wildcard at the closest encloser
          rcode = RCODE.NXDOMAIN;
          authority.push(this.soa);
          if (dnssecOk) {
            authority.push(cover);
            let encloser = this.apexWire;
            for (const a of ancestors) {
              if (a.wire !== qwire && this.#nodes.has(a.name)) {
                encloser = a.wire;
                break;
              }
            }
            const wildcard = new Uint8Array(2 + encloser.length);
            wildcard[0] = 1;
            wildcard[1] = 0x2a;
            wildcard.set(encloser, 2);
            const wcover = this.#covering(wildcard);
            if (wcover !== cover) authority.push(wcover);
          }
        }
      }
    }
    return encodeTemplate(qwire, qtype, aa, rcode, answer, authority, additional, dnssecOk);
  }

  #addHosts(ns: RRset, additional: (RRset | SignedRRset)[]): void {
    for (const rdata of ns.rdatas) {
      const host = wireText(rdata);
      const a = this.#hosts.get(host);
      if (a !== undefined && !additional.includes(a)) additional.push(a);
    }
  }

  /** The zone as AXFR sends it (RFC 5936 §2.2): SOA, every RRset with its RRSIGs, delegations and glue, SOA. */
  transferRecords(): WireRecord[] {
    const out: WireRecord[] = [];
    const push = (r: RRset | SignedRRset, sigs: boolean): void => {
      for (const rdata of r.rdatas) out.push({ nameWire: r.nameWire, type: r.type, ttl: r.ttl, rdata });
      if (sigs && 'sigs' in r) for (const s of r.sigs) out.push({ nameWire: r.nameWire, type: RRTYPE.RRSIG, ttl: r.ttl, rdata: s });
    };
    push(this.soa, false);
    for (const s of this.soa.sigs) out.push({ nameWire: this.soa.nameWire, type: RRTYPE.RRSIG, ttl: this.soa.ttl, rdata: s });
    for (const r of this.rrsets) if (r !== this.soa) push(r, true);
    for (const d of this.delegationList) {
      push(d.ns, false);
      for (const g of d.glue) push(g, false);
    }
    push(this.soa, false);
    return out;
  }
}

const TEXT_SCRATCH: string[] = [];

/** Canonical text of an uncompressed wire name (the lab's names need no escapes beyond these). */
function wireText(w: Uint8Array): string {
  TEXT_SCRATCH.length = 0;
  let p = 0;
  while (p < w.length && w[p] !== 0) {
    const len = w[p] as number;
    let label = '';
    for (let i = p + 1; i <= p + len; i++) {
      const c = w[i] as number;
      const ch = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
      label += ch === 0x2e || ch === 0x5c ? `\\${String.fromCharCode(ch)}`
        : ch <= 0x20 || ch >= 0x7f ? `\\${String(ch).padStart(3, '0')}` : String.fromCharCode(ch);
    }
    TEXT_SCRATCH.push(label);
    p += 1 + len;
  }
  return TEXT_SCRATCH.length === 0 ? '.' : `${TEXT_SCRATCH.join('.')}.`;
}

function nsecNextWire(nsec: SignedRRset): Uint8Array | undefined {
  const rdata = nsec.rdatas[0];
  if (rdata === undefined) return undefined;
  let p = 0;
  while (p < rdata.length && rdata[p] !== 0) p += 1 + (rdata[p] as number);
  return rdata.subarray(0, p + 1);
}

/** True when `child` is a proper subdomain of `parent` (both canonical wire names). */
function isBelow(child: Uint8Array, parent: Uint8Array): boolean {
  if (child.length <= parent.length) return false;
  const start = child.length - parent.length;
  let p = 0;
  while (p < start) p += 1 + (child[p] as number);
  if (p !== start) return false;
  for (let i = 0; i < parent.length; i++) {
    let a = child[start + i] as number;
    if (a >= 0x41 && a <= 0x5a) a += 0x20;
    if (a !== parent[i]) return false;
  }
  return true;
}

function encodeTemplate(
  qwire: Uint8Array, qtype: number, aa: boolean, rcode: number,
  answer: readonly (RRset | SignedRRset)[], authority: readonly (RRset | SignedRRset)[], additional: readonly (RRset | SignedRRset)[],
  dnssecOk: boolean,
): AnswerTemplate {
  const w = new WireWriter(512);
  w.u16(0);
  w.u16(FLAG_QR | (aa ? FLAG_AA : 0) | (rcode & 0xf));
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.u16(0);
  w.name(qwire);
  w.u16(qtype);
  w.u16(1);
  const questionEnd = w.length;
  const counts = [0, 0, 0];
  const section = (list: readonly (RRset | SignedRRset)[], i: number): void => {
    let n = 0;
    for (const r of list) {
      for (const rdata of r.rdatas) {
        w.record({ nameWire: r.nameWire, type: r.type, ttl: r.ttl, rdata });
        n++;
      }
      if (dnssecOk && 'sigs' in r) {
        for (const s of r.sigs) {
          w.record({ nameWire: r.nameWire, type: RRTYPE.RRSIG, ttl: r.ttl, rdata: s });
          n++;
        }
      }
    }
    counts[i] = n;
  };
  section(answer, 0);
  section(authority, 1);
  section(additional, 2);
  const bytes = w.result();
  for (let i = 0; i < 3; i++) {
    const n = counts[i] as number;
    bytes[6 + 2 * i] = n >>> 8;
    bytes[7 + 2 * i] = n & 0xff;
  }
  return { bytes, questionEnd };
}
