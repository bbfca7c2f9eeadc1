// The lab's authoritative DNS server: UDP and TCP (RFC 7766) on one loopback address, answering
// from the current signed version of the zones it serves. Fast path: the wire answer of each
// (qname, qtype, DO) is built once per zone version (SignedZone.answer); a query costs a decode, a
// map look-up and a copy. EDNS (RFC 6891): the client's UDP size is honoured up to maxUdpSize, TC
// set when the answer does not fit. Queries for other zones or classes get REFUSED.

import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { KtoError, OPCODE, RCODE, RRTYPE, decodeMessage, isSubdomain } from '@kto/core';
import type { DnsMessage } from '@kto/core';
import { assertLoopback } from './address.js';
import { bindFailure } from './port-check.js';
import type { SignedZone } from './signed-zone.js';
import { FLAG_CD, FLAG_QR, FLAG_RD, FLAG_TC, WireWriter } from './wire-writer.js';

/** A zone the server answers for: its apex and its signed content now. */
export interface ZoneSource {
  readonly apex: string;
  current(): SignedZone;
}

export interface DnsServerOptions {
  address: string;
  /** Default 53; 0 picks a free port (the same for UDP and TCP). */
  port?: number;
  zones: readonly ZoneSource[];
  /** Largest UDP response, octets (default 1232, RFC 9715 / DNS flag day 2020). */
  maxUdpSize?: number;
  /** A TCP connection idle this long is closed (default 10 s, RFC 7766 §6.2.3). */
  tcpIdleMs?: number;
}

export interface DnsServerStats {
  udpQueries: number;
  tcpQueries: number;
  truncated: number;
  refused: number;
  formerr: number;
}

const DEFAULT_MAX_UDP = 1232;
const OPT_LENGTH = 11;
/** An AXFR message carries up to this many octets of records (well below the 65,535 limit). */
const AXFR_CHUNK = 16_000;

export class LabDnsServer {
  readonly address: string;
  #port: number;
  readonly #zones: readonly ZoneSource[];
  readonly #maxUdp: number;
  readonly #idleMs: number;
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  readonly #connections = new Set<Socket>();
  readonly stats: DnsServerStats = { udpQueries: 0, tcpQueries: 0, truncated: 0, refused: 0, formerr: 0 };

