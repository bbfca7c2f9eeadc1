// The whole agent: config → scheduler → querier (fake transport replaying a real answer) → batcher
// → spool → uplink → a fake collector; restarts on the same state directory.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKtoError } from '@kto/core';
import { AckStatus, QueryStatus } from '@kto/proto';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from './agent.js';
import { loadConfig } from './config.js';
import { enroll } from './enroll.js';
import { startDnsResponder, withId } from './testing/dns-responder.js';
import { FakeCollector, type AckDecision, type ReceivedBatch } from './testing/fake-collector.js';
import { atlasResponses } from './testing/real-data.js';
import type { DnsTransports, ExchangeResult } from './transport/types.js';

const [ORG_DNSKEY] = atlasResponses(1672220, 15060);
const root = mkdtempSync(join(tmpdir(), 'kto-agent-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const resolvConf = join(root, 'resolv.conf');
writeFileSync(resolvConf, 'nameserver 192.0.2.53\n');
const silent = pino({ level: 'silent' });

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Answers every query with the real org. DNSKEY response (id patched), after 1 ms. */
function replayTransports(): DnsTransports & { queries: number } {
  const t = {
    queries: 0,
    udp: {
      exchange: async (_server: unknown, message: Uint8Array): Promise<ExchangeResult> => {
        t.queries++;
        await new Promise((r) => setTimeout(r, 1));
        return { status: 'response', bytes: withId(ORG_DNSKEY!, message), rttUs: 1000, attempts: 1, error: '' };
      },
      close: async () => undefined,
    },
    tcp: {
      exchange: async (): Promise<ExchangeResult> => ({ status: 'network-error', bytes: new Uint8Array(0), rttUs: 0, attempts: 1, error: 'unused' }),
      close: async () => undefined,
    },
  };
  return t;
}

const agents: Agent[] = [];
const collectors: FakeCollector[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  for (const c of collectors.splice(0)) await c.close();
});

let n = 0;
async function enrolled(ack: (b: ReceivedBatch, before: boolean) => AckDecision | 'no-ack') {
  const collector = await FakeCollector.start({ ack: (b, before) => ack(b, before), tokens: ['tok'] });
  collectors.push(collector);
  const stateDir = join(root, `agent${n++}`);
  await enroll({ collector: collector.url, token: 'tok', country: 'CZ', continent: 'EU', asn: 25192, stateDir });
  return { collector, stateDir };
}

function agentFor(stateDir: string, qtypes = ['DNSKEY']): { agent: Agent; transports: ReturnType<typeof replayTransports> } {
  const transports = replayTransports();
  const config = loadConfig({
    flags: { stateDir, zones: ['org.'], qtypes, intervalS: '1', batchMaxObservations: '2', batchMaxAgeMs: '20' },
    env: {}, resolvConfPath: resolvConf,
  });
  const agent = createAgent(config, {
    logger: silent, transports, random: () => 0,
    uplink: { backoffBaseMs: 20, backoffCapMs: 100, defaultRetryMs: 50 },
  });
  agents.push(agent);
  return { agent, transports };
}

describe('agent', () => {
  it('refuses to start without enrolment', async () => {
    const config = loadConfig({ flags: { stateDir: join(root, 'never-enrolled') }, env: {}, resolvConfPath: resolvConf });
    await expect(createAgent(config, { logger: silent }).start()).rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_NOT_ENROLLED'));
  });

  it('queries, batches, signs and delivers observations the collector can verify', async () => {
    const { collector, stateDir } = await enrolled(() => ({ status: AckStatus.ACK_STATUS_STORED }));
    const { agent } = agentFor(stateDir, ['DNSKEY', 'SOA', 'CDS']);
    await agent.start();
    await until(() => collector.batches.length >= 2);
    const b = collector.batches[0]!;
    expect(b.signatureValid).toBe(true);
    expect(b.body.location).toMatchObject({ country: 'CZ', continent: 'EU', asn: 25192 });
    const o = collector.batches.flatMap((x) => x.body.observations).find((x) => x.qtype === 48)!;
    expect(o).toMatchObject({ zone: 'org.', qname: 'org.', qtype: 48, status: QueryStatus.QUERY_STATUS_OK, doBit: true });
    expect(o.vantage).toMatchObject({ address: '192.0.2.53', port: 53, family: 4 });
    expect(o.raw?.length).toBe(ORG_DNSKEY!.length);
    expect((o.rrsigs ?? []).map((s) => s.keyTag ?? 0).sort((x, y) => x - y)).toEqual([9795, 21366, 23273]);
    await until(() => agent.status().spoolBatches === 0 && agent.status().lastAckedSeq >= 2);
    const text = await agent.metrics.text();
    expect(text).toMatch(/^kto_agent_queries_total\{status="ok",qtype="DNSKEY"\} [1-9]/m);
    expect(text).toMatch(/^kto_agent_batches_acked_total\{status="stored"\} [1-9]/m);
  });

  it('survives a restart: unacked batches are re-sent in seq order, deleted on ack, kept on RETRY, REJECTED moved', async () => {
    let phase: 'down' | 'up' = 'down';
    const retried = new Set<number>();
    const { collector, stateDir } = await enrolled((b, before) => {
      if (phase === 'down') return 'no-ack';
      if (b.seq === 2) return { status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_BAD_OBSERVATION', message: 'test' };
      if (b.seq === 3 && !retried.has(3)) {
        retried.add(3);
        return { status: AckStatus.ACK_STATUS_RETRY, retryAfterMs: 200 };
      }
      return { status: before ? AckStatus.ACK_STATUS_DUPLICATE : AckStatus.ACK_STATUS_STORED };
    });
    // 1st run: the collector takes batches but never acks
    const first = agentFor(stateDir, ['DNSKEY', 'SOA', 'DS', 'CDS']);
    await first.agent.start();
    await until(() => first.agent.status().lastSeq >= 4);
    await first.agent.stop();
    const spooled = readdirSync(join(stateDir, 'spool')).filter((f) => f.endsWith('.batch')).map((f) => Number(f.slice(0, 16)));
    expect(spooled.length).toBeGreaterThanOrEqual(4);
    expect(spooled).toEqual([...spooled].sort((a, b) => a - b));
    const lastSeqBefore = first.agent.status().lastSeq;
    expect(Math.max(...spooled)).toBe(lastSeqBefore); // stop() sealed the open batch into the spool
    const sentBefore = collector.batches.length;

    // 2nd run, same state dir, collector acks now
    phase = 'up';
    const second = agentFor(stateDir, ['DNSKEY', 'SOA', 'DS', 'CDS']);
    await second.agent.start();
    await until(() => spooled.every((s) => !readdirSync(join(stateDir, 'spool')).includes(`${String(s).padStart(16, '0')}.batch`)));
    const resent = collector.batches.slice(sentBefore).map((b) => b.seq);
    // the old batches go out first, in seq order (3 comes again after its RETRY)
    expect(resent.slice(0, spooled.length)).toEqual(spooled);
    expect(resent.filter((s) => s === 3)).toHaveLength(2);
    expect(resent.filter((s) => s === 2)).toHaveLength(1);
    expect(readdirSync(join(stateDir, 'spool', 'rejected'))).toContain(`${String(2).padStart(16, '0')}.batch`);
    // new batches of the 2nd run continue the sequence: no seq is ever reused
    await until(() => second.agent.status().lastSeq > lastSeqBefore + 1);
    await until(() => collector.batches.some((b) => b.seq > lastSeqBefore));
    const old = new Set(spooled);
    const newSeqs = collector.batches.slice(sentBefore).map((b) => b.seq).filter((s) => !old.has(s));
    expect(newSeqs.length).toBeGreaterThan(0);
    expect(newSeqs.every((s) => s > lastSeqBefore)).toBe(true);
    expect(collector.batches.every((b) => b.signatureValid)).toBe(true);
    // every (seq → body) pair is unique: a resent seq carries the same bytes
    const bodies = new Map<number, string>();
    for (const b of collector.batches) {
      const hex = Buffer.from(b.bodyBytes).toString('hex');
      expect(bodies.get(b.seq) ?? hex).toBe(hex);
      bodies.set(b.seq, hex);
    }
  });

  it('moves its seq above the collector\'s last stored seq (state restored from an old backup)', async () => {
    const { collector, stateDir } = await enrolled(() => ({ status: AckStatus.ACK_STATUS_STORED }));
    const { agent } = agentFor(stateDir);
    const agentId = JSON.parse((await import('node:fs')).readFileSync(join(stateDir, 'agent.json'), 'utf8')).agent_id as string;
    collector.stored.add(`${agentId}/500`);
    await agent.start();
    await until(() => collector.batches.length >= 1);
    expect(collector.batches[0]!.seq).toBeGreaterThan(500);
  });

  it('runs with its own UDP/TCP transports against a loopback responder, serves metrics, stops cleanly', async () => {
    const responder = await startDnsResponder((q) => ({ kind: 'bytes', bytes: withId(ORG_DNSKEY!, q) }));
    try {
      const { collector, stateDir } = await enrolled(() => ({ status: AckStatus.ACK_STATUS_STORED }));
      const config = loadConfig({
        flags: {
          stateDir, zones: ['org.'], qtypes: ['DNSKEY', 'SOA'], intervalS: '1', batchMaxAgeMs: '20',
          resolvers: [`127.0.0.1:${responder.port}`], metricsListen: '127.0.0.1:0', timeoutMs: '100', retries: '0',
        },
        env: {}, resolvConfPath: resolvConf,
      });
      const agent = createAgent(config, { logger: silent, random: () => 0 });
      await agent.start();
      const received = () => collector.batches.flatMap((b) => b.body.observations);
      await until(() => new Set(received().map((o) => o.qtype)).size === 2);
      const obs = received();
      expect(obs.map((o) => o.qtype ?? 0).sort((a, b) => a - b)).toEqual([6, 48]);
      expect(obs.every((o) => o.vantage?.port === responder.port)).toBe(true);
      // the SOA query got the DNSKEY answer: question mismatch, recorded as such with its bytes
      expect(obs.find((o) => o.qtype === 6)).toMatchObject({ status: QueryStatus.QUERY_STATUS_MISMATCH });
      expect(obs.find((o) => o.qtype === 48)).toMatchObject({ status: QueryStatus.QUERY_STATUS_OK });
      const url = agent.status().metricsUrl!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^kto_agent_queries_total\{status="mismatch",qtype="SOA"\} [1-9]/m);
      expect(text).toMatch(/^kto_agent_zones 1$/m);
      expect(text).toMatch(/^kto_agent_uplink_connected\{channel="ws"\} 1$/m);
      const missing = await fetch(url.replace('/metrics', '/other'));
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ statusCode: 404, code: 'KTO_ERR_AGENT_METRICS_NOT_FOUND' });
      await agent.stop();
      expect(agent.status().state).toBe('stopped');
      await expect(fetch(url)).rejects.toThrow();
      await expect(agent.start()).rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_LIFECYCLE'));
    } finally {
      await responder.close();
    }
  });

  it('allows one agent per state directory, and takes over a lock its dead owner left', async () => {
    const { stateDir } = await enrolled(() => ({ status: AckStatus.ACK_STATUS_STORED }));
    const a = agentFor(stateDir).agent;
    await a.start();
    const b = agentFor(stateDir).agent;
    await expect(b.start()).rejects.toSatisfy((e) => isKtoError(e, 'KTO_ERR_AGENT_STATE_LOCKED'));
    await a.stop();
    // a crashed agent's lock: a pid no process can have (above Linux's largest pid_max, 2^22)
    writeFileSync(join(stateDir, 'agent.lock'), '4194305\n');
    const c = agentFor(stateDir).agent;
    await c.start();
    expect(c.status().state).toBe('running');
  });
});
