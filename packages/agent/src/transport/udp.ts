// DNS over UDP through a small pool of sockets per address family, shared by every query.
// Responses are matched by (server address and port, id, question); anything else is a stray and
// is ignored (counted). A query keeps its id across retransmissions, so a late answer to an earlier
// try still counts.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { ServerAddress } from '../server-address.js';
import { matchesQuery, questionEnd } from './match.js';
import { randomQueryId } from './query-id.js';
import { EMPTY, type ExchangeResult, type UdpTransport } from './types.js';

export interface UdpTransportOptions {
  /** Sockets per address family (each has its own random source port). Default 4. */
  readonly socketsPerFamily?: number;
  /**
   * SO_RCVBUF per socket (default 1 MiB; the kernel caps it at net.core.rmem_max). Bursts of large
   * DNSKEY answers overflow the usual 208 KiB default and are dropped by the kernel.
   */
  readonly recvBufferSize?: number;
  /** Called for every datagram that matched no query. */
  readonly onStray?: (from: RemoteInfo, bytes: Uint8Array) => void;
}

interface Pending {
  readonly slot: Slot;
  readonly id: number;
  readonly server: ServerAddress;
  readonly message: Uint8Array;
  readonly qEnd: number;
  readonly timeoutMs: number;
  triesLeft: number;
  attempts: number;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
  mismatch: Uint8Array | undefined;
  mismatchRttUs: number;
  resolve: (r: ExchangeResult) => void;
}

interface Slot {
  socket: Socket | undefined;
  readonly family: 4 | 6;
  readonly pending: Map<number, Pending>;
}

export class UdpSocketPool implements UdpTransport {
  readonly #slots: { 4: Slot[]; 6: Slot[] };
  readonly #next = { 4: 0, 6: 0 };
  readonly #onStray: UdpTransportOptions['onStray'];
  readonly #recvBufferSize: number;
  #closed = false;
  readonly #onTimer = (p: Pending): void => this.#timeout(p);
  #strays = 0;

  constructor(options: UdpTransportOptions = {}) {
    const n = Math.max(1, options.socketsPerFamily ?? 4);
    const make = (family: 4 | 6): Slot[] =>
      Array.from({ length: n }, () => ({ socket: undefined, family, pending: new Map<number, Pending>() }));
    this.#slots = { 4: make(4), 6: make(6) };
    this.#onStray = options.onStray;
    this.#recvBufferSize = options.recvBufferSize ?? 1024 * 1024;
  }

