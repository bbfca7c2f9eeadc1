// The whole collector on the embedded chdb store: listen on port 0, enrol, ingest over WebSocket and
// HTTP, read back through the API, then SIGTERM: pending rows are flushed before the store closes.
import { sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ack, AckStatus, AgentMessage, CollectorMessage, helloSigningInput, SignedBatch } from '@kto/proto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCollector } from './server.js';
import { openStore } from './storage/index.js';
import { atlasCases, newKey, observation, signedBatch } from './testing/fixtures.js';

describe('kto-collector on chdb', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-collector-server-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves, stores into chdb, and on SIGTERM flushes pending rows before closing', async () => {
    const adminToken = 'server-test-admin-token';
    let listening!: (url: string) => void;
    const bound = new Promise<string>((resolve) => { listening = resolve; });
    const running = runCollector({
      listen: { host: '127.0.0.1', port: 0 },
      store: { mode: 'chdb', dataDir: join(dir, 'chdb') },
      adminToken,
      logger: pino({ level: 'silent' }),
      // batches of >= 40 rows are stored at once; smaller ones wait (up to a minute) for company
      insert: { maxRows: 40, maxDelayMs: 60_000 },
      onListening: (u) => listening(u),
    });
    const url = await bound;
    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

    await post('/v1/zones', { zone: 'org', qtypes: ['DNSKEY'] }, admin);
    const { token } = (await (await post('/v1/enrolment-tokens', {}, admin)).json()) as { token: string };
    const key = newKey();
    const enrolled = await post('/v1/agents/enroll', { token, public_key: key.publicKeyHex, country: 'SE', continent: 'EU' });
    expect(enrolled.status).toBe(201);
    const agent = { ...key, agentId: ((await enrolled.json()) as { agent_id: string }).agent_id };

    // WebSocket: hello, welcome with the zone, a batch of real observations -> STORED
    const now = Date.now();
    const cases = atlasCases(now);
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ingest/ws`);
    const messages: ReturnType<typeof CollectorMessage.decode>[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (d: Buffer) => {
      messages.push(CollectorMessage.decode(d));
      waiters.shift()?.();
    });
    const next = async () => {
      if (messages.length === 0) await new Promise<void>((r) => waiters.push(r));
      return messages.shift()!;
    };
    await new Promise((r) => ws.once('open', r));
    const t = Date.now();
    ws.send(AgentMessage.encode({ hello: { agentId: agent.agentId, timeMs: t, signature: sign(null, helloSigningInput(agent.agentId, t), agent.privateKey) } }).finish());
    expect((await next()).welcome?.zones?.zones?.map((z) => z.name)).toEqual(['org.']);
    ws.send(AgentMessage.encode({
      batch: SignedBatch.decode(signedBatch(agent, { seq: 1, createdAtMs: now, observations: cases.map((c) => c.observation) })),
    }).finish());
    expect((await next()).ack).toMatchObject({ seq: 1, status: AckStatus.ACK_STATUS_STORED, rows: cases.length });

    // read back from chdb through the API
    const page = (await (await fetch(`${url}/v1/zones/org./observations`)).json()) as { observations: { raw: string; rrsig_key_tags: number[] }[] };
    const org = cases.find((c) => c.observation.zone === 'org.')!;
    expect(page.observations).toHaveLength(cases.filter((c) => c.observation.zone === 'org.').length);
    expect(Buffer.from(page.observations[0]!.raw, 'base64').equals(Buffer.from(org.message.bytes))).toBe(true);
    expect([...page.observations[0]!.rrsig_key_tags].sort((a, b) => a - b)).toEqual([9795, 21366, 23273]);

    // a batch in flight over HTTP when SIGTERM arrives: flushed, acknowledged, then the process stops
    const inFlight = fetch(`${url}/v1/ingest`, {
      method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from(signedBatch(agent, { seq: 2, createdAtMs: now, observations: [observation(now), observation(now)] })),
    });
    // wait until its rows are queued (and not stored: the insert timer is a minute)
    for (;;) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      if (/^kto_collector_pending_rows 2$/m.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
    process.emit('SIGTERM', 'SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(Ack.decode(new Uint8Array(await res.arrayBuffer()))).toMatchObject({ seq: 2, status: AckStatus.ACK_STATUS_STORED, rows: 2 });
    await running;
    expect(await closed).toBe(1001); // going away
    expect(messages.at(-1)?.error?.code).toBe('KTO_ERR_INGEST_SHUTTING_DOWN');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(process.listeners('SIGTERM')).toHaveLength(0);

    // the data directory holds everything, ledger included
    const store = await openStore({ mode: 'chdb', dataDir: join(dir, 'chdb') });
    try {
      expect(await store.countObservations({ agentId: agent.agentId })).toBe(cases.length + 2);
      expect(await store.ledgerMaxSeq()).toEqual(new Map([[agent.agentId, 2]]));
    } finally {
      await store.close();
    }
  });
});
