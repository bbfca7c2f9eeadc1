// The scheduler under vitest fake timers, with a fake querier that answers after a fake delay.
import { encodeQuery, decodeMessage, RRTYPE } from '@kto/core';
import { QueryStatus, type IObservation } from '@kto/proto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ZoneSpec } from './config.js';
import type { QueryResult, QueryTarget } from './query.js';
import { ipv6, parentName, Scheduler, type SchedulerOptions } from './schedule.js';
import type { ServerAddress } from './server-address.js';

const silent = pino({ level: 'silent' });
const R1: ServerAddress = { address: '192.0.2.1', port: 53, family: 4 };
const R2: ServerAddress = { address: '2001:db8::2', port: 53, family: 6 };

function zone(name: string, extra: Partial<ZoneSpec> = {}): ZoneSpec {
  return { name, intervalS: 0, qtypes: [], queryAuthoritatives: false, ...extra };
}

interface Call {
  readonly at: number;
  readonly target: QueryTarget;
}

function fakeQuerier(delayMs: number, answer?: (t: QueryTarget) => QueryResult) {
  const calls: Call[] = [];
  let inFlight = 0;
  let peak = 0;
  const query = (target: QueryTarget): Promise<QueryResult> => {
    calls.push({ at: Date.now(), target });
    inFlight++;
    peak = Math.max(peak, inFlight);
    return new Promise((resolve) => setTimeout(() => {
      inFlight--;
      resolve(answer?.(target) ?? {
        observation: { zone: target.zone, qname: target.qname, qtype: target.qtype, status: QueryStatus.QUERY_STATUS_OK },
        message: undefined,
      });
    }, delayMs));
  };
  return { query, calls, peak: () => peak, inFlight: () => inFlight };
}

function make(opts: Partial<SchedulerOptions> & Pick<SchedulerOptions, 'query'>) {
  const observations: IObservation[] = [];
  const s = new Scheduler({
    resolvers: [R1], defaultIntervalS: 300, defaultQtypes: [RRTYPE.DNSKEY, RRTYPE.SOA], jitter: 0.1, concurrency: 256,
    onObservation: (o) => observations.push(o), log: silent, ...opts,
  });
  return { s, observations };
}