  exchange(server: ServerAddress, message: Uint8Array, timeoutMs: number, tries: number): Promise<ExchangeResult> {
    if (this.#closed) return Promise.resolve(failure('network-error', 0, 'UDP transport is closed'));
    const slots = this.#slots[server.family];
    const slot = slots[this.#next[server.family]++ % slots.length]!;
    let socket: Socket;
    try {
      socket = slot.socket ?? this.#open(slot);
    } catch (err) {
      return Promise.resolve(failure('network-error', 0, `cannot open UDP socket: ${(err as Error).message}`));
    }
    if (slot.pending.size >= 0x8000) {
      return Promise.resolve(failure('network-error', 0, 'too many queries in flight on one UDP socket'));
    }
    let id = (message[0]! << 8) | message[1]!;
    while (slot.pending.has(id)) id = randomQueryId();
    message[0] = id >> 8;
    message[1] = id & 0xff;
    return new Promise<ExchangeResult>((resolve) => {
      const p: Pending = {
        slot, id, server, message, qEnd: questionEnd(message), timeoutMs, triesLeft: Math.max(1, tries),
        attempts: 0, sentAt: 0, timer: undefined, mismatch: undefined, mismatchRttUs: 0, resolve,
      };
      slot.pending.set(id, p);
      this.#send(socket, p);
    });
  }

  #open(slot: Slot): Socket {
    const socket = createSocket({ type: slot.family === 4 ? 'udp4' : 'udp6', recvBufferSize: this.#recvBufferSize });
    socket.on('message', (msg, rinfo) => this.#onMessage(slot, msg, rinfo));
    socket.on('error', (err) => this.#onSocketError(slot, socket, err));
    slot.socket = socket;
    return socket;
  }

  #send(socket: Socket, p: Pending): void {
    p.triesLeft--;
    p.attempts++;
    p.sentAt = performance.now();
    p.timer = setTimeout(this.#onTimer, p.timeoutMs, p);
    socket.send(p.message, p.server.port, p.server.address, (err) => {
      if (err !== null && err !== undefined) this.#finish(p, failure('network-error', p.attempts, `send to ${p.server.address}: ${err.message}`));
    });
  }

  #timeout(p: Pending): void {
    if (p.slot.pending.get(p.id) !== p) return;
    const socket = p.slot.socket;
    if (p.triesLeft > 0 && socket !== undefined) {
      this.#send(socket, p);
      return;
    }
    if (p.mismatch !== undefined) {
      this.#finish(p, { status: 'mismatch', bytes: p.mismatch, rttUs: p.mismatchRttUs, attempts: p.attempts, error: 'only responses with a different question arrived' });
    } else {
      this.#finish(p, failure('timeout', p.attempts, `no response from ${p.server.address} port ${p.server.port} after ${p.attempts} tries of ${p.timeoutMs} ms`));
    }
  }

  #onMessage(slot: Slot, msg: Buffer, rinfo: RemoteInfo): void {
    const p = msg.length >= 2 ? slot.pending.get((msg[0]! << 8) | msg[1]!) : undefined;
    if (p === undefined || rinfo.port !== p.server.port || !sameAddress(rinfo.address, p.server.address)) {
      this.#strays++;
      this.#onStray?.(rinfo, msg);
      return;
    }
    const rttUs = Math.round((performance.now() - p.sentAt) * 1000);
    if (!matchesQuery(p.message, p.qEnd, msg)) {
      // Same server and id, other question: keep waiting for the real answer, remember it.
      p.mismatch = msg;
      p.mismatchRttUs = rttUs;
      return;
    }
    this.#finish(p, { status: 'response', bytes: msg, rttUs, attempts: p.attempts, error: '' });
  }

  #onSocketError(slot: Slot, socket: Socket, err: Error): void {
    // The socket is unusable: fail what waits on it; the next query opens a new one.
    if (slot.socket === socket) slot.socket = undefined;
    for (const p of [...slot.pending.values()]) this.#finish(p, failure('network-error', p.attempts, `UDP socket: ${err.message}`));
    try {
      socket.close();
    } catch {
      // already closed
    }
  }

  #finish(p: Pending, result: ExchangeResult): void {
    if (p.slot.pending.get(p.id) !== p) return;
    p.slot.pending.delete(p.id);
    clearTimeout(p.timer);
    p.resolve(result);
  }

  /** Datagrams that matched no pending query. */
  get strays(): number {
    return this.#strays;
  }

  /** Queries waiting for an answer. */
  get inFlight(): number {
    let n = 0;
    for (const s of [...this.#slots[4], ...this.#slots[6]]) n += s.pending.size;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closing: Promise<void>[] = [];
    for (const slot of [...this.#slots[4], ...this.#slots[6]]) {
      for (const p of [...slot.pending.values()]) this.#finish(p, failure('network-error', p.attempts, 'UDP transport closed'));
      const socket = slot.socket;
      slot.socket = undefined;
      if (socket !== undefined) closing.push(new Promise<void>((r) => socket.close(() => r())));
    }
    await Promise.all(closing);
  }
}

function failure(status: 'timeout' | 'network-error', attempts: number, error: string): ExchangeResult {
  return { status, bytes: EMPTY, rttUs: 0, attempts, error };
}

function sameAddress(from: string, expected: string): boolean {
  if (from === expected) return true;
  // A scoped server address (fe80::1%eth0) may come back with a numeric scope or none.
  const pct = expected.indexOf('%');
  return pct >= 0 && from.split('%')[0] === expected.slice(0, pct);
}
