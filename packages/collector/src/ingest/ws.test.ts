// The agent WebSocket against a listening app (port 0) with a real `ws` client.
import { sign } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AckStatus, AgentMessage, CollectorMessage, helloSigningInput, SignedBatch, type kto } from '@kto/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newKey, observation, signedBatch, type TestAgent } from '../testing/fixtures.js';
import { enrol, harness, type Harness } from '../testing/harness.js';

const NOW = Date.UTC(2026, 0, 15, 12);

/** A client that queues decoded CollectorMessages and remembers how the connection closed. */
class Client {
  readonly ws: WebSocket;
  private readonly queue: kto.v1.CollectorMessage[] = [];
  private waiters: ((m: kto.v1.CollectorMessage) => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: Buffer) => {
      const m = CollectorMessage.decode(data);
      const w = this.waiters.shift();
      if (w !== undefined) w(m);
      else this.queue.push(m);
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
  }

  next(): Promise<kto.v1.CollectorMessage> {
    const m = this.queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(msg: kto.v1.AgentMessage.$Properties): void {
    this.ws.send(AgentMessage.encode(msg).finish());
  }

  hello(agent: TestAgent, timeMs = NOW, signer = agent.privateKey): void {
    this.send({ hello: { agentId: agent.agentId, timeMs, signature: sign(null, helloSigningInput(agent.agentId, timeMs), signer), agentVersion: 'test' } });
  }

  batch(agent: TestAgent, seq: number, n = 1): void {
    const obs = Array.from({ length: n }, (_, i) => observation(NOW - i));
    this.send({ batch: SignedBatch.decode(signedBatch(agent, { seq, createdAtMs: NOW, observations: obs })) });
  }
}

describe('GET /v1/ingest/ws', () => {
  let h: Harness;
  let url: string;
  let agent: TestAgent;
  const clients: Client[] = [];

  beforeEach(async () => {
    h = await harness({ now: () => NOW, limits: { helloTimeoutMs: 500 } });
    agent = await enrol(h);
    await h.app.inject({ method: 'POST', url: '/v1/zones', headers: h.auth, payload: { zone: 'example.', qtypes: ['DNSKEY', 'SOA'], interval_s: 60 } });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/v1/ingest/ws`;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await h.app.close();
  });

  async function client(): Promise<Client> {
    const c = new Client(url);
    clients.push(c);
    await c.opened;
    return c;
  }

  async function welcomed(a: TestAgent = agent): Promise<Client> {
    const c = await client();
    c.hello(a);
    const m = await c.next();
    expect(m.msg).toBe('welcome');
    return c;
  }

  it('hello -> welcome with server time, last stored seq and the zones; batch -> ack STORED', async () => {
    const c = await client();
    c.hello(agent);
    const w = await c.next();
    expect(w.welcome).toMatchObject({ serverTimeMs: NOW, zones: { zones: [{ name: 'example.', intervalS: 60, qtypes: [6, 48] }] } });
    expect(w.welcome?.lastStoredSeq ?? 0).toBe(0);
    expect(w.welcome?.zones?.version).toBe((await h.app.inject({ method: 'GET', url: '/v1/zones' })).json().version);
    c.batch(agent, 1, 3);
    const a = await c.next();
    expect(a.ack).toMatchObject({ agentId: agent.agentId, seq: 1, status: AckStatus.ACK_STATUS_STORED, rows: 3 });
    expect(await h.store.countObservations()).toBe(3);
    // the same batch again: DUPLICATE; a reconnect learns the last stored seq
    c.batch(agent, 1, 3);
    expect((await c.next()).ack?.status).toBe(AckStatus.ACK_STATUS_DUPLICATE);
    const again = await client();
    again.hello(agent);
    expect((await again.next()).welcome?.lastStoredSeq).toBe(1);
  });

  it('batches sent right behind the Hello (before the Welcome) are handled after it', async () => {
    const c = await client();
    c.hello(agent);
    c.batch(agent, 1, 2);
    c.batch(agent, 2, 2);
    expect((await c.next()).msg).toBe('welcome');
    const acks = [(await c.next()).ack!, (await c.next()).ack!];
    expect(acks.map((a) => [Number(a.seq), a.status]).sort()).toEqual([[1, AckStatus.ACK_STATUS_STORED], [2, AckStatus.ACK_STATUS_STORED]]);
  });

  it('acks every batch by seq, in completion order, with many in flight', async () => {
    const c = await welcomed();
    for (let seq = 1; seq <= 40; seq++) c.batch(agent, seq, 2);
    const acks = [];
    for (let i = 0; i < 40; i++) acks.push((await c.next()).ack!);
    expect(acks.map((a) => Number(a.seq)).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(acks.every((a) => a.status === AckStatus.ACK_STATUS_STORED)).toBe(true);
    expect(await h.store.countObservations()).toBe(80);
  });

  it('pushes the zone assignment to connected agents when zones change', async () => {
    const c = await welcomed();
    const before = (await h.app.inject({ method: 'GET', url: '/v1/zones' })).json().version as number;
    await h.app.inject({ method: 'POST', url: '/v1/zones', headers: h.auth, payload: { zone: 'nl', qtypes: ['DS'] } });
    const push = await c.next();
    expect(push.zones?.zones?.map((z) => z.name)).toEqual(['example.', 'nl.']);
    expect(push.zones?.version).not.toBe(before);
    await h.app.inject({ method: 'DELETE', url: '/v1/zones/example.', headers: h.auth });
    expect((await c.next()).zones?.zones?.map((z) => z.name)).toEqual(['nl.']);
  });

  it('a batch of another agent on this connection: REJECTED KTO_ERR_INGEST_AGENT_MISMATCH, connection stays', async () => {
    const other = await enrol(h);
    const c = await welcomed();
    c.batch(other, 1);
    expect((await c.next()).ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_AGENT_MISMATCH' });
    c.batch(agent, 1);
    expect((await c.next()).ack?.status).toBe(AckStatus.ACK_STATUS_STORED);
  });

  /** Asserts an ErrorMessage with `code`, then the close code. */
  async function refused(c: Client, code: string, closeCode: number): Promise<void> {
    const m = await c.next();
    expect(m.error?.code).toBe(code);
    expect((await c.closed).code).toBe(closeCode);
  }

  it('bad hellos: ErrorMessage and close 4401 (bad signature, unknown agent, clock skew, revoked)', async () => {
    const forged = await client();
    forged.hello(agent, NOW, newKey().privateKey);
    await refused(forged, 'KTO_ERR_INGEST_BAD_SIGNATURE', 4401);

    const stranger = await client();
    stranger.hello({ ...newKey(), agentId: 'a00000000000000000000' });
    await refused(stranger, 'KTO_ERR_INGEST_UNKNOWN_AGENT', 4401);

    const skewed = await client();
    skewed.hello(agent, NOW + 6 * 60_000);
    await refused(skewed, 'KTO_ERR_INGEST_CLOCK_SKEW', 4401);

    const early = await client();
    early.batch(agent, 1);
    await refused(early, 'KTO_ERR_INGEST_HELLO_REQUIRED', 4401);

    // the server keeps serving
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ok = await welcomed();
    ok.batch(agent, 1);
    expect((await ok.next()).ack?.status).toBe(AckStatus.ACK_STATUS_STORED);
  });

  it('malformed frames: ErrorMessage and close 4400; other connections and stored rows are unaffected', async () => {
    const good = await welcomed();
    good.batch(agent, 1, 2);
    expect((await good.next()).ack?.status).toBe(AckStatus.ACK_STATUS_STORED);

    const text = await welcomed();
    text.ws.send('hello?');
    await refused(text, 'KTO_ERR_INGEST_BAD_MESSAGE', 4400);

    const garbage = await client();
    garbage.ws.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]));
    await refused(garbage, 'KTO_ERR_INGEST_BAD_PROTOBUF', 4400);

    const twice = await welcomed();
    twice.hello(agent);
    await refused(twice, 'KTO_ERR_INGEST_BAD_MESSAGE', 4400);

    const empty = await client();
    empty.send({});
    await refused(empty, 'KTO_ERR_INGEST_BAD_MESSAGE', 4400);

    const silent = await client();
    await refused(silent, 'KTO_ERR_INGEST_HELLO_TIMEOUT', 4400);

    good.batch(agent, 2, 2);
    expect((await good.next()).ack?.status).toBe(AckStatus.ACK_STATUS_STORED);
    expect(await h.store.countObservations()).toBe(4);
  });

  it('revoking an agent closes its connections with KTO_ERR_INGEST_AGENT_REVOKED (4401)', async () => {
    const c = await welcomed();
    await h.app.inject({ method: 'POST', url: `/v1/agents/${agent.agentId}/revoke`, headers: h.auth });
    await refused(c, 'KTO_ERR_INGEST_AGENT_REVOKED', 4401);
    const again = await client();
    again.hello(agent);
    await refused(again, 'KTO_ERR_INGEST_AGENT_REVOKED', 4401);
  });

  it('counts connections in kto_collector_ws_connections', async () => {
    const c1 = await welcomed();
    await welcomed();
    const gauge = async (): Promise<string> => {
      const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      return /^kto_collector_ws_connections (\d+)$/m.exec(text)?.[1] ?? '';
    };
    expect(await gauge()).toBe('2');
    c1.ws.close();
    await c1.closed;
    await new Promise((r) => setTimeout(r, 20));
    expect(await gauge()).toBe('1');
  });

  it('a signed frame larger than the size limit gets an ack REJECTED KTO_ERR_INGEST_TOO_LARGE', async () => {
    await h.app.close();
    h = await harness({ now: () => NOW, store: h.store, limits: { maxBodyBytes: 2048 } });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/v1/ingest/ws`;
    const c = await welcomed();
    const big = signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: [observation(NOW, { raw: new Uint8Array(2100) })] });
    c.send({ batch: SignedBatch.decode(big) });
    expect((await c.next()).ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_TOO_LARGE' });
  });
});
