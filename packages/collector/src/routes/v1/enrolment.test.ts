import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentIdFromPublicKey } from '../../identity.js';
import { newKey } from '../../testing/fixtures.js';
import { createToken, harness, type Harness } from '../../testing/harness.js';

let clock = Date.UTC(2026, 0, 15, 12);
const now = (): number => clock;

describe('enrolment', () => {
  let h: Harness;
  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 15, 12);
    h = await harness({ now });
  });
  afterEach(async () => {
    await h.app.close();
  });

  const enroll = (payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/v1/agents/enroll', payload });

  describe('POST /v1/enrolment-tokens', () => {
    it('needs the admin token: missing -> 401, wrong -> 403', async () => {
      const missing = await h.app.inject({ method: 'POST', url: '/v1/enrolment-tokens', payload: {} });
      expect(missing.statusCode).toBe(401);
      expect(missing.json()).toEqual({
        statusCode: 401, code: 'KTO_ERR_AUTH_MISSING_TOKEN', error: 'Unauthorized', message: expect.any(String),
      });
      for (const authorization of [`Bearer ${h.adminToken}x`, 'Bearer', `Basic ${h.adminToken}`, h.adminToken]) {
        const bad = await h.app.inject({ method: 'POST', url: '/v1/enrolment-tokens', headers: { authorization }, payload: {} });
        expect(bad.statusCode, authorization).toBe(403);
        expect(bad.json().code).toBe('KTO_ERR_AUTH_BAD_TOKEN');
      }
    });

    it('creates a token with defaults (7 days, one use) and stores only its hash', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/enrolment-tokens', headers: h.auth, payload: { label: 'volunteer 1' } });
      expect(res.statusCode).toBe(201);
      const body = res.json() as { token: string; label: string; expires_at_ms: number; max_uses: number };
      expect(body).toEqual({ token: expect.stringMatching(/^kto_et_[A-Za-z0-9_-]{43}$/), label: 'volunteer 1', expires_at_ms: clock + 7 * 86_400_000, max_uses: 1 });
      expect(await h.store.getEnrolmentToken(body.token)).toBeNull();
      const { createHash } = await import('node:crypto');
      const stored = await h.store.getEnrolmentToken(createHash('sha256').update(body.token).digest('hex'));
      expect(stored).toMatchObject({ label: 'volunteer 1', created_at_ms: clock, max_uses: 1 });
    });

    it('validates the body: 400 KTO_ERR_API_BAD_REQUEST', async () => {
      for (const payload of [{ ttl_s: 'soon' }, { max_uses: -1 }, { label: 'x'.repeat(256) }, { unknown: 1 }]) {
        const res = await h.app.inject({ method: 'POST', url: '/v1/enrolment-tokens', headers: h.auth, payload });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().code).toBe('KTO_ERR_API_BAD_REQUEST');
      }
      const notJson = await h.app.inject({
        method: 'POST', url: '/v1/enrolment-tokens', headers: { ...h.auth, 'content-type': 'application/json' }, payload: '{"label":',
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().code).toBe('KTO_ERR_API_BAD_REQUEST');
    });
  });

  describe('POST /v1/agents/enroll', () => {
    it('enrols a key: 201 with agent_id derived from the key; the same key again: 200, same id, no extra use', async () => {
      const token = await createToken(h, { max_uses: 1 });
      const key = newKey();
      const body = { token, public_key: key.publicKeyHex.toUpperCase(), country: 'cz', continent: 'EU', asn: 2852, name: 'Brno probe' };
      const first = await enroll(body);
      expect(first.statusCode).toBe(201);
      const agentId = agentIdFromPublicKey(Buffer.from(key.publicKeyHex, 'hex'));
      expect(first.json()).toEqual({ agent_id: agentId, server_time_ms: clock });
      expect(await h.store.getAgent(agentId)).toMatchObject({
        public_key: key.publicKeyHex, country: 'CZ', continent: 'EU', asn: 2852, name: 'Brno probe', revoked: 0, enrolled_at_ms: clock,
      });
      const again = await enroll({ ...body, country: 'DE' });
      expect(again.statusCode).toBe(200);
      expect(again.json().agent_id).toBe(agentId);
      expect((await h.store.getAgent(agentId))?.country).toBe('CZ'); // a re-enrolment changes nothing
    });

    it('unknown token: 403 KTO_ERR_ENROL_BAD_TOKEN', async () => {
      const res = await enroll({ token: 'kto_et_nope', public_key: newKey().publicKeyHex, country: 'CZ', continent: 'EU' });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('KTO_ERR_ENROL_BAD_TOKEN');
    });

    it('expired token: 403 KTO_ERR_ENROL_TOKEN_EXPIRED', async () => {
      const token = await createToken(h, { ttl_s: 60 });
      clock += 60_000;
      const res = await enroll({ token, public_key: newKey().publicKeyHex, country: 'CZ', continent: 'EU' });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('KTO_ERR_ENROL_TOKEN_EXPIRED');
    });

    it('used-up token: 403 KTO_ERR_ENROL_TOKEN_USED_UP, also when enrolments race', async () => {
      const token = await createToken(h, { max_uses: 2 });
      const results = await Promise.all([1, 2, 3, 4].map(() => enroll({ token, public_key: newKey().publicKeyHex, country: 'CZ', continent: 'EU' })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 201, 403, 403]);
      expect(results.filter((r) => r.statusCode === 403).map((r) => r.json().code)).toEqual(['KTO_ERR_ENROL_TOKEN_USED_UP', 'KTO_ERR_ENROL_TOKEN_USED_UP']);
      expect((await h.store.listAgents()).length).toBe(2);
    });

    it('unlimited token (max_uses 0) and never-expiring token (ttl_s 0)', async () => {
      const token = await createToken(h, { max_uses: 0, ttl_s: 0 });
      clock += 10 * 365 * 86_400_000;
      for (let i = 0; i < 3; i++) {
        expect((await enroll({ token, public_key: newKey().publicKeyHex, country: 'CZ', continent: 'EU' })).statusCode).toBe(201);
      }
    });

    it('a small-order public key: 400 KTO_ERR_ENROL_BAD_PUBLIC_KEY; malformed hex: 400 KTO_ERR_API_BAD_REQUEST', async () => {
      const token = await createToken(h);
      const weak = await enroll({ token, public_key: `01${'00'.repeat(31)}`, country: 'CZ', continent: 'EU' });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().code).toBe('KTO_ERR_ENROL_BAD_PUBLIC_KEY');
      const malformed = await enroll({ token, public_key: 'abc', country: 'CZ', continent: 'EU' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().code).toBe('KTO_ERR_API_BAD_REQUEST');
      expect(malformed.json().message).toContain('public_key');
    });

    it('schema: country, continent, asn', async () => {
      const token = await createToken(h);
      for (const extra of [{ country: 'CZE' }, { continent: 'XX' }, { asn: -1 }, { asn: 2 ** 32 }]) {
        const res = await enroll({ token, public_key: newKey().publicKeyHex, country: 'CZ', continent: 'EU', ...extra });
        expect(res.statusCode, JSON.stringify(extra)).toBe(400);
        expect(res.json().code).toBe('KTO_ERR_API_BAD_REQUEST');
      }
    });

    it('a revoked key cannot enrol again: 403 KTO_ERR_ENROL_AGENT_REVOKED', async () => {
      const key = newKey();
      const first = await enroll({ token: await createToken(h), public_key: key.publicKeyHex, country: 'CZ', continent: 'EU' });
      const agentId = first.json().agent_id as string;
      expect((await h.app.inject({ method: 'POST', url: `/v1/agents/${agentId}/revoke`, headers: h.auth })).statusCode).toBe(200);
      const again = await enroll({ token: await createToken(h), public_key: key.publicKeyHex, country: 'CZ', continent: 'EU' });
      expect(again.statusCode).toBe(403);
      expect(again.json().code).toBe('KTO_ERR_ENROL_AGENT_REVOKED');
    });
  });
});
