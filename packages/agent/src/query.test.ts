// The real UDP and TCP transports against a DNS responder this test runs on 127.0.0.1, replaying
// real recorded responses (RIPE Atlas abufs, ../shared/real-data/ripe-atlas).
import { decodeMessage, encodeQuery, RRTYPE } from '@kto/core';
import { QueryStatus, Transport, VantageKind } from '@kto/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { Querier, type QueryTarget } from './query.js';
import { startDnsResponder, withId, type DnsResponder, type ResponderHandler } from './testing/dns-responder.js';
import { atlasResponses } from './testing/real-data.js';
import { TcpConnector } from './transport/tcp.js';
import { UdpSocketPool } from './transport/udp.js';

// org. DNSKEY, 2014-06-14, 4 DNSKEYs (alg 7) + RRSIGs by 9795, 21366, 23273 (VERIFY-sagan.txt).
const [ORG_DNSKEY] = atlasResponses(1672220, 15060);
// conostix.lu. RRSIG, 2015-08-28: a full answer (336 bytes) and truncated ones (29 bytes, TC=1).
const [CONOSTIX_FULL, CONOSTIX_TC] = atlasResponses(2355293, 6123);

let responder: DnsResponder | undefined;
let udp: UdpSocketPool | undefined;
let tcp: TcpConnector | undefined;

afterEach(async () => {
  await udp?.close();
  await tcp?.close();
  await responder?.close();
  responder = undefined;
});

async function setup(handler: ResponderHandler, opts: { timeoutMs?: number; retries?: number } = {}) {
  responder = await startDnsResponder(handler);
  udp = new UdpSocketPool({ socketsPerFamily: 2 });
  tcp = new TcpConnector();
  const querier = new Querier({
    transports: { udp, tcp }, timeoutMs: opts.timeoutMs ?? 1000, retries: opts.retries ?? 0, ednsUdpSize: 1232,
  });
  const target = (qname: string, qtype: number, kind: QueryTarget['kind'] = 'resolver'): QueryTarget => ({
    kind, server: { address: '127.0.0.1', port: responder!.port, family: 4 }, serverName: kind === 'authoritative' ? 'ns.example.' : '',
    zone: qname, qname, qtype,
  });
  return { querier, target, responder };
}

function flagsOf(bytes: Uint8Array): number {
  return (bytes[2]! << 8) | bytes[3]!;
}

