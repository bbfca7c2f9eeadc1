// The API client against the real collector (build() on the collector's memory store, listening on
// 127.0.0.1): the REAL root analysis stored, read back through the four slices and through /v1/live;
// both give the same zone view. Plus the failures on the dashboard's side of the wire.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analysisItems, zoneAnalyzer } from '@kto/analyzer/batch';
import { analysisRecord, build, type CollectorApp } from '@kto/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryStore } from '../../../collector/src/testing/memory-store.js';
import { LiveConnection, type LiveStatus, type SocketLike } from '../live.js';
import { viewFromLive, viewFromSlices, type ZoneView } from '../shape/zone-view.js';
import { HAVE_ROOT, realRoot } from '../testing/real-root.js';
import type { FindingsResponse, KeysResponse, LagResponse, TransitionsResponse } from './types.js';
import { ApiClient, zoneSegment, type FetchLike } from './client.js';

const ADMIN = `admin-${randomBytes(12).toString('hex')}`;

async function listen(app: CollectorApp): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${a.port}`;
}

describe.runIf(HAVE_ROOT)('ApiClient against the collector (real root analysis)', () => {
  let app: CollectorApp;
  let bare: CollectorApp;
  let base = '';
  let bareBase = '';
  let api: ApiClient;

  beforeAll(async () => {
    const { analysis: a } = realRoot();
    const store = new MemoryStore();
    const window = { fromMs: a.from_ms, toMs: a.to_ms + 1, nowMs: a.now_ms };
    await store.putAnalysis(analysisRecord('.', analysisItems(a), {
      analysisId: 'batch', version: a.now_ms, mode: 'batch', analyzer: a.analyzer, window, observations: a.observations,
    }));
    app = build({ store, adminToken: ADMIN, webRoot: null, analysis: { analyzer: zoneAnalyzer } });
    base = await listen(app);
    // a collector without an analyzer and without analyses
    bare = build({ store: new MemoryStore(), adminToken: ADMIN, webRoot: null });
    bareBase = await listen(bare);
    api = new ApiClient({ base });
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
  });

  it('tracks a zone with the admin token, refuses a wrong one with the collector\'s code', async () => {
    await expect(api.trackZone({ zone: '.' }, 'wrong')).rejects.toMatchObject({ code: 'KTO_ERR_AUTH_BAD_TOKEN', details: { status: 403 } });
    const z = await api.trackZone({ zone: '@', interval_s: 60, query_authoritatives: true }, ADMIN);
    expect(z).toMatchObject({ zone: '.', interval_s: 60, query_authoritatives: true });
    const list = await api.zones();
    expect(list.zones.map((x) => x.zone)).toEqual(['.']);
  });

  it('the four slices and the live message give the same zone view', async () => {
    const { analysis: a } = realRoot();
    const [k, t, f, l] = await Promise.all([
      api.analysisSlice('.', 'keys'), api.analysisSlice('.', 'transitions'), api.analysisSlice('.', 'findings'), api.analysisSlice('.', 'lag'),
    ]);
    const fromSlices = viewFromSlices(k as KeysResponse, t as TransitionsResponse, f as FindingsResponse, l as LagResponse);
    expect(fromSlices?.zone).toBe('.');
    expect(fromSlices?.analysis).toMatchObject({ analysis_id: 'batch', mode: 'batch', observations: a.observations, stored: true });
    expect(fromSlices?.transitions).toEqual(a.transitions);
    expect(fromSlices?.sightings).toEqual(a.sightings);
    expect(fromSlices?.keys).toEqual(a.keys);
    expect(fromSlices?.breakage).toEqual(a.lag.breakage);

    const statuses: LiveStatus[] = [];
    let conn: LiveConnection | null = null;
    const live = await new Promise<ZoneView | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no live message within 10 s')), 10_000);
      conn = new LiveConnection(api.liveUrl('.', { protocol: 'http:', host: 'unused' }), (url) => new WebSocket(url) as unknown as SocketLike, {
        onStatus: (s) => statuses.push(s),
        onAnalysis: (m) => { clearTimeout(timer); resolve(viewFromLive(m.zone, m.result)); },
      });
      conn.start();
    });
    (conn as LiveConnection | null)?.stop();
    expect(statuses.slice(0, 2)).toEqual(['connecting', 'live']);
    expect(statuses.at(-1)).toBe('closed');
    expect(live?.now_ms).toBe(a.now_ms);
    expect({ ...live, now_ms: 0 }).toEqual({ ...fromSlices, now_ms: 0 });
  });

  it('no analysis: null from a collector without analyzer; errors keep the API code', async () => {
    const bareApi = new ApiClient({ base: bareBase });
    expect(await bareApi.analysisSlice('example.', 'transitions')).toBeNull();
    await expect(api.analysisSlice('bad..name', 'keys')).rejects.toMatchObject({ code: 'KTO_ERR_API_BAD_ZONE_NAME', details: { status: 400 } });
    // with an analyzer and no observations: an on-demand analysis of nothing
    const none = await api.analysisSlice('example.', 'findings');
    expect(none?.analysis.observations).toBe(0);
    expect(none?.analysis.stored).toBe(false);
  });

  it('observation pages and the NDJSON export link', async () => {
    const page = await api.observations('.', { qtype: 'DNSKEY', limit: 10 });
    expect(page).toEqual({ observations: [], next_cursor: null });
    await expect(api.observations('.', { from: 'yesterday' })).rejects.toMatchObject({ code: 'KTO_ERR_API_BAD_TIME' });
    const url = api.observationsExportUrl('.', { from: '2026-01-01', qtype: 'DNSKEY' });
    expect(url).toBe(`${base}/v1/zones/@/observations?format=ndjson&from=2026-01-01&qtype=DNSKEY`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(await res.text()).toBe('');
  });
});

describe('ApiClient failures on the dashboard side', () => {
  it('connection refused: KTO_ERR_WEB_NETWORK', async () => {
    // a port that was just free: bind, note it, close
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const api = new ApiClient({ base: `http://127.0.0.1:${port}` });
    await expect(api.zones()).rejects.toMatchObject({ code: 'KTO_ERR_WEB_NETWORK' });
  });

  it('an HTML error page or a non-object body: KTO_ERR_WEB_BAD_RESPONSE', async () => {
    const srv = createServer((req, res) => {
      if (req.url === '/v1/zones') { res.writeHead(502, { 'content-type': 'text/html' }); res.end('<h1>Bad gateway</h1>'); return; }
      if (req.url === '/v1/agents') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('[1,2]'); return; }
      res.writeHead(500, { 'content-type': 'application/json' }); res.end('{"oops":true}');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const api = new ApiClient({ base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/` });
      await expect(api.zones()).rejects.toMatchObject({ code: 'KTO_ERR_WEB_BAD_RESPONSE', details: { status: 502 } });
      await expect(api.agents()).rejects.toMatchObject({ code: 'KTO_ERR_WEB_BAD_RESPONSE' });
      await expect(api.analysisSlice('x.', 'lag')).rejects.toMatchObject({ code: 'KTO_ERR_WEB_BAD_RESPONSE', details: { status: 500 } });
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('an aborted request stays an AbortError (pages drop it)', async () => {
    const fetchFn: FetchLike = (_url, init) => new Promise((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    });
    const ac = new AbortController();
    const p = new ApiClient({ fetch: fetchFn }).zones(ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('the default fetch is called as a plain function (a browser refuses fetch with another `this`)', async () => {
    const orig = globalThis.fetch;
    const seen: unknown[] = [];
    globalThis.fetch = function (this: unknown) {
      seen.push(this);
      return Promise.resolve(new Response('{"version":1,"zones":[]}', { status: 200, headers: { 'content-type': 'application/json' } }));
    } as typeof fetch;
    try {
      expect(await new ApiClient().zones()).toEqual({ version: 1, zones: [] });
    } finally {
      globalThis.fetch = orig;
    }
    expect(seen.length).toBe(1);
    expect(seen[0] === undefined || seen[0] === globalThis).toBe(true);
  });

  it('zone path segments and live URLs', () => {
    expect(zoneSegment('.')).toBe('@');
    expect(zoneSegment('@')).toBe('@');
    expect(zoneSegment('example.com.')).toBe('example.com.');
    expect(zoneSegment('a/b.')).toBe('a%2Fb.');
    const api = new ApiClient({ fetch: async () => { throw new Error('unused'); } });
    expect(api.liveUrl('.', { protocol: 'https:', host: 'kto.example' })).toBe('wss://kto.example/v1/live?zone=%40');
    expect(api.liveUrl('nl.', { protocol: 'http:', host: '127.0.0.1:8053' })).toBe('ws://127.0.0.1:8053/v1/live?zone=nl.');
  });
});