describe('Scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks every qtype through every resolver, once per interval within the jitter bounds', async () => {
    const q = fakeQuerier(5);
    const { s, observations } = make({ query: q.query, resolvers: [R1, R2], jitter: 0.1 });
    s.setZones('local', [zone('example.')]);
    s.start();
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(300_000 * 10);
    // one run = 2 qtypes x 2 resolvers
    const runs = new Map<number, Call[]>();
    for (const c of q.calls) runs.set(c.at, [...(runs.get(c.at) ?? []), c]);
    const starts = [...runs.keys()].sort((a, b) => a - b);
    expect(starts[0]! - t0).toBeLessThan(300_000); // first run somewhere inside the first interval
    for (const [, calls] of runs) {
      expect(calls.map((c) => `${c.target.server.address}/${c.target.qtype}`).sort())
        .toEqual(['192.0.2.1/48', '192.0.2.1/6', '2001:db8::2/48', '2001:db8::2/6']);
      expect(calls.every((c) => c.target.kind === 'resolver' && c.target.qname === 'example.')).toBe(true);
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(8);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(270_000);
      expect(g).toBeLessThanOrEqual(330_000);
    }
    // with Math.random, gaps are not all the same
    expect(new Set(gaps).size).toBeGreaterThan(1);
    expect(observations).toHaveLength(q.calls.length);
    await s.stop();
  });

  it('reaches both ends of the jitter range', async () => {
    for (const [r, expectedGap] of [[0, 270_000], [0.999999, 330_000]] as const) {
      const q = fakeQuerier(1);
      const { s } = make({ query: q.query, random: () => r });
      s.setZones('local', [zone('example.')]);
      s.start();
      await vi.advanceTimersByTimeAsync(1_000_000);
      const starts = [...new Set(q.calls.map((c) => c.at))];
      expect(Math.abs(starts[1]! - starts[0]! - expectedGap)).toBeLessThanOrEqual(1);
      await s.stop();
    }
  });

  it('runs 1,000 zones that are due at once strictly within the concurrency cap', async () => {
    const q = fakeQuerier(400);
    const { s } = make({ query: q.query, concurrency: 16, defaultIntervalS: 60, defaultQtypes: [RRTYPE.DNSKEY], random: () => 0 });
    s.setZones('collector', Array.from({ length: 1000 }, (_, i) => zone(`z${i}.example.`)));
    s.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.inFlight).toBe(16);
    expect(s.queued).toBe(984);
    // 16 at a time x 400 ms: a new group of 16 starts every 400 ms (31 groups by t = 12.0 s), never more
    await vi.advanceTimersByTimeAsync(11_999);
    expect(q.calls).toHaveLength(31 * 16);
    // the 63rd and last group (8 zones) starts at t = 24.8 s
    await vi.advanceTimersByTimeAsync(12_799);
    expect(q.calls).toHaveLength(62 * 16);
    await vi.advanceTimersByTimeAsync(1);
    expect(new Set(q.calls.map((c) => c.target.zone)).size).toBe(1000);
    expect(q.peak()).toBe(16);
    expect(s.peakInFlight).toBe(16);
    const stopped = s.stop();
    await vi.advanceTimersByTimeAsync(400);
    await stopped;
  });

  it('spreads the first runs of new zones over the interval', async () => {
    const q = fakeQuerier(400);
    const { s, observations } = make({ query: q.query, concurrency: 16, defaultIntervalS: 60, defaultQtypes: [RRTYPE.DNSKEY] });
    s.setZones('collector', Array.from({ length: 1000 }, (_, i) => zone(`z${i}.example.`)));
    s.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(q.peak()).toBeLessThanOrEqual(16);
    expect(new Set(q.calls.map((c) => c.target.zone)).size).toBe(1000);
    // uniform over 60 s: ~100 first runs per 6-second slice; none holds a fifth of them
    const firstAt = new Map<string, number>();
    for (const c of q.calls) if (!firstAt.has(c.target.zone)) firstAt.set(c.target.zone, c.at - Date.UTC(2026, 0, 1));
    const slices = new Array<number>(10).fill(0);
    for (const t of firstAt.values()) slices[Math.min(9, Math.floor(t / 6000))]!++;
    expect(Math.max(...slices)).toBeLessThan(200);
    expect(Math.min(...slices)).toBeGreaterThan(40);
    const stopped = s.stop();
    await vi.advanceTimersByTimeAsync(400);
    await stopped;
    expect(observations.length).toBe(q.calls.length);
  });

  it('applies zone list changes without restart: add, remove, change interval', async () => {
    const q = fakeQuerier(1);
    const { s } = make({ query: q.query, defaultIntervalS: 100, jitter: 0 });
    s.setZones('collector', [zone('a.example.'), zone('b.example.')]);
    s.start();
    await vi.advanceTimersByTimeAsync(100_000);
    const zonesIn = (from: number) => new Set(q.calls.filter((c) => c.at >= from).map((c) => c.target.zone));
    expect(zonesIn(0)).toEqual(new Set(['a.example.', 'b.example.']));

    s.setZones('collector', [zone('b.example.'), zone('c.example.')]);
    const t1 = Date.now();
    await vi.advanceTimersByTimeAsync(200_000);
    expect(zonesIn(t1)).toEqual(new Set(['b.example.', 'c.example.']));
    expect(s.zones().sort()).toEqual(['b.example.', 'c.example.']);

    // local zones join the collector's; a local spec overrides the collector's for the same name
    s.setZones('local', [zone('c.example.', { intervalS: 10 })]);
    const t2 = Date.now();
    await vi.advanceTimersByTimeAsync(100_000);
    const cRuns = new Set(q.calls.filter((c) => c.at >= t2 && c.target.zone === 'c.example.').map((c) => c.at));
    expect(cRuns.size).toBeGreaterThanOrEqual(9);
    const bRuns = new Set(q.calls.filter((c) => c.at >= t2 && c.target.zone === 'b.example.').map((c) => c.at));
    expect(bRuns.size).toBeLessThanOrEqual(2);

    s.setZones('collector', []);
    expect(s.zones()).toEqual(['c.example.']);
    s.setZones('local', []);
    const t3 = Date.now();
    await vi.advanceTimersByTimeAsync(500_000);
    expect(q.calls.filter((c) => c.at >= t3)).toHaveLength(0);
    await s.stop();
  });

  it('uses a zone\'s own qtypes and interval over the defaults', async () => {
    const q = fakeQuerier(1);
    const { s } = make({ query: q.query, jitter: 0 });
    s.setZones('local', [zone('example.', { intervalS: 20, qtypes: [RRTYPE.CDS] })]);
    s.start();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(new Set(q.calls.map((c) => c.target.qtype))).toEqual(new Set([RRTYPE.CDS]));
    expect(q.calls.length).toBeGreaterThanOrEqual(5);
    await s.stop();
  });

  it('skips a run while the previous one of the zone is still busy', async () => {
    const q = fakeQuerier(150_000);
    const skipped: string[] = [];
    const { s } = make({ query: q.query, defaultIntervalS: 100, jitter: 0, onRoundSkipped: (z) => skipped.push(z) });
    s.setZones('local', [zone('slow.example.')]);
    s.start();
    await vi.advanceTimersByTimeAsync(260_000);
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped.every((z) => z === 'slow.example.')).toBe(true);
    const stopped = s.stop();
    await vi.advanceTimersByTimeAsync(150_000);
    await stopped;
  });

  it('asks DS of the parent zone\'s servers, never of the zone\'s own (DS is the parent\'s data)', async () => {
    // a.b.example.: b.example. has no NS RRset (not a zone), example. is the parent zone
    const nsOf: Record<string, string> = { 'a.b.example.': 'ns1.a.b.example.', 'example.': 'ns.example.' };
    const answer = (t: QueryTarget): QueryResult => {
      const base = { zone: t.zone, qname: t.qname, qtype: t.qtype, status: QueryStatus.QUERY_STATUS_OK };
      const host = nsOf[t.qname];
      if (t.qtype === RRTYPE.NS) return { observation: { ...base, answer: host === undefined ? [] : [{ name: t.qname, type: RRTYPE.NS, ttl: 3600, ns: { host } }] }, message: undefined };
      if (t.kind === 'resolver' && t.qtype === RRTYPE.A) return { observation: base, message: addressAnswer(t.qname, t.qtype) };
      return { observation: base, message: undefined };
    };
    const q = fakeQuerier(2, answer);
    const { s } = make({ query: q.query, jitter: 0, defaultQtypes: [RRTYPE.DNSKEY, RRTYPE.DS] });
    s.setZones('local', [zone('a.b.example.', { queryAuthoritatives: true })]);
    s.start();
    await vi.advanceTimersByTimeAsync(300_000);
    const auth = q.calls.filter((c) => c.target.kind === 'authoritative').map((c) => `${c.target.serverName} ${c.target.zone} ${c.target.qname} ${c.target.qtype}`);
    expect(new Set(auth)).toEqual(new Set([`ns1.a.b.example. a.b.example. a.b.example. ${RRTYPE.DNSKEY}`, `ns.example. a.b.example. a.b.example. ${RRTYPE.DS}`]));
    // the parent walk: NS of b.example. (no NS RRset), then of example.; recorded under the names asked
    const ns = q.calls.filter((c) => c.target.qtype === RRTYPE.NS).map((c) => `${c.target.zone} ${c.target.qname}`);
    expect(new Set(ns)).toEqual(new Set(['a.b.example. a.b.example.', 'b.example. b.example.', 'example. example.']));
    // DS through the resolver as well (the validated view)
    expect(q.calls.some((c) => c.target.kind === 'resolver' && c.target.qtype === RRTYPE.DS)).toBe(true);
    await s.stop();
  });

  it('parentName: one label up, the root has none, escaped dots stay in their label', () => {
    expect(parentName('a.b.example.')).toBe('b.example.');
    expect(parentName('example.')).toBe('.');
    expect(parentName('.')).toBeNull();
    expect(parentName('a\\.b.example.')).toBe('example.');
  });

  it('resolves NS, then A/AAAA of each NS host, then asks each authoritative address with RD=0 targets', async () => {
    const nsAnswer = (t: QueryTarget): QueryResult => {
      const base = { zone: t.zone, qname: t.qname, qtype: t.qtype, status: QueryStatus.QUERY_STATUS_OK };
      if (t.qtype === RRTYPE.NS) {
        return {
          observation: { ...base, answer: [
            { name: 'example.', type: RRTYPE.NS, ttl: 3600, ns: { host: 'ns1.example.' } },
            { name: 'example.', type: RRTYPE.NS, ttl: 3600, ns: { host: 'ns2.example.' } },
          ] },
          message: undefined,
        };
      }
      if (t.kind === 'resolver' && (t.qtype === RRTYPE.A || t.qtype === RRTYPE.AAAA)) {
        return { observation: base, message: addressAnswer(t.qname, t.qtype) };
      }
      return { observation: base, message: undefined };
    };
    const q = fakeQuerier(2, nsAnswer);
    const { s } = make({ query: q.query, jitter: 0, defaultQtypes: [RRTYPE.DNSKEY], authoritativePort: 5353 });
    s.setZones('local', [zone('example.', { queryAuthoritatives: true })]);
    s.start();
    await vi.advanceTimersByTimeAsync(300_000);
    const auth = q.calls.filter((c) => c.target.kind === 'authoritative');
    expect(auth.map((c) => `${c.target.serverName} ${c.target.server.address} ${c.target.server.port} ${c.target.qtype}`).sort()).toEqual([
      'ns1.example. 192.0.2.11 5353 48',
      'ns1.example. 2001:db8::11 5353 48',
      'ns2.example. 192.0.2.12 5353 48',
      'ns2.example. 2001:db8::12 5353 48',
    ]);
    const viaResolver = q.calls.filter((c) => c.target.kind === 'resolver').map((c) => `${c.target.qname} ${c.target.qtype}`).sort();
    expect(viaResolver).toEqual(['example. 2', 'example. 48', 'ns1.example. 1', 'ns1.example. 28', 'ns2.example. 1', 'ns2.example. 28']);
    // NS and address lookups happen before the authoritative queries
    expect(Math.max(...q.calls.filter((c) => c.target.qtype === RRTYPE.NS).map((c) => c.at)))
      .toBeLessThan(Math.min(...auth.map((c) => c.at)));
    await s.stop();
  });

  it('asks the next resolver for the NS set when the first has none', async () => {
    const q = fakeQuerier(1, (t) => ({
      observation: {
        zone: t.zone, qname: t.qname, qtype: t.qtype, status: QueryStatus.QUERY_STATUS_OK,
        answer: t.qtype === RRTYPE.NS && t.server === R2 ? [{ name: 'example.', type: RRTYPE.NS, ttl: 1, ns: { host: 'ns.example.' } }] : [],
      },
      message: t.qtype === RRTYPE.A ? addressAnswer(t.qname, RRTYPE.A) : undefined,
    }));
    const { s } = make({ query: q.query, resolvers: [R1, R2], jitter: 0, defaultQtypes: [RRTYPE.SOA] });
    s.setZones('local', [zone('example.', { queryAuthoritatives: true })]);
    s.start();
    await vi.advanceTimersByTimeAsync(300_000);
    const ns = q.calls.filter((c) => c.target.qtype === RRTYPE.NS).map((c) => c.target.server.address);
    expect(ns).toEqual(['192.0.2.1', '2001:db8::2']);
    const auth = q.calls.filter((c) => c.target.kind === 'authoritative');
    expect(auth.map((c) => c.target.server.address)).toEqual(['192.0.2.9']);
    await s.stop();
  });

  it('stop() drops queued queries and waits for those in flight', async () => {
    const q = fakeQuerier(1000);
    const { s, observations } = make({ query: q.query, concurrency: 2, defaultQtypes: [RRTYPE.DNSKEY], random: () => 0 });
    s.setZones('local', Array.from({ length: 10 }, (_, i) => zone(`z${i}.example.`)));
    s.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(s.inFlight).toBe(2);
    expect(s.queued).toBe(8);
    const stopped = s.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
    expect(observations).toHaveLength(2);
    expect(s.queued).toBe(0);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(q.calls).toHaveLength(2);
  });
});

