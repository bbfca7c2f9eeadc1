// The analysis routes and live mode over the memory store. The analyzer here is a small stand-in
// defined in this file (its items are computed from the rows it is given), so that the plumbing —
// storing, reading back the latest analysis, on-demand computation, WebSocket pushes — is tested on
// its own; the real analyzer is tested in @kto/analyzer.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AnalysisItems, AnalysisWindow, ZoneAnalyzer } from '../../analysis/types.js';
import { analysisRecord } from '../../analysis/types.js';
import { observation, signedBatch } from '../../testing/fixtures.js';
import { enrol, harness, postBatch, type Harness } from '../../testing/harness.js';
import type { ObservationRow, RunRecord, Store } from '../../storage/types.js';

const NOW = Date.now();

/** Stand-in analyzer: one sighting per DNSKEY key tag seen, one lag entry per agent, one finding. */
const standIn: ZoneAnalyzer = {
  name: 'stand-in 0',
  analyze(zone: string, rows: readonly ObservationRow[], window: AnalysisWindow): AnalysisItems {
    const tags = new Map<number, { first: number; last: number }>();
    const agents = new Map<string, ObservationRow>();
    for (const r of rows) {
      agents.set(r.agent_id, r);
      for (const t of r.dnskey_key_tags) {
        const s = tags.get(t);
        if (s === undefined) tags.set(t, { first: r.observed_at_ms, last: r.observed_at_ms });
        else s.last = r.observed_at_ms;
      }
    }
    const keys = [...tags].map(([tag, s], idx) => {
      const item = { key_id: `13-${tag}-`, algorithm: 13, key_tag: tag, role: 'ZSK', vantage: 'authoritative',
        first_published_ms: s.first, last_published_ms: s.last, first_signing_ms: 0, last_signing_ms: 0, first_ds_ms: 0, last_ds_ms: 0, revoked_ms: 0 };
      return { idx, ...item, detail: JSON.stringify(item) };
    });
    const lag = [...agents.values()].map((r, idx) => {
      const item = { vantage: `${r.agent_id}/${r.server}`, agent_id: r.agent_id, server: r.server, country: r.country, continent: r.continent,
        lagging: false, max_lag_ms: 0, bound_ms: 1_000 };
      return { idx, ...item, lagging: 0, detail: JSON.stringify(item) };
    });
    const finding = { code: 'STAND_IN_ROWS', severity: 'info', at_ms: window.nowMs, keys: [], refs: ['none'], message: `${rows.length} rows of ${zone}` };
    return {
      keys, lag, transitions: [],
      findings: [{ idx: 0, ...finding, detail: JSON.stringify(finding) }],
      summary: JSON.stringify({ zone, keys: keys.map((k) => ({ key_id: k.key_id, algorithm: 13, key_tag: k.key_tag, role: 'ZSK' })),
        procedures: ['unknown'], multi_signer: null, undecided: [], lag: { regions: [{ region: 'EU' }], breakage: [] } }),
    };
  },
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.close();
  h = undefined;
});

async function storeBatch(hh: Harness, seq: number, tags: number[][]): Promise<void> {
  const agent = await enrol(hh);
  const obs = tags.map((t, i) => observation(NOW - 10_000 + i, {
    answer: t.map((keyTag) => ({ type: 48, ttl: 60, dnskey: { flags: 256, protocol: 3, algorithm: 13, keyTag, keyHash: Uint8Array.of(0xaa), keyBits: 256 } })),
  }));
  const r = await postBatch(hh, signedBatch(agent, { seq, createdAtMs: NOW, observations: obs }));
  expect(r.status).toBe(200);
}

