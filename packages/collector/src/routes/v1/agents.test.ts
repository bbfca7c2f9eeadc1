import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AckStatus } from '@kto/proto';
import { observation, signedBatch } from '../../testing/fixtures.js';
import { enrol, harness, postBatch, type Harness } from '../../testing/harness.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const HOUR = 3_600_000;

describe('agents', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ now: () => NOW });
  });
  afterEach(async () => {
    await h.app.close();
  });

  it('GET /v1/agents (public): location, enrolment, revocation, last seen and observations of the last 24 h', async () => {
    const busy = await enrol(h, undefined, { country: 'NL', continent: 'EU', asn: 1140, name: 'busy' });
    const idle = await enrol(h, undefined, { country: 'BR', continent: 'SA', asn: 0, name: 'idle' });
    const obs = [observation(NOW - HOUR), observation(NOW - 2 * HOUR), observation(NOW - 25 * HOUR)];
    expect((await postBatch(h, signedBatch(busy, { seq: 1, createdAtMs: NOW, observations: obs }))).ack.status).toBe(AckStatus.ACK_STATUS_STORED);
    const res = await h.app.inject({ method: 'GET', url: '/v1/agents' });
    expect(res.statusCode).toBe(200);
    const agents = (res.json() as { agents: Record<string, unknown>[] }).agents;
    expect(agents.find((a) => a.agent_id === busy.agentId)).toEqual({
      agent_id: busy.agentId, name: 'busy', location: { country: 'NL', continent: 'EU', asn: 1140 },
      enrolled_at_ms: NOW, revoked: false, revoked_at_ms: null, last_seen_ms: NOW - HOUR, observations_24h: 2,
    });
    expect(agents.find((a) => a.agent_id === idle.agentId)).toMatchObject({
      name: 'idle', location: { country: 'BR', continent: 'SA', asn: 0 }, last_seen_ms: null, observations_24h: 0,
    });
  });

  it('POST /v1/agents/:id/revoke: admin only, 404 for unknown agents, idempotent', async () => {
    const a = await enrol(h);
    expect((await h.app.inject({ method: 'POST', url: `/v1/agents/${a.agentId}/revoke` })).json().code).toBe('KTO_ERR_AUTH_MISSING_TOKEN');
    const unknown = await h.app.inject({ method: 'POST', url: '/v1/agents/a00000000000000000000/revoke', headers: h.auth });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('KTO_ERR_API_AGENT_NOT_FOUND');
    const res = await h.app.inject({ method: 'POST', url: `/v1/agents/${a.agentId}/revoke`, headers: h.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ agent_id: a.agentId, revoked: true, revoked_at_ms: NOW });
    expect((await h.app.inject({ method: 'POST', url: `/v1/agents/${a.agentId}/revoke`, headers: h.auth })).json()).toEqual(res.json());
    const listed = (await h.app.inject({ method: 'GET', url: '/v1/agents' })).json() as { agents: { revoked: boolean; revoked_at_ms: number }[] };
    expect(listed.agents[0]).toMatchObject({ revoked: true, revoked_at_ms: NOW });
  });

  it('a revocation made by another collector takes effect when the cached agent expires', async () => {
    const other = await harness({ now: () => NOW, store: h.store });
    await h.app.close();
    let clock = NOW;
    h = await harness({ now: () => clock, store: h.store, agentCache: { ttlMs: 60_000 } });
    try {
      const a = await enrol(h);
      const ok = await postBatch(h, signedBatch(a, { seq: 1, createdAtMs: NOW, observations: [observation(NOW)] }));
      expect(ok.ack.status).toBe(AckStatus.ACK_STATUS_STORED);
      await other.app.inject({ method: 'POST', url: `/v1/agents/${a.agentId}/revoke`, headers: { authorization: `Bearer ${other.adminToken}` } });
      clock += 60_000;
      const refused = await postBatch(h, signedBatch(a, { seq: 2, createdAtMs: NOW, observations: [observation(NOW)] }));
      expect(refused.ack.errorCode).toBe('KTO_ERR_INGEST_AGENT_REVOKED');
    } finally {
      await other.app.close();
    }
  });
});
