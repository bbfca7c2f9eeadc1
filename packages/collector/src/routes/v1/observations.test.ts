import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { AckStatus } from '@kto/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../query/cursor.js';
import { atlasCases, observation, signedBatch, type TestAgent } from '../../testing/fixtures.js';
import { enrol, harness, postBatch, type Harness } from '../../testing/harness.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const MIN = 60_000;

type Obs = Record<string, unknown> & { observed_at_ms: number; agent_id: string; seq: number; idx: number; qtype: number; raw: string };
type Page = { observations: Obs[]; next_cursor: string | null };

describe('GET /v1/zones/:zone/observations', () => {
  let h: Harness;
  let a: TestAgent;
  let b: TestAgent;
  const atlas = atlasCases(NOW);
  // 2 agents x 3 batches x 50 observations of example. (DNSKEY and SOA, many sharing a send time),
  // the real Atlas observations, and 5 of the root zone
  const expected: { observed_at_ms: number; agent_id: string; seq: number; idx: number; qtype: number }[] = [];

  beforeAll(async () => {
    h = await harness({ now: () => NOW });
    a = await enrol(h);
    b = await enrol(h);
    for (const agent of [a, b]) {
      for (let seq = 1; seq <= 3; seq++) {
        const obs = Array.from({ length: 50 }, (_, i) => observation(NOW - ((i * 7 + seq) % 20) * MIN, { qtype: i % 2 === 0 ? 48 : 6 }));
        const r = await postBatch(h, signedBatch(agent, { seq, createdAtMs: NOW, observations: obs }));
        expect(r.ack.status).toBe(AckStatus.ACK_STATUS_STORED);
        obs.forEach((o, idx) => expected.push({ observed_at_ms: o.sentAtMs as number, agent_id: agent.agentId, seq, idx, qtype: o.qtype as number }));
      }
    }
    expected.sort((x, y) => x.observed_at_ms - y.observed_at_ms || (x.agent_id < y.agent_id ? -1 : x.agent_id > y.agent_id ? 1 : 0)
      || x.seq - y.seq || x.idx - y.idx);
    expect((await postBatch(h, signedBatch(a, { seq: 4, createdAtMs: NOW, observations: atlas.map((c) => c.observation) }))).ack.status)
      .toBe(AckStatus.ACK_STATUS_STORED);
    const root = Array.from({ length: 5 }, (_, i) => observation(NOW - i * MIN, { zone: '.', qname: '.' }));
    expect((await postBatch(h, signedBatch(b, { seq: 4, createdAtMs: NOW, observations: root }))).ack.status).toBe(AckStatus.ACK_STATUS_STORED);
  });

  afterAll(async () => {
    await h.app.close();
  });

  const get = async (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });
  const key = (o: { observed_at_ms: number; agent_id: string; seq: number; idx: number }) => [o.observed_at_ms, o.agent_id, o.seq, o.idx];

  it('pages through every row exactly once, in keyset order, with next_cursor until the end', async () => {
    const seen: Obs[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/v1/zones/example./observations?limit=70${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as Page;
      expect(page.observations.length).toBeLessThanOrEqual(70);
      seen.push(...page.observations);
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(Math.ceil(300 / 70));
    expect(seen.map(key)).toEqual(expected.map(key));
  });

  it('default page of 1,000 and the last page has next_cursor null', async () => {
    const page = (await get('/v1/zones/example./observations')).json() as Page;
    expect(page.observations).toHaveLength(300);
    expect(page.next_cursor).toBeNull();
    const exact = (await get('/v1/zones/example./observations?limit=300')).json() as Page;
    expect(exact.next_cursor).toBeNull(); // no empty page after an exactly full one
  });

  it('filters: from (ISO, inclusive) / to (epoch ms, exclusive), agent, qtype as mnemonic or number', async () => {
    const from = NOW - 10 * MIN;
    const to = NOW - 2 * MIN;
    const res = (await get(`/v1/zones/example./observations?from=${new Date(from).toISOString()}&to=${to}&agent=${b.agentId}&qtype=DNSKEY`)).json() as Page;
    const want = expected.filter((o) => o.observed_at_ms >= from && o.observed_at_ms < to && o.agent_id === b.agentId && o.qtype === 48);
    expect(want.length).toBeGreaterThan(0);
    expect(res.observations.map(key)).toEqual(want.map(key));
    const soa = (await get('/v1/zones/example./observations?qtype=6&limit=10000')).json() as Page;
    expect(soa.observations.every((o) => o.qtype === 6)).toBe(true);
    expect(soa.observations).toHaveLength(expected.filter((o) => o.qtype === 6).length);
    const offset = (await get(`/v1/zones/example./observations?from=${encodeURIComponent('2026-01-15T12:50:00+01:00')}`)).json() as Page;
    expect(offset.observations.map(key)).toEqual(expected.filter((o) => o.observed_at_ms >= NOW - 10 * MIN).map(key));
  });

  it('rows come back with every column; raw as base64 of the bytes received', async () => {
    const c = atlas.find((x) => x.observation.qname === 'org.' && x.observation.qtype === 48)!;
    const page = (await get(`/v1/zones/org./observations?agent=${a.agentId}`)).json() as Page;
    const row = page.observations.find((o) => o.observed_at_ms === c.observation.sentAtMs)!;
    expect(Buffer.from(row.raw, 'base64').equals(Buffer.from(c.message.bytes))).toBe(true);
    expect([...(row.rrsig_key_tags as number[])].sort((x, y) => x - y)).toEqual([9795, 21366, 23273]);
    expect(Object.keys(row).length).toBe(59);
    expect(row).toMatchObject({ zone: 'org.', qname: 'org.', qtype: 48, agent_id: a.agentId, seq: 4, country: 'CZ', status: 'ok' });
  });

  it('NDJSON: format=ndjson or Accept: application/x-ndjson streams every matching row, one per line', async () => {
    for (const [url, headers] of [
      ['/v1/zones/example./observations?format=ndjson', {}],
      ['/v1/zones/example./observations', { accept: 'application/x-ndjson' }],
    ] as const) {
      const res = await get(url, headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l) as Obs);
      expect(lines.map(key)).toEqual(expected.map(key));
    }
    const capped = await get(`/v1/zones/example./observations?format=ndjson&limit=7&agent=${a.agentId}`);
    expect(capped.body.trimEnd().split('\n').map((l) => key(JSON.parse(l) as Obs))).toEqual(expected.filter((o) => o.agent_id === a.agentId).slice(0, 7).map(key));
    const none = await get('/v1/zones/absent.example./observations?format=ndjson');
    expect([none.statusCode, none.body]).toEqual([200, '']);
  });

  it('NDJSON streams and JSON pages are gzipped for a client that accepts it, to the same bytes', async () => {
    for (const url of ['/v1/zones/example./observations?format=ndjson', '/v1/zones/example./observations?limit=100']) {
      const plain = await h.app.inject({ method: 'GET', url });
      const zipped = await h.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
      expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
    }
  });

  it('NDJSON with a store that fails before the first row: a JSON error, not a broken stream', async () => {
    h.store.faults.unavailable = true;
    try {
      const res = await get('/v1/zones/example./observations?format=ndjson');
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('KTO_ERR_API_STORE_UNAVAILABLE');
    } finally {
      h.store.faults.unavailable = false;
    }
  });

  it('the root zone: @, and %2E as sent by clients that keep the path as written', async () => {
    const page = (await get('/v1/zones/@/observations')).json() as Page;
    expect(page.observations).toHaveLength(5 + atlas.filter((c) => c.observation.zone === '.').length);
    expect(page.observations.every((o) => o.zone === '.')).toBe(true);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/v1/zones/%2E/observations' }, (r) => {
        let text = '';
        r.on('data', (d: Buffer) => { text += d.toString(); });
        r.on('end', () => resolve(text));
      }).on('error', reject).end();
    });
    expect((JSON.parse(body) as Page).observations.map(key)).toEqual(page.observations.map(key));
  });

  it('the zone in the path is case-insensitive and the trailing dot optional', async () => {
    const page = (await get('/v1/zones/EXAMPLE/observations?limit=5')).json() as Page;
    expect(page.observations.map(key)).toEqual(expected.slice(0, 5).map(key));
  });

  it('bad input: 400 with its code', async () => {
    const cases: [string, string][] = [
      ['/v1/zones/a..b/observations', 'KTO_ERR_API_BAD_ZONE_NAME'],
      ['/v1/zones/example./observations?from=yesterday', 'KTO_ERR_API_BAD_TIME'],
      ['/v1/zones/example./observations?to=2026-01-15T12:00:00', 'KTO_ERR_API_BAD_TIME'], // no zone: ambiguous
      ['/v1/zones/example./observations?qtype=DNSKY', 'KTO_ERR_API_BAD_QTYPE'],
      ['/v1/zones/example./observations?cursor=not*base64', 'KTO_ERR_API_BAD_CURSOR'],
      [`/v1/zones/example./observations?cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'KTO_ERR_API_BAD_CURSOR'],
      ['/v1/zones/example./observations?limit=10001', 'KTO_ERR_API_BAD_REQUEST'],
      ['/v1/zones/example./observations?limit=0', 'KTO_ERR_API_BAD_REQUEST'],
      ['/v1/zones/example./observations?format=xml', 'KTO_ERR_API_BAD_REQUEST'],
      ['/v1/zones/example./observations?bogus=1', 'KTO_ERR_API_BAD_REQUEST'],
      [`/v1/zones/example./observations?format=ndjson&cursor=${encodeCursor(expected[0]!)}`, 'KTO_ERR_API_BAD_REQUEST'],
    ];
    for (const [url, code] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code, url).toBe(code);
    }
  });
});