  constructor(opts: DnsServerOptions) {
    assertLoopback(opts.address, 'DNS server address');
    const port = opts.port ?? 53;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `port must be an integer 0..65535, got ${String(port)}`);
    }
    const maxUdp = opts.maxUdpSize ?? DEFAULT_MAX_UDP;
    if (!Number.isInteger(maxUdp) || maxUdp < 512 || maxUdp > 65535) {
      throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `maxUdpSize must be an integer 512..65535, got ${String(maxUdp)}`);
    }
    this.address = opts.address;
    this.#port = port;
    // the most specific apex first, so that a child zone served beside its parent wins
    this.#zones = [...opts.zones].sort((a, b) => b.apex.length - a.apex.length);
    this.#maxUdp = maxUdp;
    this.#idleMs = opts.tcpIdleMs ?? 10_000;
  }

  get port(): number {
    return this.#port;
  }

  /** Binds UDP, then TCP on the same port; rejects with KTO_ERR_LAB_ADDRESS_IN_USE or _CANNOT_BIND. */
  async start(): Promise<void> {
    const udp = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', (err) => reject(bindFailure(err, this.address, this.#port, 'udp')));
      udp.bind(this.#port, this.address, () => resolve());
    });
    this.#udp = udp;
    this.#port = udp.address().port;
    udp.on('error', () => undefined);
    udp.on('message', (msg, rinfo) => {
      this.stats.udpQueries++;
      const reply = this.handle(msg, 'udp');
      if (reply !== null) udp.send(reply, rinfo.port, rinfo.address);
    });
    const tcp = createServer((socket) => this.#onConnection(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', (err) => reject(bindFailure(err, this.address, this.#port, 'tcp')));
        tcp.listen({ port: this.#port, host: this.address, exclusive: true }, () => resolve());
      });
    } catch (err) {
      await this.stop();
      throw err;
    }
    tcp.on('error', () => undefined);
    this.#tcp = tcp;
  }

  /** Closes the sockets and every TCP connection. */
  async stop(): Promise<void> {
    const udp = this.#udp;
    const tcp = this.#tcp;
    this.#udp = undefined;
    this.#tcp = undefined;
    for (const c of this.#connections) c.destroy();
    this.#connections.clear();
    await Promise.all([
      udp === undefined ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp === undefined ? undefined : new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  #onConnection(socket: Socket): void {
    this.#connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.#idleMs, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', () => this.#connections.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        this.stats.tcpQueries++;
        for (const reply of this.#handleTcp(msg)) {
          const framed = Buffer.allocUnsafe(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          framed.set(reply, 2);
          socket.write(framed);
        }
      }
    });
  }

  #handleTcp(msg: Uint8Array): Uint8Array[] {
    const axfr = this.#transfer(msg);
    if (axfr !== undefined) return axfr;
    const reply = this.handle(msg, 'tcp');
    return reply === null ? [] : [reply];
  }

  #zoneFor(qname: string, qtype: number): ZoneSource | undefined {
    let found: ZoneSource | undefined;
    for (const z of this.#zones) {
      if (!isSubdomain(qname, z.apex)) continue;
      // a DS query at a child's apex belongs to the parent, if this server has it (RFC 4035 §3.1.4.1)
      if (qtype === RRTYPE.DS && qname === z.apex && z.apex !== '.') {
        found ??= z;
        continue;
      }
      return z;
    }
    return found;
  }

  /**
   * The response to one query message (null: drop it, e.g. a response or fewer than 12 octets).
   * Exposed for tests and benchmarks; the sockets call it.
   */
  handle(query: Uint8Array, transport: 'udp' | 'tcp'): Uint8Array | null {
    if (query.length < 12 || ((query[2] as number) & 0x80) !== 0) return null;
    let msg: DnsMessage;
    try {
      msg = decodeMessage(query);
    } catch {
      this.stats.formerr++;
      return errorReply(query, RCODE.FORMERR);
    }
    const { header } = msg;
    if (header.opcode !== OPCODE.QUERY) return errorReply(query, RCODE.NOTIMP, msg);
    const q = msg.question[0];
    if (q === undefined || msg.question.length !== 1) {
      this.stats.formerr++;
      return errorReply(query, RCODE.FORMERR);
    }
    const edns = msg.edns;
    if (edns !== undefined && edns.version !== 0) return badVersion(query, msg);
    const zone = q.klass === 1 && q.type !== RRTYPE.AXFR && q.type !== RRTYPE.IXFR ? this.#zoneFor(q.name, q.type) : undefined;
    if (zone === undefined) {
      this.stats.refused++;
      return errorReply(query, RCODE.REFUSED, msg);
    }
    const dnssecOk = edns?.dnssecOk === true;
    const t = zone.current().answer(q.name, q.type, dnssecOk);
    const limit = transport === 'tcp' ? 65535 : edns === undefined ? 512 : Math.min(Math.max(edns.udpSize, 512), this.#maxUdp);
    const optLen = edns === undefined ? 0 : OPT_LENGTH;
    const fits = t.bytes.length + optLen <= limit;
    const bodyLen = fits ? t.bytes.length : t.questionEnd;
    const out = new Uint8Array(bodyLen + optLen);
    out.set(fits ? t.bytes : t.bytes.subarray(0, t.questionEnd), 0);
    out[0] = query[0] as number;
    out[1] = query[1] as number;
    let flags = ((out[2] as number) << 8) | (out[3] as number);
    flags |= header.flags & (FLAG_RD | FLAG_CD);
    if (!fits) {
      flags |= FLAG_TC;
      out.fill(0, 6, 12);
      this.stats.truncated++;
    }
    out[2] = flags >>> 8;
    out[3] = flags & 0xff;
    // the question as the client wrote it (case included: 0x20 randomisation, draft-vixie-dnsext-dns0x20)
    const qEnd = t.questionEnd - 4;
    if (query.length >= qEnd && sameNameIgnoringCase(query, out, 12, qEnd)) out.set(query.subarray(12, qEnd), 12);
    if (edns !== undefined) {
      const arcount = (((out[10] as number) << 8) | (out[11] as number)) + 1;
      out[10] = arcount >>> 8;
      out[11] = arcount & 0xff;
      writeOpt(out, bodyLen, this.#maxUdp, dnssecOk, 0);
    }
    return out;
  }

  /** AXFR (RFC 5936) over TCP: the zone in messages of at most AXFR_CHUNK octets of records. */
  #transfer(query: Uint8Array): Uint8Array[] | undefined {
    let msg: DnsMessage;
    try {
      msg = decodeMessage(query);
    } catch {
      return undefined;
    }
    const q = msg.question[0];
    if (q === undefined || msg.header.qr || msg.header.opcode !== OPCODE.QUERY || (q.type !== RRTYPE.AXFR && q.type !== RRTYPE.IXFR)) return undefined;
    const zone = this.#zones.find((z) => z.apex === q.name);
    if (zone === undefined) return [errorReply(query, RCODE.REFUSED, msg)];
    const records = zone.current().transferRecords();
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < records.length) {
      const w = new WireWriter(AXFR_CHUNK + 1024);
      w.u16(msg.header.id);
      w.u16(FLAG_QR | 0x0400);
      w.u16(1);
      w.u16(0);
      w.u16(0);
      w.u16(0);
      w.name(zone.current().apexWire);
      w.u16(q.type);
      w.u16(1);
      let n = 0;
      while (i < records.length && (n === 0 || w.length < AXFR_CHUNK)) {
        w.record(records[i] as (typeof records)[number]);
        i++;
        n++;
      }
      const bytes = w.result();
      bytes[6] = n >>> 8;
      bytes[7] = n & 0xff;
      out.push(bytes);
    }
    return out;
  }
}