describe('analysis routes', () => {
  it('without an analyzer and nothing stored: 404 KTO_ERR_API_NO_ANALYSIS; bad zone names: 400', async () => {
    h = await harness();
    const res = await h.app.inject({ method: 'GET', url: '/v1/zones/example.com/keys' });
    expect([res.statusCode, res.json().code]).toEqual([404, 'KTO_ERR_API_NO_ANALYSIS']);
    const bad = await h.app.inject({ method: 'GET', url: '/v1/zones/a..b/findings' });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'KTO_ERR_API_BAD_ZONE_NAME']);
  });

  it('serve the latest stored analysis, each route its slice, put back together from the tables', async () => {
    h = await harness();
    const rows = [
      { agent_id: 'a1', server: '127.0.0.53', country: 'CZ', continent: 'EU', observed_at_ms: 1_000, dnskey_key_tags: [11, 12] },
      { agent_id: 'a2', server: '127.0.0.54', country: 'JP', continent: 'AS', observed_at_ms: 2_000, dnskey_key_tags: [12] },
    ] as ObservationRow[];
    const window = { fromMs: 0, toMs: 5_000, nowMs: 4_000 };
    const items = standIn.analyze('example.', rows, window);
    await h.store.putAnalysis(analysisRecord('example.', items, { analysisId: 'batch', version: 7_000, mode: 'batch', analyzer: standIn.name, window, observations: 2 }));
    const get = async (path: string) => {
      const res = await h!.app.inject({ method: 'GET', url: `/v1/zones/Example/${path}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const meta = { analysis_id: 'batch', mode: 'batch', analyzer: 'stand-in 0', computed_at_ms: 7_000, from_ms: 0, to_ms: 5_000, observations: 2, stored: true };
    const keys = await get('keys');
    expect(keys).toEqual({
      zone: 'example.', analysis: meta,
      keys: [{ key_id: '13-11-', algorithm: 13, key_tag: 11, role: 'ZSK' }, { key_id: '13-12-', algorithm: 13, key_tag: 12, role: 'ZSK' }],
      sightings: items.keys.map((k) => JSON.parse(k.detail)),
    });
    expect(keys.sightings[1]).toMatchObject({ key_tag: 12, first_published_ms: 1_000, last_published_ms: 2_000 });
    expect(await get('transitions')).toEqual({ zone: 'example.', analysis: meta, procedures: ['unknown'], multi_signer: null, transitions: [] });
    expect(await get('findings')).toEqual({ zone: 'example.', analysis: meta, undecided: [],
      findings: [{ code: 'STAND_IN_ROWS', severity: 'info', at_ms: 4_000, keys: [], refs: ['none'], message: '2 rows of example.' }] });
    const lag = await get('lag');
    expect(lag.vantages.map((v: { vantage: string; country: string }) => [v.vantage, v.country])).toEqual([['a1/127.0.0.53', 'CZ'], ['a2/127.0.0.54', 'JP']]);
    expect([lag.regions, lag.breakage]).toEqual([[{ region: 'EU' }], []]);
  });

  it('reads a stored analysis whole once per version: later slices cost one header query, a newer analysis is served at once', async () => {
    h = await harness();
    const store = h.store;
    const calls = { whole: 0, header: 0 };
    const whole = store.latestAnalysis.bind(store);
    const header = store.latestAnalysisHeader.bind(store);
    store.latestAnalysis = async (zone) => { calls.whole++; return whole(zone); };
    store.latestAnalysisHeader = async (zone) => { calls.header++; return header(zone); };
    const window = { fromMs: 0, toMs: 5_000, nowMs: 4_000 };
    const put = async (version: number, tags: number[]) => {
      const rows = [{ agent_id: 'a1', server: '127.0.0.53', country: 'CZ', continent: 'EU', observed_at_ms: 1_000, dnskey_key_tags: tags }] as ObservationRow[];
      await store.putAnalysis(analysisRecord('example.', standIn.analyze('example.', rows, window), { analysisId: 'live', version, mode: 'live', analyzer: standIn.name, window, observations: 1 }));
    };
    const tagsServed = async () => {
      const res = await h!.app.inject({ method: 'GET', url: '/v1/zones/example./keys' });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().keys as { key_tag: number }[]).map((k) => k.key_tag);
    };
    await put(7_000, [11]);
    expect(await tagsServed()).toEqual([11]);
    for (const slice of ['transitions', 'findings', 'lag']) {
      expect((await h.app.inject({ method: 'GET', url: `/v1/zones/example./${slice}` })).statusCode).toBe(200);
    }
    expect(calls).toEqual({ whole: 1, header: 4 });
    await put(8_000, [11, 12]); // a newer analysis under the same id
    expect(await tagsServed()).toEqual([11, 12]);
    expect(calls).toEqual({ whole: 2, header: 5 });
  });

  it('computes on demand when nothing is stored, from the stored observations, and stores it', async () => {
    h = await harness({ analysis: { analyzer: standIn, live: { intervalMs: 60_000 } } });
    await storeBatch(h, 1, [[101], [101, 102], [102]]);
    const res = await h.app.inject({ method: 'GET', url: '/v1/zones/example./keys' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.analysis).toMatchObject({ analysis_id: 'live', mode: 'on-demand', observations: 3, stored: true, analyzer: 'stand-in 0' });
    expect(body.sightings.map((s: { key_tag: number }) => s.key_tag)).toEqual([101, 102]);
    expect((await h.store.latestAnalysis('example.'))?.header.observations).toBe(3);
    // a zone without observations: computed, not stored
    const empty = (await h.app.inject({ method: 'GET', url: '/v1/zones/other.example/findings' })).json();
    expect(empty.analysis).toMatchObject({ observations: 0, stored: false });
    expect(await h.store.latestAnalysis('other.example.')).toBeNull();
  });
});

describe('live mode', () => {
  it('pushes a new analysis to /v1/live subscribers within a few seconds of a stored batch', async () => {
    h = await harness({ analysis: { analyzer: standIn } });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/live?zone=example`);
    const messages: { type: string; zone: string; result: { analysis: { observations: number; mode: string }; sightings: { key_tag: number }[] } }[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    try {
      const stored = performance.now();
      await storeBatch(h, 1, [[7], [7, 8]]);
      const deadline = stored + 5_000;
      while (messages.length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const elapsed = performance.now() - stored;
      expect(messages.length, 'an analysis pushed within 5 s').toBeGreaterThan(0);
      expect(elapsed).toBeLessThan(5_000);
      const m = messages[0]!;
      expect([m.type, m.zone, m.result.analysis.mode, m.result.analysis.observations]).toEqual(['analysis', 'example.', 'live', 2]);
      expect(m.result.sightings.map((s) => s.key_tag)).toEqual([7, 8]);
      // and it is stored: the routes serve it
      const keys = (await h.app.inject({ method: 'GET', url: '/v1/zones/example./keys' })).json();
      expect(keys.analysis).toMatchObject({ analysis_id: 'live', mode: 'live', observations: 2, stored: true });
      // a new subscriber gets the stored one at once
      const late = new WebSocket(`ws://127.0.0.1:${port}/v1/live?zone=example.`);
      const first = await new Promise<{ result: { analysis: { observations: number } } }>((resolve, reject) => {
        late.once('message', (d) => resolve(JSON.parse(String(d))));
        late.once('error', reject);
      });
      late.close();
      expect(first.result.analysis.observations).toBe(2);
    } finally {
      ws.close();
    }
  });

  it('an analyzer that reads stored runs is given them, with the raw sample of every answer run: the runs of each flush are written before the zone is analysed', async () => {
    const seen: number[] = [];
    const sampled: [number, number][] = []; // [answer runs, of them with their raw sample stored]
    const fromRuns: ZoneAnalyzer = {
      name: 'stand-in runs 0',
      analyze: standIn.analyze,
      async analyzeStored(store: Store, zone: string, window: AnalysisWindow) {
        const runs: RunRecord[] = [];
        for await (const chunk of store.streamRuns({ zone })) runs.push(...chunk);
        const observations = runs.filter((r) => r.kind === 'vantage').reduce((n, r) => n + r.observations, 0);
        seen.push(observations);
        const answers = runs.filter((r) => r.kind === 'answer');
        const raw = await store.runSamples(zone, answers.map((r) => ({ agent_id: r.agent_id, seq: r.seq, idx: r.idx })));
        sampled.push([answers.length, answers.filter((r) => (raw.get(`${r.agent_id}/${r.seq}/${r.idx}`)?.length ?? 0) > 0).length]);
        if (observations === 0) return null;
        const items = standIn.analyze(zone, [], window);
        return { items, observations, window: { ...window, fromMs: Math.min(...runs.map((r) => r.first_ms)) } };
      },
    };
    h = await harness({ analysis: { analyzer: fromRuns, live: { intervalMs: 50 } } });
    await storeBatch(h, 1, [[7], [7, 8], [8]]);
    const deadline = performance.now() + 5_000;
    while ((await h.store.latestAnalysis('example.')) === null && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const stored = await h.store.latestAnalysis('example.');
    expect(stored?.header).toMatchObject({ analysis_id: 'live', mode: 'live', observations: 3, analyzer: 'stand-in runs 0', from_ms: NOW - 10_000 });
    expect(seen[0]).toBe(3); // never a pass between the rows and their runs
    // the live analysis wraps the writer's store (notify-store.ts): every argument of insertRuns must reach the store
    expect(sampled[0]).toEqual([3, 3]);
  });

  it('/v1/live without an analyzer is refused before the upgrade (404 KTO_ERR_API_NO_ANALYSIS)', async () => {
    h = await harness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/live?zone=example.`);
    ws.on('error', () => undefined); // terminated below, before any handshake completes
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    ws.terminate();
    expect(status).toBe(404);
  });
});
