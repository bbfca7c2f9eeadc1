// DNS over TCP (RFC 7766): one connection per query, 2-byte length framing, the first message back.
// Handles responses split over many reads and several messages in one read.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ServerAddress } from '../server-address.js';
import { matchesQuery, questionEnd } from './match.js';
import { EMPTY, type ExchangeResult, type TcpTransport } from './types.js';

interface Conn {
  readonly socket: Socket;
  readonly server: ServerAddress;
  readonly message: Uint8Array;
  readonly timeoutMs: number;
  readonly resolve: (r: ExchangeResult) => void;
  sentAt: number;
  /** Bytes received so far (the 2-byte length prefix included). */
  buf: Buffer;
  len: number;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

export class TcpConnector implements TcpTransport {
  readonly #open = new Set<Conn>();
  readonly #onTimer = (c: Conn): void => {
    this.#finish(c, fail('timeout', `no complete response from ${c.server.address} port ${c.server.port} over TCP within ${c.timeoutMs} ms`));
  };
  #closed = false;

  exchange(server: ServerAddress, message: Uint8Array, timeoutMs: number): Promise<ExchangeResult> {
    if (this.#closed) return Promise.resolve(fail('network-error', 'TCP transport is closed'));
    return new Promise<ExchangeResult>((resolve) => {
      const socket = connect({ host: server.address, port: server.port, family: server.family, noDelay: true });
      const c: Conn = {
        socket, server, message, timeoutMs, resolve, sentAt: performance.now(),
        buf: Buffer.allocUnsafe(0), len: 0, timer: undefined, done: false,
      };
      c.timer = setTimeout(this.#onTimer, timeoutMs, c);
      this.#open.add(c);
      socket.on('connect', () => {
        const frame = Buffer.allocUnsafe(2 + message.length);
        frame.writeUInt16BE(message.length, 0);
        frame.set(message, 2);
        c.sentAt = performance.now();
        socket.write(frame);
      });
      socket.on('data', (chunk: Buffer) => this.#onData(c, chunk));
      socket.on('error', (err) => this.#finish(c, fail('network-error', `TCP ${server.address} port ${server.port}: ${err.message}`)));
      socket.on('close', () => {
        this.#finish(c, fail('network-error', c.len === 0
          ? `TCP connection to ${server.address} port ${server.port} closed before a response`
          : `TCP connection closed after ${c.len} bytes of a ${c.len >= 2 ? c.buf.readUInt16BE(0) + 2 : '?'}-byte frame`));
      });
    });
  }

  #onData(c: Conn, chunk: Buffer): void {
    if (c.done) return;
    if (c.len + chunk.length > c.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(c.len + chunk.length, Math.min(2 + 65535, c.buf.length * 2)));
      c.buf.copy(grown, 0, 0, c.len);
      c.buf = grown;
    }
    chunk.copy(c.buf, c.len);
    c.len += chunk.length;
    if (c.len < 2) return;
    const size = c.buf.readUInt16BE(0);
    if (c.len < 2 + size) return;
    const rttUs = Math.round((performance.now() - c.sentAt) * 1000);
    const bytes = new Uint8Array(c.buf.subarray(2, 2 + size));
    if (matchesQuery(c.message, questionEnd(c.message), bytes)) {
      this.#finish(c, { status: 'response', bytes, rttUs, attempts: 1, error: '' });
    } else {
      this.#finish(c, { status: 'mismatch', bytes, rttUs, attempts: 1, error: 'the TCP response does not match the query id or question' });
    }
  }

  #finish(c: Conn, result: ExchangeResult): void {
    if (c.done) return;
    c.done = true;
    clearTimeout(c.timer);
    this.#open.delete(c);
    c.socket.destroy();
    c.resolve(result);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const c of [...this.#open]) this.#finish(c, fail('network-error', 'TCP transport closed'));
  }
}

function fail(status: 'timeout' | 'network-error', error: string): ExchangeResult {
  return { status, bytes: EMPTY, rttUs: 0, attempts: 1, error };
}
