// POST /v1/ingest, and the security cases: each answered with its code, after which the server still
// serves and the rows stored before are intact.
import { sign } from 'node:crypto';
import { AckStatus, BatchBody, SignedBatch } from '@kto/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atlasCases, newKey, observation, signedBatch, type TestAgent } from '../testing/fixtures.js';
import { enrol, harness, postBatch, type Harness } from '../testing/harness.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const now = (): number => NOW;

describe('POST /v1/ingest', () => {
  let h: Harness;
  let agent: TestAgent;
  let storedBefore: number;

  beforeEach(async () => {
    h = await harness({ now });
    agent = await enrol(h);
    // a first batch of real observations, stored before every security case
    const obs = atlasCases(NOW).map((c) => c.observation);
    const r = await postBatch(h, signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: obs }));
    expect(r.ack.status).toBe(AckStatus.ACK_STATUS_STORED);
    storedBefore = obs.length;
  });

  afterEach(async () => {
    await h.app.close();
  });

  /** The server still serves, the earlier rows are intact, and a valid batch is still stored. */
  async function stillHealthy(nextSeq: number): Promise<void> {
    expect(await h.store.countObservations()).toBe(storedBefore);
    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    const ok = await postBatch(h, signedBatch(agent, { seq: nextSeq, createdAtMs: NOW, observations: [observation(NOW)] }));
    expect(ok.ack.status).toBe(AckStatus.ACK_STATUS_STORED);
    expect(await h.store.countObservations()).toBe(storedBefore + 1);
  }

  it('stores a batch: 200 STORED with the row count, rows and ledger in the store', async () => {
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW), observation(NOW - 1)] }));
    expect(r.status).toBe(200);
    expect(r.ack).toMatchObject({ agentId: agent.agentId, seq: 2, status: AckStatus.ACK_STATUS_STORED, rows: 2 });
    expect(await h.store.countObservations({ agentId: agent.agentId })).toBe(storedBefore + 2);
    const ledger = await h.store.ledgerGet(agent.agentId, 2);
    expect(ledger).toMatchObject({ rows: 2, created_at_ms: NOW, stored_at_ms: NOW });
    // the declared location of the agent is stamped on its rows
    const rows = await h.store.queryObservations({ zone: 'example.', limit: 10 });
    expect(rows.every((row) => row.country === 'CZ' && row.continent === 'EU' && row.asn === 25192 && row.received_at_ms === NOW)).toBe(true);
  });

  it('a location in the batch body overrides the enrolled one', async () => {
    await postBatch(h, signedBatch(agent, {
      seq: 2, createdAtMs: NOW, location: { country: 'JP', continent: 'AS', asn: 2497 }, observations: [observation(NOW)],
    }));
    const [row] = await h.store.queryObservations({ zone: 'example.', limit: 1 });
    expect([row?.country, row?.continent, row?.asn]).toEqual(['JP', 'AS', 2497]);
  });

  it('re-sent identical batch: DUPLICATE, no extra rows', async () => {
    const bytes = signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] });
    expect((await postBatch(h, bytes)).ack.status).toBe(AckStatus.ACK_STATUS_STORED);
    const again = await postBatch(h, bytes);
    expect(again.status).toBe(200);
    expect(again.ack).toMatchObject({ status: AckStatus.ACK_STATUS_DUPLICATE, seq: 2, rows: 1 });
    expect(await h.store.countObservations()).toBe(storedBefore + 1);
    // and the real first batch, re-sent, too
    const first = signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: atlasCases(NOW).map((c) => c.observation) });
    expect((await postBatch(h, first)).ack).toMatchObject({ status: AckStatus.ACK_STATUS_DUPLICATE, rows: storedBefore });
    expect(await h.store.countObservations()).toBe(storedBefore + 1);
  });

  it('identical batches sent concurrently are stored once', async () => {
    const bytes = signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW), observation(NOW)] });
    const acks = await Promise.all([postBatch(h, bytes), postBatch(h, bytes), postBatch(h, bytes)]);
    expect(acks.map((a) => a.ack.status).sort()).toEqual(
      [AckStatus.ACK_STATUS_STORED, AckStatus.ACK_STATUS_DUPLICATE, AckStatus.ACK_STATUS_DUPLICATE].sort(),
    );
    expect(await h.store.countObservations()).toBe(storedBefore + 2);
  });

  it('replayed seq with different content: 409 REJECTED KTO_ERR_INGEST_SEQ_REPLAYED', async () => {
    const r = await postBatch(h, signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: [observation(NOW)] }));
    expect(r.status).toBe(409);
    expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_SEQ_REPLAYED', seq: 1 });
    await stillHealthy(2);
  });

  it('a seq below the highest stored one that was never stored (a gap filled late) is accepted', async () => {
    await postBatch(h, signedBatch(agent, { seq: 5, createdAtMs: NOW, observations: [observation(NOW)] }));
    const late = await postBatch(h, signedBatch(agent, { seq: 3, createdAtMs: NOW, observations: [observation(NOW)] }));
    expect(late.ack.status).toBe(AckStatus.ACK_STATUS_STORED);
    expect(await h.store.ledgerMaxSeq()).toEqual(new Map([[agent.agentId, 5]]));
  });

  it('forged signature (another key): 401 REJECTED KTO_ERR_INGEST_BAD_SIGNATURE', async () => {
    const other = newKey();
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }, { signer: other.privateKey }));
    expect(r.status).toBe(401);
    expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_BAD_SIGNATURE' });
    await stillHealthy(2);
  });

  it('body changed after signing: KTO_ERR_INGEST_BAD_SIGNATURE', async () => {
    const env = SignedBatch.decode(signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }));
    const body = BatchBody.encode({ ...BatchBody.decode(env.body), seq: 3 }).finish();
    const r = await postBatch(h, SignedBatch.encode({ agentId: agent.agentId, body, signature: env.signature }).finish());
    expect(r.ack.errorCode).toBe('KTO_ERR_INGEST_BAD_SIGNATURE');
    await stillHealthy(2);
  });

  it('unknown agent: 401 REJECTED KTO_ERR_INGEST_UNKNOWN_AGENT', async () => {
    const stranger: TestAgent = { ...newKey(), agentId: 'a00000000000000000000' };
    const r = await postBatch(h, signedBatch(stranger, { seq: 1, createdAtMs: NOW, observations: [observation(NOW)] }));
    expect(r.status).toBe(401);
    expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_UNKNOWN_AGENT' });
    await stillHealthy(2);
  });

  it('envelope and body naming different agents: KTO_ERR_INGEST_AGENT_MISMATCH', async () => {
    const other = await enrol(h);
    // body says `other`, signed by other's key, but the envelope claims it is `other` while the body names agent
    const body = BatchBody.encode({ agentId: agent.agentId, seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }).finish();
    const bytes = SignedBatch.encode({ agentId: other.agentId, body, signature: sign(null, body, other.privateKey) }).finish();
    const r = await postBatch(h, bytes);
    expect(r.status).toBe(403);
    expect(r.ack.errorCode).toBe('KTO_ERR_INGEST_AGENT_MISMATCH');
    await stillHealthy(2);
  });

  it('revoked agent: 403 REJECTED KTO_ERR_INGEST_AGENT_REVOKED', async () => {
    const rev = await h.app.inject({ method: 'POST', url: `/v1/agents/${agent.agentId}/revoke`, headers: h.auth });
    expect(rev.statusCode).toBe(200);
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }));
    expect(r.status).toBe(403);
    expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_AGENT_REVOKED' });
    expect(await h.store.countObservations()).toBe(storedBefore);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('garbage protobuf: 400 REJECTED KTO_ERR_INGEST_BAD_PROTOBUF', async () => {
    for (const garbage of [Buffer.from('this is not protobuf at all'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.alloc(0)]) {
      const r = await postBatch(h, garbage);
      expect(r.status).toBe(400);
      expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_BAD_PROTOBUF' });
    }
    await stillHealthy(2);
  });

  it('signed body that is not a BatchBody: KTO_ERR_INGEST_BAD_BODY', async () => {
    const body = Buffer.from([0x0a, 0xff, 0x01]); // field 1, length 255, truncated
    const bytes = SignedBatch.encode({ agentId: agent.agentId, body, signature: sign(null, body, agent.privateKey) }).finish();
    const r = await postBatch(h, bytes);
    expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_BAD_BODY' });
    await stillHealthy(2);
  });

  it('oversized body: 413 REJECTED KTO_ERR_INGEST_TOO_LARGE', async () => {
    await h.app.close();
    h = await harness({ now, store: h.store, limits: { maxBodyBytes: 4096 } });
    const big = observation(NOW, { raw: new Uint8Array(5000) });
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [big] }));
    expect(r.status).toBe(413);
    expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_REJECTED, errorCode: 'KTO_ERR_INGEST_TOO_LARGE' });
    await stillHealthy(2);
  });

  it('too many observations: 413 KTO_ERR_INGEST_TOO_MANY_OBSERVATIONS', async () => {
    const obs = Array.from({ length: 10_001 }, () => ({ zone: 'example.' }));
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: obs }));
    expect(r.status).toBe(413);
    expect(r.ack.errorCode).toBe('KTO_ERR_INGEST_TOO_MANY_OBSERVATIONS');
    await stillHealthy(2);
  });

  it('invalid field: 400 KTO_ERR_INGEST_INVALID_FIELD naming the observation and the field', async () => {
    const obs = [observation(NOW), observation(NOW, { qname: 'Example.' })];
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: obs }));
    expect(r.status).toBe(400);
    expect(r.ack.errorCode).toBe('KTO_ERR_INGEST_INVALID_FIELD');
    expect(r.ack.message).toContain('observations[1].qname');
    await stillHealthy(2);
  });

  it('clock skew: a batch created in the future is KTO_ERR_INGEST_CLOCK_SKEW; an observation sent in the future is an invalid field', async () => {
    const ahead = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW + 10 * 60_000, observations: [observation(NOW)] }));
    expect(ahead.status).toBe(400);
    expect(ahead.ack.errorCode).toBe('KTO_ERR_INGEST_CLOCK_SKEW');
    const future = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW + 6 * 60_000)] }));
    expect(future.ack.errorCode).toBe('KTO_ERR_INGEST_INVALID_FIELD');
    expect(future.ack.message).toContain('observations[0].sent_at_ms');
    // within the skew limit both are fine
    const near = await postBatch(h, signedBatch(agent, { seq: 3, createdAtMs: NOW + 60_000, observations: [observation(NOW + 60_000)] }));
    expect(near.ack.status).toBe(AckStatus.ACK_STATUS_STORED);
    storedBefore += 1;
    await stillHealthy(4);
  });

  it('wrong content-type: 415 REJECTED KTO_ERR_INGEST_BAD_CONTENT_TYPE', async () => {
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }), 'application/json');
    expect(r.status).toBe(415);
    expect(r.ack.errorCode).toBe('KTO_ERR_INGEST_BAD_CONTENT_TYPE');
    await stillHealthy(2);
  });

  it('seq 0 is not a sequence number', async () => {
    const r = await postBatch(h, signedBatch(agent, { seq: 0, createdAtMs: NOW, observations: [observation(NOW)] }));
    expect(r.ack).toMatchObject({ errorCode: 'KTO_ERR_INGEST_INVALID_FIELD' });
    expect(r.ack.message).toMatch(/^seq/);
  });

  it('store unavailable while checking: 503 RETRY with retry-after, nothing lost', async () => {
    await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }));
    h.store.faults.unavailable = true;
    // seq 2 <= highest stored: the ledger must be asked, and it cannot be
    const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }));
    expect(r.status).toBe(503);
    expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_RETRY, errorCode: 'KTO_ERR_INGEST_STORE_UNAVAILABLE' });
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    h.store.faults.unavailable = false;
    expect((await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }))).ack.status)
      .toBe(AckStatus.ACK_STATUS_DUPLICATE);
  });
});

