// One observation = one query to one server: UDP with retries, TCP when the answer is truncated,
// then the raw bytes plus their parsed summary (ARCHITECTURE.md §2). Never throws for anything the
// network or the server does: every outcome is an observation.
import { decodeMessage, encodeQuery, summarizeAnswer, type DnsMessage } from '@kto/core';
import { QueryStatus, Transport, VantageKind, type IObservation } from '@kto/proto';
import { fitObservation } from './observation.js';
import type { ServerAddress } from './server-address.js';
import { randomQueryId } from './transport/query-id.js';
import { EMPTY, type DnsTransports, type ExchangeResult } from './transport/types.js';

export type VantagePointKind = 'resolver' | 'authoritative';

export interface QueryTarget {
  readonly kind: VantagePointKind;
  readonly server: ServerAddress;
  /** NS host name for an authoritative server; '' for a resolver. */
  readonly serverName: string;
  /** The tracked zone this query is about. */
  readonly zone: string;
  readonly qname: string;
  readonly qtype: number;
}

export interface QueryResult {
  readonly observation: IObservation;
  /** The decoded response when status is OK (for callers that follow referrals: NS, A, AAAA). */
  readonly message: DnsMessage | undefined;
}

export interface QuerierOptions {
  readonly transports: DnsTransports;
  readonly timeoutMs: number;
  /** UDP retransmissions after a timeout. */
  readonly retries: number;
  readonly ednsUdpSize: number;
  /** Set the CD bit (default false: the resolver validates, which is what KTO observes). */
  readonly cd?: boolean;
  /** Wall clock in ms (tests); default Date.now. */
  readonly now?: () => number;
}

const TC = 0x0200;

export class Querier {
  readonly #o: QuerierOptions;
  readonly #now: () => number;

  constructor(options: QuerierOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async query(target: QueryTarget): Promise<QueryResult> {
    const o = this.#o;
    const cd = o.cd ?? false;
    const message = encodeQuery({
      id: randomQueryId(), name: target.qname, type: target.qtype, rd: target.kind === 'resolver', cd,
      dnssecOk: true, udpSize: o.ednsUdpSize,
    });
    const sentAtMs = this.#now();
    const udp = await o.transports.udp.exchange(target.server, message, o.timeoutMs, o.retries + 1);
    let final: ExchangeResult = udp;
    let transport = Transport.TRANSPORT_UDP;
    let tcRetry = false;
    let note = '';
    if (udp.status === 'response' && udp.bytes.length >= 4 && ((udp.bytes[2]! << 8) | udp.bytes[3]!) & TC) {
      tcRetry = true;
      // The TCP query reuses the id the UDP transport settled on (it is in `message` now).
      const tcp = await o.transports.tcp.exchange(target.server, message, o.timeoutMs);
      if (tcp.status === 'response' || tcp.status === 'mismatch') {
        final = { ...tcp, attempts: udp.attempts + tcp.attempts };
        transport = Transport.TRANSPORT_TCP;
      } else {
        // Keep the truncated UDP answer: it is what arrived, and says why TCP was tried.
        final = { ...udp, attempts: udp.attempts + tcp.attempts };
        note = `TCP retry after a truncated UDP answer failed: ${tcp.error}`;
      }
    }
    const obs: IObservation = {
      vantage: {
        kind: target.kind === 'resolver' ? VantageKind.VANTAGE_KIND_RESOLVER : VantageKind.VANTAGE_KIND_AUTHORITATIVE,
        address: target.server.address, port: target.server.port, family: target.server.family,
        transport, tcRetry, serverName: target.serverName,
      },
      zone: target.zone, qname: target.qname, qtype: target.qtype, doBit: true, cdBit: cd,
      ednsUdpSize: o.ednsUdpSize, sentAtMs, rttUs: final.rttUs, raw: final.bytes, attempts: final.attempts,
      status: QueryStatus.QUERY_STATUS_UNSPECIFIED, error: '', rcode: 0, headerFlags: 0,
    };
    let decoded: DnsMessage | undefined;
    switch (final.status) {
      case 'timeout':
        obs.status = QueryStatus.QUERY_STATUS_TIMEOUT;
        obs.error = final.error;
        break;
      case 'network-error':
        obs.status = QueryStatus.QUERY_STATUS_NETWORK_ERROR;
        obs.error = final.error;
        break;
      case 'mismatch':
        headerFromRaw(obs, final.bytes);
        obs.status = QueryStatus.QUERY_STATUS_MISMATCH;
        obs.error = final.error;
        break;
      case 'response':
        try {
          decoded = decodeMessage(final.bytes);
          obs.rcode = decoded.header.rcode;
          obs.headerFlags = decoded.header.flags;
          obs.ede = decoded.ede;
          const summary = summarizeAnswer(decoded, target.qtype);
          obs.answer = summary.answer;
          obs.rrsigs = summary.rrsigs;
          obs.status = QueryStatus.QUERY_STATUS_OK;
          obs.error = note;
        } catch (err) {
          decoded = undefined;
          headerFromRaw(obs, final.bytes);
          obs.ede = [];
          obs.status = QueryStatus.QUERY_STATUS_PARSE_ERROR;
          obs.error = err instanceof Error ? err.message : String(err);
        }
        break;
    }
    if (obs.raw === undefined || obs.raw === null) obs.raw = EMPTY;
    return { observation: fitObservation(obs), message: decoded };
  }
}

/** Header flags and the 4-bit rcode straight from the bytes, for messages that do not decode. */
function headerFromRaw(obs: IObservation, raw: Uint8Array): void {
  if (raw.length >= 4) {
    obs.headerFlags = (raw[2]! << 8) | raw[3]!;
    obs.rcode = raw[3]! & 0x0f;
  }
}