function sameNameIgnoringCase(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    let x = a[i] as number;
    let y = b[i] as number;
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/** OPT RR (RFC 6891 §6.1.2) at `p`: root owner, UDP size, extended RCODE high bits, version 0, DO. */
function writeOpt(out: Uint8Array, p: number, udpSize: number, dnssecOk: boolean, extendedRcode: number): void {
  out[p] = 0;
  out[p + 1] = 0;
  out[p + 2] = RRTYPE.OPT;
  out[p + 3] = udpSize >>> 8;
  out[p + 4] = udpSize & 0xff;
  out[p + 5] = extendedRcode;
  out[p + 6] = 0;
  out[p + 7] = dnssecOk ? 0x80 : 0;
  out[p + 8] = 0;
  out[p + 9] = 0;
  out[p + 10] = 0;
}

/** A reply with only the header (and the question when the query decoded): FORMERR, NOTIMP, REFUSED. */
function errorReply(query: Uint8Array, rcode: number, msg?: DnsMessage): Uint8Array {
  const q = msg?.question[0];
  let qlen = 0;
  if (q !== undefined) {
    let p = 12;
    while (p < query.length && query[p] !== 0) p += 1 + (query[p] as number);
    qlen = p + 1 + 4 - 12;
  }
  const out = new Uint8Array(12 + qlen);
  out[0] = query[0] as number;
  out[1] = query[1] as number;
  const flags = FLAG_QR | (((query[2] as number) << 8) & 0x7800) | (((query[2] as number) << 8) & FLAG_RD) | (rcode & 0xf);
  out[2] = flags >>> 8;
  out[3] = flags & 0xff;
  if (qlen > 0) {
    out[5] = 1;
    out.set(query.subarray(12, 12 + qlen), 12);
  }
  return out;
}

/** BADVERS (RFC 6891 §6.1.3): extended RCODE 16 = header 0 + OPT upper bits 1. */
function badVersion(query: Uint8Array, msg: DnsMessage): Uint8Array {
  const base = errorReply(query, 0, msg);
  const out = new Uint8Array(base.length + OPT_LENGTH);
  out.set(base, 0);
  out[11] = 1;
  writeOpt(out, base.length, DEFAULT_MAX_UDP, msg.edns?.dnssecOk === true, 1);
  return out;
}
