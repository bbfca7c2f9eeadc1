// The uplink against a fake collector (WebSocket + HTTP, written from the protocol text).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AckStatus, AgentMessage, SignedBatch } from '@kto/proto';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from './identity.js';
import { Spool } from './spool.js';
import { FakeCollector, type FakeCollectorOptions } from './testing/fake-collector.js';
import { Uplink, wrapBatch, type UplinkOptions } from './uplink.js';
import type { ZoneList } from './zone-assignment.js';

const root = mkdtempSync(join(tmpdir(), 'kto-agent-uplink-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(collectorOpts: FakeCollectorOptions = {}, uplinkOpts: Partial<UplinkOptions> = {}, register = true) {
  const collector = await FakeCollector.start(collectorOpts);
  cleanups.push(() => collector.close());
  const dir = join(root, `u${n++}`);
  const { identity } = await loadOrCreateIdentity(dir);
  const agentId = register ? collector.register(identity.publicKey) : 'a00000000000000000000';
  const { log, lines } = capture();
  const spool = await Spool.open({ dir: join(dir, 'spool'), maxBytes: 64 << 20, log });
  cleanups.push(() => spool.close());
  const zones: ZoneList[] = [];
  const uplink = new Uplink({
    collector: collector.url, agentId, agentVersion: 'test', identity, spool, log, onZones: (z) => zones.push(z),
    backoffBaseMs: 20, backoffCapMs: 200, helloTimeoutMs: 2000, ackTimeoutMs: 2000, zonesPollMs: 100, defaultRetryMs: 50,
    ...uplinkOpts,
  });
  cleanups.push(() => uplink.stop());
  // a spooled "batch": SignedBatch bytes, signed like the batcher does
  const { BatchBody } = await import('@kto/proto');
  const put = async (seq: number) => {
    const body = BatchBody.encode({ agentId, seq, createdAtMs: Date.now(), observations: [] }).finish();
    await spool.put(seq, SignedBatch.encode({ agentId, body, signature: identity.sign(body) }).finish());
    uplink.notify();
  };
  return { collector, uplink, spool, zones, lines, put, dir, agentId };
}

describe('wrapBatch', () => {
  it('frames SignedBatch bytes exactly as AgentMessage{batch} encodes', () => {
    for (const len of [0, 5, 127, 128, 300, 20_000]) {
      const signed = SignedBatch.encode({ agentId: 'a1', body: new Uint8Array(len).fill(7), signature: new Uint8Array(64) }).finish();
      const viaProto = AgentMessage.encode({ batch: SignedBatch.decode(signed) }).finish();
      expect(Buffer.from(wrapBatch(signed)).equals(Buffer.from(viaProto))).toBe(true);
    }
  });
});

describe('Uplink over WebSocket', () => {
  it('says Hello, applies the Welcome\'s zones, sends spooled batches and deletes them on STORED', async () => {
    const { collector, uplink, spool, zones, put } = await setup({
      zones: { version: 7, zones: [{ name: 'example.', intervalS: 60, qtypes: [48], queryAuthoritatives: true }] },
    });
    await put(1);
    await put(2);
    uplink.start();
    await until(() => spool.count === 0);
    expect(collector.hellos).toHaveLength(1);
    expect(collector.hellos[0]!.valid).toBe(true);
    expect(collector.batches.map((b) => [b.seq, b.channel, b.signatureValid])).toEqual([[1, 'ws', true], [2, 'ws', true]]);
    expect(zones[0]).toEqual({ version: 7, zones: [{ name: 'example.', intervalS: 60, qtypes: [48], queryAuthoritatives: true }], skipped: [] });
    expect(uplink.channel).toBe('ws');
    expect(uplink.lastAckedSeq).toBe(2);
    await put(3);
    await until(() => spool.count === 0);
    expect(collector.batches.map((b) => b.seq)).toEqual([1, 2, 3]);
    // a pushed zone list reaches the agent
    collector.pushZones({ version: 8, zones: [{ name: 'example.net.' }] });
    await until(() => zones.length === 2);
    expect(zones[1]!.zones.map((z) => z.name)).toEqual(['example.net.']);
  });

  it('keeps at most `window` batches unacknowledged', async () => {
    const { collector, uplink, spool, put } = await setup({ ack: () => 'no-ack' }, { window: 4 });
    for (let s = 1; s <= 10; s++) await put(s);
    uplink.start();
    await until(() => collector.batches.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(collector.batches.map((b) => b.seq)).toEqual([1, 2, 3, 4]);
    expect(uplink.inFlight).toBe(4);
    expect(spool.count).toBe(10);
  });

  it('keeps a batch on RETRY and resends it after retry_after_ms; moves REJECTED ones to rejected/', async () => {
    const tries = new Map<number, number>();
    const { collector, uplink, spool, put, dir, lines } = await setup({
      ack: (b) => {
        const t = (tries.get(b.seq) ?? 0) + 1;
        tries.set(b.seq, t);
        if (b.seq === 2) return { status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_TOO_OLD', message: 'sent_at_ms too old' };
        if (b.seq === 3 && t < 3) return { status: AckStatus.ACK_STATUS_RETRY, errorCode: 'KTO_ERR_STORE_UNAVAILABLE', retryAfterMs: 150 };
        return { status: AckStatus.ACK_STATUS_STORED };
      },
    });
    for (let s = 1; s <= 3; s++) await put(s);
    uplink.start();
    await until(() => collector.batches.filter((b) => b.seq === 3).length === 2);
    expect(spool.has(3)).toBe(true); // RETRY: still spooled
    await until(() => spool.count === 0);
    expect(collector.batches.filter((b) => b.seq === 3)).toHaveLength(3); // RETRY, RETRY, STORED
    expect(readdirSync(join(dir, 'spool', 'rejected'))).toContain('0000000000000002.batch');
    expect(lines.find((l) => l.code === 'KTO_ERR_AGENT_BATCH_REJECTED')).toMatchObject({ seq: 2, collectorCode: 'KTO_ERR_INGEST_TOO_OLD' });
    expect(collector.batches.filter((b) => b.seq === 2)).toHaveLength(1); // never resent
  });

  it('waits retry_after_ms before resending', async () => {
    const at: number[] = [];
    const { collector, uplink, spool, put } = await setup({
      ack: () => {
        at.push(Date.now());
        return at.length === 1 ? { status: AckStatus.ACK_STATUS_RETRY, retryAfterMs: 300 } : { status: AckStatus.ACK_STATUS_STORED };
      },
    });
    await put(1);
    uplink.start();
    await until(() => spool.count === 0);
    expect(collector.batches).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(290);
  });

  it('reconnects after the connection drops and resends what was not acknowledged', async () => {
    let acking = false;
    const { collector, uplink, spool, put } = await setup({ ack: () => (acking ? { status: AckStatus.ACK_STATUS_STORED } : 'no-ack') });
    await put(1);
    await put(2);
    uplink.start();
    await until(() => collector.batches.length === 2);
    acking = true;
    collector.dropConnections();
    await until(() => spool.count === 0);
    expect(collector.hellos.length).toBe(2);
    expect(collector.batches.map((b) => b.seq)).toEqual([1, 2, 1, 2]);
  });

  it('logs a refused Hello (close 4401) and keeps retrying with backoff', async () => {
    const { collector, uplink, lines } = await setup({}, { wsFailuresBeforeHttp: 100 }, false);
    uplink.start();
    await until(() => collector.hellos.length >= 3);
    expect(collector.hellos.every((h) => !h.valid)).toBe(true);
    expect(lines.some((l) => l.code === 'KTO_ERR_AGENT_HELLO_REFUSED')).toBe(true);
    expect(uplink.channel).toBe('down');
  });
});

describe('Uplink fallback to HTTP', () => {
  it('after 3 failed WebSocket attempts posts batches over HTTP, polls zones, and returns to the WebSocket', async () => {
    const { collector, uplink, spool, put, zones } = await setup({
      zones: { version: 3, zones: [{ name: 'example.org.', intervalS: 30 }] },
    }, { random: () => 1 });
    collector.wsEnabled = false;
    await put(1);
    uplink.start();
    await until(() => spool.count === 0);
    expect(uplink.channel).toBe('http');
    expect(collector.upgradeTimes.length).toBeGreaterThanOrEqual(3);
    expect(collector.batches.map((b) => [b.seq, b.channel, b.signatureValid])).toEqual([[1, 'http', true]]);
    // exponential backoff: with random()=1 the waits are 20, 40, 80 ms (base 20)
    const gaps = collector.upgradeTimes.slice(1, 4).map((t, i) => t - collector.upgradeTimes[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    await until(() => collector.zonePolls >= 1 && zones.length >= 1);
    expect(zones[0]!.zones.map((z) => [z.name, z.intervalS])).toEqual([['example.org.', 30]]);

    await put(2);
    await until(() => collector.batches.length === 2);
    collector.wsEnabled = true;
    await until(() => uplink.channel === 'ws', 5000);
    await put(3);
    await until(() => spool.count === 0);
    expect(collector.batches.at(-1)).toMatchObject({ seq: 3, channel: 'ws' });
  });

  it('resends over HTTP after a 503 RETRY', async () => {
    let first = true;
    const { collector, uplink, spool, put } = await setup({
      ack: () => {
        if (first) {
          first = false;
          return { status: AckStatus.ACK_STATUS_RETRY, retryAfterMs: 100 };
        }
        return { status: AckStatus.ACK_STATUS_STORED };
      },
    }, { wsFailuresBeforeHttp: 1 });
    collector.wsEnabled = false;
    await put(1);
    uplink.start();
    await until(() => spool.count === 0);
    expect(collector.batches.map((b) => [b.seq, b.channel])).toEqual([[1, 'http'], [1, 'http']]);
  });
});
