import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTOR_ERRORS, COLLECTOR_ERROR_STATUS } from './errors.js';
import { observation, signedBatch } from './testing/fixtures.js';
import { enrol, harness, postBatch, type Harness } from './testing/harness.js';

const NOW = Date.UTC(2026, 0, 15, 12);

describe('app', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.app.close();
    h = undefined;
  });

  it('GET /healthz: 200 ok/up with the version, 503 degraded/down when the store is away', async () => {
    h = await harness();
    const up = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({ status: 'ok', store: 'up', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    h.store.faults.unavailable = true;
    const down = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'degraded', store: 'down' });
  });

  it('unknown routes: 404 JSON KTO_ERR_API_NOT_FOUND', async () => {
    h = await harness();
    const res = await h.app.inject({ method: 'GET', url: '/v1/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ statusCode: 404, code: 'KTO_ERR_API_NOT_FOUND', error: 'Not Found', message: 'no route GET /v1/nope' });
  });

  it('unexpected errors: 500 KTO_ERR_INTERNAL without the internals; store unavailable: 503', async () => {
    h = await harness();
    h.store.listAgents = async () => {
      throw new Error('connection string postgres://admin:hunter2@db');
    };
    const res = await h.app.inject({ method: 'GET', url: '/v1/agents' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ statusCode: 500, code: 'KTO_ERR_INTERNAL', error: 'Internal Server Error', message: 'internal error' });
    expect(res.body).not.toContain('hunter2');
    h.store.faults.unavailable = true;
    const down = await h.app.inject({ method: 'GET', url: '/v1/zones' });
    expect(down.statusCode).toBe(503);
    expect(down.json().code).toBe('KTO_ERR_API_STORE_UNAVAILABLE');
  });

  it('responses of 1 kB and more are gzipped when accepted; small ones and request bodies are left alone', async () => {
    h = await harness({ now: () => NOW });
    const plain = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await h.app.inject({ method: 'GET', url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
    const small = await h.app.inject({ method: 'GET', url: '/healthz', headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.json()).toMatchObject({ status: 'ok' });

    // a gzipped request body is not inflated: the enrolment JSON parser sees the compressed bytes
    const enc = await h.app.inject({
      method: 'POST', url: '/v1/agents/enroll', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ token: 'x' })),
    });
    expect(enc.statusCode).toBe(400);
  });

  it('JSON bodies over the limit: 413 KTO_ERR_API_TOO_LARGE; wrong content-type: 415', async () => {
    h = await harness({ limits: { maxJsonBodyBytes: 1024 } });
    const big = await h.app.inject({ method: 'POST', url: '/v1/agents/enroll', payload: { token: 'x'.repeat(2000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('KTO_ERR_API_TOO_LARGE');
    const xml = await h.app.inject({ method: 'POST', url: '/v1/agents/enroll', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().code).toBe('KTO_ERR_API_UNSUPPORTED_MEDIA_TYPE');
  });

  it('GET /metrics: HTTP requests by route and status, batches and rows by outcome, pending rows, ws connections', async () => {
    h = await harness({ now: () => NOW });
    const agent = await enrol(h);
    await postBatch(h, signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: [observation(NOW), observation(NOW)] }));
    await postBatch(h, signedBatch(agent, { seq: 1, createdAtMs: NOW, observations: [observation(NOW), observation(NOW)] }));
    await postBatch(h, Buffer.from('garbage'));
    await h.app.inject({ method: 'GET', url: '/v1/zones' });
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain('kto_collector_http_requests_total{method="GET",route="/v1/zones",status_code="200"} 1');
    expect(text).toContain('kto_collector_http_requests_total{method="POST",route="/v1/ingest",status_code="400"} 1');
    expect(text).toContain('kto_collector_ingest_batches_total{outcome="stored",code=""} 1');
    expect(text).toContain('kto_collector_ingest_batches_total{outcome="duplicate",code=""} 1');
    expect(text).toContain('kto_collector_ingest_batches_total{outcome="rejected",code="KTO_ERR_INGEST_BAD_PROTOBUF"} 1');
    expect(text).toContain('kto_collector_ingest_rows_total{outcome="stored"} 2');
    expect(text).toMatch(/kto_collector_insert_duration_seconds_count\{table="observations"\} 1/);
    expect(text).toContain('kto_collector_pending_rows 0');
    expect(text).toContain('kto_collector_ws_connections 0');
  });

  it('GET /openapi.json documents every route, admin routes with the bearer scheme', async () => {
    h = await harness();
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      openapi: string; paths: Record<string, Record<string, { security?: unknown[]; responses?: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect((doc as unknown as { info: { description: string } }).info.description).toContain('/v1/ingest/ws');
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(routes).toEqual([
      // @fastify/websocket hides the WebSocket route (GET /v1/ingest/ws); the document's description names it
      'DELETE /v1/zones/{zone}', 'GET /healthz', 'GET /metrics', 'GET /v1/agents', 'GET /v1/zones',
      'GET /v1/zones/{zone}/findings', 'GET /v1/zones/{zone}/keys', 'GET /v1/zones/{zone}/lag',
      'GET /v1/zones/{zone}/observations', 'GET /v1/zones/{zone}/transitions', 'POST /v1/agents/enroll', 'POST /v1/agents/{agent_id}/revoke',
      'POST /v1/enrolment-tokens', 'POST /v1/ingest', 'POST /v1/zones',
    ]);
    for (const admin of [['/v1/enrolment-tokens', 'post'], ['/v1/agents/{agent_id}/revoke', 'post'], ['/v1/zones', 'post'], ['/v1/zones/{zone}', 'delete']] as const) {
      expect(doc.paths[admin[0]]?.[admin[1]]?.security, admin.join(' ')).toEqual([{ adminToken: [] }]);
    }
    expect(doc.paths['/v1/zones']?.get?.security).toBeUndefined();
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.paths['/v1/zones/{zone}/observations']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400']));
  });

  it('every error code has a one-line meaning and an HTTP status', () => {
    for (const [code, meaning] of Object.entries(COLLECTOR_ERRORS)) {
      expect(code).toMatch(/^KTO_ERR_(INGEST|AUTH|ENROL|API|CONFIG|INTERNAL)(_[A-Z0-9]+)*$/);
      expect(meaning).not.toContain('\n');
      expect(COLLECTOR_ERROR_STATUS[code as keyof typeof COLLECTOR_ERRORS]).toBeGreaterThanOrEqual(400);
    }
    expect(Object.keys(COLLECTOR_ERROR_STATUS).sort()).toEqual(Object.keys(COLLECTOR_ERRORS).sort());
  });
});
