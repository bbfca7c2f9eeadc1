// A tiny scripted DNS server for tests: UDP and TCP on the same 127.0.0.1 port (chosen by the OS).
// Each query goes to a handler that decides what comes back: bytes (optionally late, or from another
// port, or over TCP in small chunks), nothing, or a closed connection.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

export type ResponderTransport = 'udp' | 'tcp';

export type Reply =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly delayMs?: number; readonly chunkSize?: number; readonly chunkDelayMs?: number }
  /** UDP only: the datagram comes from a different source port (a stray for the client). */
  | { readonly kind: 'from-other-port'; readonly bytes: Uint8Array }
  | { readonly kind: 'silent' }
  /** TCP only: close the connection without answering. */
  | { readonly kind: 'close' };

export interface ReceivedQuery {
  readonly transport: ResponderTransport;
  readonly bytes: Uint8Array;
}

export type ResponderHandler = (query: Uint8Array, transport: ResponderTransport) => Reply | Reply[];

export interface DnsResponder {
  readonly address: string;
  readonly port: number;
  readonly received: ReceivedQuery[];
  close(): Promise<void>;
}

/** The query's id written into a copy of `bytes` (replies are recorded messages with other ids). */
export function withId(bytes: Uint8Array, query: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  out[0] = query[0]!;
  out[1] = query[1]!;
  return out;
}

export async function startDnsResponder(handler: ResponderHandler): Promise<DnsResponder> {
  const received: ReceivedQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const other = createSocket('udp4');
  await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const q = new Uint8Array(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + q.length);
        received.push({ transport: 'tcp', bytes: q });
        for (const r of [handler(q, 'tcp')].flat()) sendTcp(sock, r);
      }
    });
  });
  const sendTcp = (sock: Socket, r: Reply): void => {
    if (r.kind === 'close') {
      sock.destroy();
      return;
    }
    if (r.kind !== 'bytes') return;
    const frame = Buffer.alloc(2 + r.bytes.length);
    frame.writeUInt16BE(r.bytes.length, 0);
    frame.set(r.bytes, 2);
    const size = r.chunkSize ?? frame.length;
    const step = r.chunkDelayMs ?? 0;
    for (let off = 0, i = 0; off < frame.length; off += size, i++) {
      const piece = frame.subarray(off, off + size);
      later((r.delayMs ?? 0) + i * step, () => {
        if (!sock.destroyed) sock.write(piece);
      });
    }
  };
  // TCP first on port 0, then UDP on the same number; retry on the rare clash.
  for (let attempt = 0; ; attempt++) {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (tcp.address() as { port: number }).port;
    const udp: UdpSocket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (!ok) {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if (attempt > 20) throw new Error('no free port pair for the DNS responder');
      continue;
    }
    udp.on('message', (msg, rinfo) => {
      const q = new Uint8Array(msg);
      received.push({ transport: 'udp', bytes: q });
      for (const r of [handler(q, 'udp')].flat()) {
        if (r.kind === 'bytes') later(r.delayMs ?? 0, () => udp.send(r.bytes, rinfo.port, rinfo.address));
        else if (r.kind === 'from-other-port') other.send(r.bytes, rinfo.port, rinfo.address);
      }
    });
    return {
      address: '127.0.0.1',
      port,
      received,
      async close() {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        await Promise.all([
          new Promise<void>((resolve) => tcp.close(() => resolve())),
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => other.close(() => resolve())),
        ]);
      },
    };
  }
}
