// A minimal DNS response writer (RFC 1035 §4.1, no name compression; RFC 6891 OPT with RFC 8914 EDE),
// for observations the analyzer makes itself: imported zone snapshots and synthesized test series.

import { nameToWire } from '@kto/core';

export interface WireRecord {
  name: string;
  type: number;
  klass?: number;
  ttl: number;
  rdata: Uint8Array;
}

export interface WireResponse {
  qname: string;
  qtype: number;
  answer: readonly WireRecord[];
  rcode?: number;
  /** Authoritative answer bit. */
  aa?: boolean;
  /** Extended DNS Error codes (adds an OPT RR). */
  ede?: readonly number[];
}

export function encodeResponse(r: WireResponse): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(12);
  const flags = 0x8000 | (r.aa === true ? 0x0400 : 0) | 0x0100 | ((r.rcode ?? 0) & 0x0f);
  header[2] = flags >> 8;
  header[3] = flags & 0xff;
  header[5] = 1;
  header[6] = r.answer.length >> 8;
  header[7] = r.answer.length & 0xff;
  const ede = r.ede ?? [];
  header[11] = ede.length > 0 ? 1 : 0;
  parts.push(header);
  const q = nameToWire(r.qname);
  const qtail = new Uint8Array(4);
  qtail[0] = r.qtype >> 8;
  qtail[1] = r.qtype & 0xff;
  qtail[3] = 1;
  parts.push(q, qtail);
  for (const rr of r.answer) {
    const name = nameToWire(rr.name);
    const fixed = new Uint8Array(10);
    const dv = new DataView(fixed.buffer);
    dv.setUint16(0, rr.type);
    dv.setUint16(2, rr.klass ?? 1);
    dv.setUint32(4, rr.ttl >>> 0);
    dv.setUint16(8, rr.rdata.length);
    parts.push(name, fixed, rr.rdata);
  }
  if (ede.length > 0) {
    const opts = new Uint8Array(ede.length * 6);
    ede.forEach((code, i) => {
      opts[i * 6 + 1] = 15; // EDE option code
      opts[i * 6 + 3] = 2;
      opts[i * 6 + 4] = code >> 8;
      opts[i * 6 + 5] = code & 0xff;
    });
    const opt = new Uint8Array(11);
    opt[2] = 41; // OPT
    opt[3] = 0x04; // udp size 1232
    opt[4] = 0xd0;
    opt[7] = 0x80; // DO
    opt[9] = opts.length >> 8;
    opt[10] = opts.length & 0xff;
    parts.push(opt, opts);
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