describe('query over UDP', () => {
  it('records a real DNSKEY answer: raw bytes, flags, records and RRSIGs', async () => {
    const { querier, target, responder: r } = await setup((q) => ({ kind: 'bytes', bytes: withId(ORG_DNSKEY!, q) }));
    const { observation: o } = await querier.query(target('org.', RRTYPE.DNSKEY));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_OK);
    expect(o.error).toBe('');
    const sent = r.received[0]!.bytes;
    expect(Array.from(o.raw!)).toEqual(Array.from(withId(ORG_DNSKEY!, sent)));
    expect(o.headerFlags).toBe(flagsOf(ORG_DNSKEY!));
    expect(o.rcode).toBe(0);
    expect(o.vantage).toMatchObject({
      kind: VantageKind.VANTAGE_KIND_RESOLVER, address: '127.0.0.1', port: r.port, family: 4,
      transport: Transport.TRANSPORT_UDP, tcRetry: false,
    });
    expect(o.attempts).toBe(1);
    expect(o.rttUs).toBeGreaterThan(0);
    expect(o.doBit).toBe(true);
    expect(o.ednsUdpSize).toBe(1232);
    const keys = o.answer!.filter((a) => a.type === RRTYPE.DNSKEY);
    expect(keys).toHaveLength(4);
    expect(keys.every((k) => k.dnskey?.algorithm === 7)).toBe(true);
    expect(o.rrsigs!.map((s) => s.keyTag).sort((a, b) => a! - b!)).toEqual([9795, 21366, 23273]);
    expect(o.rrsigs!.every((s) => s.signer === 'org.' && s.typeCovered === RRTYPE.DNSKEY)).toBe(true);
    // Every signer's key is in the RRset: key tags computed from the records match the RRSIGs'.
    const tags = new Set(keys.map((k) => k.dnskey!.keyTag));
    for (const s of o.rrsigs!) expect(tags.has(s.keyTag!)).toBe(true);
  });

  it('sends DO=1, RD=1 to resolvers and RD=0 to authoritatives, with random ids', async () => {
    const { querier, target, responder: r } = await setup((q) => ({ kind: 'bytes', bytes: withId(ORG_DNSKEY!, q) }));
    await querier.query(target('org.', RRTYPE.DNSKEY, 'resolver'));
    const { observation } = await querier.query(target('org.', RRTYPE.DNSKEY, 'authoritative'));
    const [toResolver, toAuth] = r.received.map((x) => decodeMessage(x.bytes));
    expect(toResolver!.header.rd).toBe(true);
    expect(toAuth!.header.rd).toBe(false);
    for (const m of [toResolver!, toAuth!]) {
      expect(m.edns?.dnssecOk).toBe(true);
      expect(m.edns?.udpSize).toBe(1232);
      expect(m.question[0]).toMatchObject({ name: 'org.', type: RRTYPE.DNSKEY });
    }
    expect(observation.vantage).toMatchObject({ kind: VantageKind.VANTAGE_KIND_AUTHORITATIVE, serverName: 'ns.example.' });
    const ids = new Set<number>();
    for (let i = 0; i < 40; i++) ids.add(((await querier.query(target('org.', RRTYPE.DNSKEY))).observation.raw![0]! << 8));
    expect(ids.size).toBeGreaterThan(20); // high bytes of 40 random ids: not all equal
  });

  it('retries over TCP when the UDP answer is truncated (real TC=1 answer, then the full one)', async () => {
    const { querier, target, responder: r } = await setup((q, via) => ({
      kind: 'bytes', bytes: withId(via === 'udp' ? CONOSTIX_TC! : CONOSTIX_FULL!, q),
    }));
    const { observation: o } = await querier.query(target('conostix.lu.', RRTYPE.RRSIG));
    expect(flagsOf(CONOSTIX_TC!) & 0x0200).toBe(0x0200);
    expect(r.received.map((x) => x.transport)).toEqual(['udp', 'tcp']);
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_OK);
    expect(o.vantage).toMatchObject({ transport: Transport.TRANSPORT_TCP, tcRetry: true });
    expect(o.attempts).toBe(2);
    expect(o.raw!.length).toBe(CONOSTIX_FULL!.length);
    expect(o.rrsigs).toHaveLength(1);
    expect(o.rrsigs![0]).toMatchObject({ typeCovered: RRTYPE.NS, algorithm: 8, keyTag: 59076, signer: 'conostix.lu.' });
  });

  it('reassembles a TCP answer that arrives in 7-byte pieces', async () => {
    // The org. answer cut to header + question, counts zeroed and TC set: what a server sends when
    // the 1,625 bytes do not fit the UDP buffer.
    const truncated = new Uint8Array(ORG_DNSKEY!.subarray(0, 12 + 9));
    truncated[2] = truncated[2]! | 0x02;
    truncated.fill(0, 6, 12);
    const { querier, target } = await setup((q, via) => (via === 'udp'
      ? { kind: 'bytes', bytes: withId(truncated, q) }
      : { kind: 'bytes', bytes: withId(ORG_DNSKEY!, q), chunkSize: 7, chunkDelayMs: 1 }));
    const { observation: o } = await querier.query(target('org.', RRTYPE.DNSKEY));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_OK);
    expect(o.vantage).toMatchObject({ transport: Transport.TRANSPORT_TCP, tcRetry: true });
    expect(o.raw!.length).toBe(ORG_DNSKEY!.length);
    expect(o.rrsigs).toHaveLength(3);
  });

  it('keeps the truncated UDP answer when the TCP retry fails', async () => {
    const { querier, target } = await setup((q, via) => (via === 'udp'
      ? { kind: 'bytes', bytes: withId(CONOSTIX_TC!, q) } : { kind: 'close' }));
    const { observation: o } = await querier.query(target('conostix.lu.', RRTYPE.RRSIG));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_OK);
    expect(o.vantage).toMatchObject({ transport: Transport.TRANSPORT_UDP, tcRetry: true });
    expect(o.raw!.length).toBe(CONOSTIX_TC!.length);
    expect(o.error).toMatch(/TCP retry .* failed/);
    expect(o.attempts).toBe(2);
  });

  it('reports TIMEOUT after every retry when the server stays silent', async () => {
    const { querier, target, responder: r } = await setup(() => ({ kind: 'silent' }), { timeoutMs: 60, retries: 2 });
    const t0 = Date.now();
    const { observation: o } = await querier.query(target('org.', RRTYPE.DNSKEY));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_TIMEOUT);
    expect(o.attempts).toBe(3);
    expect(r.received).toHaveLength(3);
    // retransmissions keep the id, so a late answer to an early try still counts
    expect(new Set(r.received.map((x) => (x.bytes[0]! << 8) | x.bytes[1]!)).size).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(170);
    expect(o.raw!.length).toBe(0);
    expect(o.rttUs).toBe(0);
    expect(o.error).toMatch(/no response/);
  });

  it('accepts a late answer to the first try during the second', async () => {
    let n = 0;
    const { querier, target } = await setup((q) => (n++ === 0
      ? { kind: 'bytes', bytes: withId(ORG_DNSKEY!, q), delayMs: 90 } : { kind: 'silent' }), { timeoutMs: 60, retries: 2 });
    const { observation: o } = await querier.query(target('org.', RRTYPE.DNSKEY));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_OK);
    expect(o.attempts).toBe(2);
  });

  it('turns garbage after a matching header into PARSE_ERROR with the bytes kept', async () => {
    const { querier, target } = await setup((q) => {
      const bad = withId(ORG_DNSKEY!.subarray(0, 40), q); // header says 7 answers; 40 bytes hold one half record
      return { kind: 'bytes', bytes: bad };
    });
    const { observation: o } = await querier.query(target('org.', RRTYPE.DNSKEY));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_PARSE_ERROR);
    expect(o.raw!.length).toBe(40);
    expect(o.error).not.toBe('');
    expect(o.headerFlags).toBe(flagsOf(ORG_DNSKEY!));
    expect(o.answer ?? []).toHaveLength(0);
  });

  it('ignores strays (other port, other id) and takes the real answer', async () => {
    const { querier, target } = await setup((q) => {
      const otherId = withId(ORG_DNSKEY!, new Uint8Array([q[0]! ^ 0xff, q[1]!]));
      return [
        { kind: 'from-other-port', bytes: withId(ORG_DNSKEY!, q) },
        { kind: 'bytes', bytes: otherId },
        { kind: 'bytes', bytes: withId(ORG_DNSKEY!, q), delayMs: 20 },
      ];
    });
    const { observation: o } = await querier.query(target('org.', RRTYPE.DNSKEY));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_OK);
    expect(udp!.strays).toBe(2);
  });

  it('reports MISMATCH when only an answer to another question arrives', async () => {
    // Same id, from the server, but the question is conostix.lu. RRSIG.
    const { querier, target } = await setup((q) => ({ kind: 'bytes', bytes: withId(CONOSTIX_FULL!, q) }), { timeoutMs: 80 });
    const { observation: o } = await querier.query(target('org.', RRTYPE.DNSKEY));
    expect(o.status).toBe(QueryStatus.QUERY_STATUS_MISMATCH);
    expect(o.raw!.length).toBe(CONOSTIX_FULL!.length);
    expect(o.answer ?? []).toHaveLength(0);
  });

  it('reports NETWORK_ERROR when TCP is refused', async () => {
    await setup(() => ({ kind: 'silent' }));
    const port = responder!.port;
    await responder!.close();
    responder = undefined;
    const result = await tcp!.exchange({ address: '127.0.0.1', port, family: 4 },
      encodeQuery({ id: 1, name: 'org.', type: RRTYPE.DNSKEY }), 500);
    expect(result.status).toBe('network-error');
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('runs many queries at once over the shared socket pool', async () => {
    const { querier, target } = await setup((q) => ({ kind: 'bytes', bytes: withId(ORG_DNSKEY!, q), delayMs: Math.floor(Math.random() * 5) }));
    const results = await Promise.all(Array.from({ length: 300 }, () => querier.query(target('org.', RRTYPE.DNSKEY))));
    expect(results.every((r) => r.observation.status === QueryStatus.QUERY_STATUS_OK)).toBe(true);
    expect(udp!.inFlight).toBe(0);
    expect(udp!.strays).toBe(0);
  });
});