describe('POST /v1/ingest: flow control', () => {
  it('rate limit: 429 RETRY KTO_ERR_INGEST_RATE_LIMITED with retry_after_ms from the token bucket', async () => {
    const h = await harness({ now, limits: { agentRatePerS: 10, agentBurst: 10_000 } });
    try {
      const agent = await enrol(h);
      const obs = Array.from({ length: 6_000 }, (_, i) => observation(NOW - i));
      expect((await postBatch(h, signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: obs }))).ack.status).toBe(AckStatus.ACK_STATUS_STORED);
      const r = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: obs }));
      expect(r.status).toBe(429);
      expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_RETRY, errorCode: 'KTO_ERR_INGEST_RATE_LIMITED' });
      // 4,000 tokens left, 6,000 needed, 10 per second: 200 s
      expect(r.ack.retryAfterMs).toBe(200_000);
      expect(r.headers['retry-after']).toBe('200');
      expect(await h.store.countObservations()).toBe(6_000);
    } finally {
      await h.app.close();
    }
  });

  it('backpressure: while rows wait for a slow store beyond the limit, new batches get RETRY KTO_ERR_INGEST_BACKPRESSURE', async () => {
    const h = await harness({ now, limits: { maxPendingRows: 100 }, insert: { maxDelayMs: 1 } });
    try {
      const agent = await enrol(h);
      h.store.faults.unavailable = true;
      const obs = Array.from({ length: 80 }, (_, i) => observation(NOW - i));
      const first = postBatch(h, signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: obs }));
      await new Promise((r) => setTimeout(r, 20));
      expect(h.app.kto.writer.pendingRows).toBe(80);
      const second = await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: obs }));
      expect(second.status).toBe(503);
      expect(second.ack).toMatchObject({ status: AckStatus.ACK_STATUS_RETRY, errorCode: 'KTO_ERR_INGEST_BACKPRESSURE' });
      expect(second.ack.retryAfterMs).toBeGreaterThan(0);
      h.store.faults.unavailable = false;
      expect((await first).ack).toMatchObject({ status: AckStatus.ACK_STATUS_STORED, rows: 80 });
      expect((await postBatch(h, signedBatch(agent, { seq: 2, createdAtMs: NOW, observations: obs }))).ack.status).toBe(AckStatus.ACK_STATUS_STORED);
      expect(await h.store.countObservations()).toBe(160);
    } finally {
      await h.app.close();
    }
  });

  it('a batch not stored within the ack timeout gets RETRY; its re-send waits for the same rows and gets DUPLICATE', async () => {
    const h = await harness({ now, limits: { ackTimeoutMs: 50 }, insert: { maxDelayMs: 1, retryInitialMs: 20, retryMaxMs: 20 } });
    try {
      const agent = await enrol(h);
      h.store.faults.unavailable = true;
      const bytes = signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: [observation(NOW), observation(NOW)] });
      const r = await postBatch(h, bytes);
      expect(r.ack).toMatchObject({ status: AckStatus.ACK_STATUS_RETRY, errorCode: 'KTO_ERR_INGEST_STORE_UNAVAILABLE' });
      const resend = postBatch(h, bytes);
      h.store.faults.unavailable = false;
      expect((await resend).ack.status).toBe(AckStatus.ACK_STATUS_DUPLICATE);
      expect(await h.store.countObservations()).toBe(2);
    } finally {
      await h.app.close();
    }
  });

  it('on close, pending rows are flushed before the store is left', async () => {
    const h = await harness({ now, insert: { maxDelayMs: 60_000 } });
    const agent = await enrol(h);
    const pending = postBatch(h, signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: [observation(NOW)] }));
    await new Promise((r) => setTimeout(r, 20));
    expect(await h.store.countObservations()).toBe(0);
    await h.app.close();
    expect(await h.store.countObservations()).toBe(1);
    expect((await pending).ack.status).toBe(AckStatus.ACK_STATUS_STORED);
  });
});