/** A real decoded response (made by core) holding one A or AAAA record for `host`. */
function addressAnswer(host: string, qtype: number) {
  const addr = qtype === RRTYPE.A
    ? (host.startsWith('ns1') ? [192, 0, 2, 11] : host.startsWith('ns2') ? [192, 0, 2, 12] : [192, 0, 2, 9])
    : [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, host.startsWith('ns1') ? 0x11 : 0x12];
  const q = encodeQuery({ id: 7, name: host, type: qtype, dnssecOk: false });
  // response = query header with QR and ANCOUNT=1, question, one RR with a pointer to the qname, no OPT
  const qEnd = q.length - 11; // encodeQuery appends an 11-byte OPT RR
  const out = new Uint8Array(qEnd + 12 + addr.length);
  out.set(q.subarray(0, qEnd));
  out[2] = 0x81;
  out[3] = 0x80;
  out[7] = 1; // ANCOUNT
  out[11] = 0; // ARCOUNT
  out.set([0xc0, 12, 0, qtype, 0, 1, 0, 0, 0x0e, 0x10, 0, addr.length, ...addr], qEnd);
  return decodeMessage(out);
}

describe('ipv6', () => {
  it.each([
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000010000000000000000', '2001:db8:0:1::'],
    ['20010db8000100000001000000000001', '2001:db8:1:0:1::1'],
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
  ])('%s -> %s (RFC 5952)', (hex, text) => {
    expect(ipv6(new Uint8Array(Buffer.from(hex, 'hex')))).toBe(text);
  });
});

describe('Scheduler at scale (real timers)', () => {
  it('runs 10,000 zones per interval without ever exceeding the cap', { timeout: 20_000 }, async () => {
    const q = fakeQuerier(3);
    const { s, observations } = make({ query: q.query, concurrency: 64, defaultIntervalS: 1, defaultQtypes: [RRTYPE.DNSKEY] });
    s.setZones('collector', Array.from({ length: 10_000 }, (_, i) => zone(`z${i}.example.`)));
    s.start();
    const deadline = Date.now() + 10_000;
    while (new Set(q.calls.map((c) => c.target.zone)).size < 10_000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(new Set(q.calls.map((c) => c.target.zone)).size).toBe(10_000);
    expect(q.peak()).toBeLessThanOrEqual(64);
    expect(s.peakInFlight).toBeLessThanOrEqual(64);
    await s.stop();
    expect(q.inFlight()).toBe(0);
    expect(observations).toHaveLength(q.calls.length);
  });
});
