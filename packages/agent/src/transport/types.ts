// The transport seam: query.ts talks to these interfaces, tests substitute fakes (STYLE.md §8).
import type { ServerAddress } from '../server-address.js';

/**
 * What one exchange produced.
 * - `response`: a message whose id, QR bit and question match the query (it may still fail to parse).
 * - `mismatch`: only messages from the server whose question (or id, over TCP) did not match arrived.
 * - `timeout`: nothing usable within the timeout after every try.
 * - `network-error`: send or connect failed, or the connection broke.
 */
export type ExchangeStatus = 'response' | 'mismatch' | 'timeout' | 'network-error';

export interface ExchangeResult {
  readonly status: ExchangeStatus;
  /** The bytes received (response or mismatching message); empty when none. */
  readonly bytes: Uint8Array;
  /** Microseconds from the last send to the arrival of `bytes`; 0 when nothing arrived. */
  readonly rttUs: number;
  /** Datagrams sent or connections opened. */
  readonly attempts: number;
  /** Cause when status is not `response`. */
  readonly error: string;
}

export interface UdpTransport {
  /**
   * Sends `message` (a DNS query; its id may be replaced by a free one, in place) and waits up to
   * `timeoutMs` per try for the matching response, `tries` times in all.
   */
  exchange(server: ServerAddress, message: Uint8Array, timeoutMs: number, tries: number): Promise<ExchangeResult>;
  close(): Promise<void>;
}

export interface TcpTransport {
  /** One connection, one query with 2-byte length framing, the first message back. */
  exchange(server: ServerAddress, message: Uint8Array, timeoutMs: number): Promise<ExchangeResult>;
  close(): Promise<void>;
}

export interface DnsTransports {
  readonly udp: UdpTransport;
  readonly tcp: TcpTransport;
}

export const EMPTY = new Uint8Array(0);
