// The server side of the 'split-anycast' vantage point: a relay that stands in for the name servers of
// the lab's multi-provider zones and sends each query to ONE provider chosen by its type, as anycast
// instances or load balancers that disagree do (the .de outage of 2026-05-05 showed instances serving
// different data). Key RRsets (DNSKEY, CDS, CDNSKEY) come from the LAST provider of the zone's current
// NS set, everything else from the FIRST, so a resolver behind it always combines one provider's
// DNSKEY RRset with the other provider's signatures: that validates exactly when every provider
// publishes every ZSK (RFC 8901 §2.1.2), deterministically, where plain Unbound only stumbles on it
// when its random server choice happens to mix the two.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { decodeMessage, isSubdomain, normalizeName } from '@kto/core';
import { assertLoopback } from './address.js';
import { assertFree } from './port-check.js';

const KEY_TYPES = new Set([48, 59, 60]); // DNSKEY, CDS, CDNSKEY
const UPSTREAM_TIMEOUT_MS = 2000;

export interface SplitRoute {
  /** Address of the server that answers the key RRsets, and of the one that answers the rest. */
  keys: string;
  data: string;
}

export interface SplitProxyOptions {
  address: string;
  port: number;
  /** The zones it stands in for, and where each query type goes now (the lab's clock moves the NS set). */
  zones: readonly string[];
  route(zone: string): SplitRoute;
}

export class SplitProxy {
  readonly #o: SplitProxyOptions;
  readonly #zones: string[];
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  readonly #conns = new Set<Socket>();

  constructor(o: SplitProxyOptions) {
    assertLoopback(o.address, 'split proxy address');
    this.#o = o;
    // longest first, so a zone below another one wins
    this.#zones = o.zones.map((z) => normalizeName(z)).sort((a, b) => b.length - a.length);
  }

  /** The upstream for a query, or undefined for names outside the zones (answered by dropping). */
  upstream(query: Uint8Array): string | undefined {
    let msg;
    try {
      msg = decodeMessage(query);
    } catch {
      return undefined;
    }
    const q = msg.question[0];
    if (q === undefined) return undefined;
    const zone = this.#zones.find((z) => isSubdomain(q.name, z));
    if (zone === undefined) return undefined;
    const r = this.#o.route(zone);
    return KEY_TYPES.has(q.type) ? r.keys : r.data;
  }

  async start(): Promise<void> {
    const { address, port } = this.#o;
    await assertFree(address, port);
    const udp = createSocket('udp4');
    udp.on('message', (query, from) => {
      const up = this.upstream(query);
      if (up === undefined) return;
      const out = createSocket('udp4');
      const timer = setTimeout(() => out.close(), UPSTREAM_TIMEOUT_MS);
      out.once('message', (answer) => {
        clearTimeout(timer);
        out.close();
        udp.send(answer, from.port, from.address);
      });
      out.on('error', () => undefined);
      out.send(query, port, up);
    });
    await new Promise<void>((ok, fail) => {
      udp.once('error', fail);
      udp.bind(port, address, () => ok());
    });
    this.#udp = udp;
    const tcp = createServer((client) => {
      this.#conns.add(client);
      client.on('close', () => this.#conns.delete(client));
      client.on('error', () => undefined);
      let buf = Buffer.alloc(0);
      client.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          const query = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          const up = this.upstream(query);
          if (up !== undefined) this.#relayTcp(client, up, Buffer.concat([Buffer.from([len >> 8, len & 255]), query]));
        }
      });
    });
    await new Promise<void>((ok, fail) => {
      tcp.once('error', fail);
      tcp.listen(port, address, () => ok());
    });
    this.#tcp = tcp;
  }

  #relayTcp(client: Socket, upstream: string, framed: Buffer): void {
    const up = createConnection({ host: upstream, port: this.#o.port });
    this.#conns.add(up);
    up.setTimeout(UPSTREAM_TIMEOUT_MS, () => up.destroy());
    up.on('error', () => undefined);
    up.on('close', () => this.#conns.delete(up));
    let got = Buffer.alloc(0);
    up.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        client.write(got.subarray(0, 2 + got.readUInt16BE(0)));
        up.end();
      }
    });
    up.write(framed);
  }

  async stop(): Promise<void> {
    for (const c of this.#conns) c.destroy();
    await Promise.all([
      new Promise<void>((ok) => (this.#udp === undefined ? ok() : this.#udp.close(() => ok()))),
      new Promise<void>((ok) => (this.#tcp === undefined ? ok() : this.#tcp.close(() => ok()))),
    ]);
  }
}
