// GET /v1/zones/:zone/keys, /transitions, /findings, /lag: the zone's latest stored analysis, computed
// on demand when none is stored; GET /v1/live?zone=Z: a WebSocket that receives every new analysis of
// the zone ({type: 'analysis', zone, result}), starting with the latest stored one.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KtoError } from '@kto/core';
import type { LiveAnalysis } from '../../analysis/live.js';
import type { RouteOptions } from '../../context.js';
import { FindingsResponse, KeysResponse, LagResponse, LiveQuery, TransitionsResponse } from '../../schemas/analysis.js';
import { errorResponses, ZoneParams } from '../../schemas/common.js';
import type { AnalysisHeader, AnalysisRecord, Store } from '../../storage/types.js';
import { zoneFromInput } from '../../zones/inputs.js';

export interface AnalysisRouteOptions extends RouteOptions {
  /** The live analysis, or null when this collector runs without an analyzer (stored results only). */
  live: LiveAnalysis | null;
}

/** A WebSocket subscriber further behind than this many bytes skips updates (the next one supersedes them). */
const MAX_BUFFERED_BYTES = 4 << 20;

const parse = (items: readonly { detail: string }[]): unknown[] => items.map((i) => JSON.parse(i.detail) as unknown);

function meta(r: AnalysisRecord, stored: boolean): Record<string, unknown> {
  const h = r.header;
  return {
    analysis_id: h.analysis_id, mode: h.mode, analyzer: h.analyzer, computed_at_ms: h.computed_at_ms,
    from_ms: h.from_ms, to_ms: h.to_ms, observations: h.observations, stored,
  };
}

type Json = Record<string, unknown>;

/**
 * The analyzer's whole result put back together: the summary (everything but the items) with the items
 * of the four tables in their places (sightings, transitions, findings, lag.vantages).
 */
export function analysisJson(r: AnalysisRecord, stored: boolean): Json {
  const summary = (r.header.summary === '' ? {} : JSON.parse(r.header.summary)) as Json;
  const lag = (summary['lag'] ?? {}) as Json;
  return {
    ...summary, analysis: meta(r, stored),
    sightings: parse(r.keys), transitions: parse(r.transitions), findings: parse(r.findings), lag: { ...lag, vantages: parse(r.lag) },
  };
}

type Slice = 'keys' | 'transitions' | 'findings' | 'lag';

/** What each route serves of the whole result. */
function sliceOf(which: Slice, a: Json): Json {
  const lag = a['lag'] as Json;
  switch (which) {
    case 'keys': return { keys: a['keys'] ?? [], sightings: a['sightings'] };
    case 'transitions': return { procedures: a['procedures'] ?? [], multi_signer: a['multi_signer'] ?? null, transitions: a['transitions'] };
    case 'findings': return { findings: a['findings'], undecided: a['undecided'] ?? [] };
    case 'lag': return { vantages: lag['vantages'], regions: lag['regions'] ?? [], breakage: lag['breakage'] ?? [] };
  }
}

/** Zones whose latest stored analysis stays parsed in memory (a zone page asks four slices of it at once). */
const PARSED_CACHE_ZONES = 32;

const sameHeader = (a: AnalysisHeader, b: AnalysisHeader): boolean =>
  a.analysis_id === b.analysis_id && a.version === b.version && a.computed_at_ms === b.computed_at_ms;

/**
 * The latest stored analysis of each recently asked zone, put back together once: the four slice routes
 * and the live socket's first message of one page load then cost one header query each instead of five
 * queries and a JSON.parse of every item. A copy is used only while the store's latest header is still
 * its header, so a new analysis is served as soon as it is stored.
 */
class ParsedAnalyses {
  private readonly byZone = new Map<string, { header: AnalysisHeader; json: Json }>();

  async latest(store: Store, zone: string): Promise<{ header: AnalysisHeader; json: Json } | null> {
    const header = await store.latestAnalysisHeader(zone);
    if (header === null) return null;
    const hit = this.byZone.get(zone);
    if (hit !== undefined && sameHeader(hit.header, header)) {
      this.byZone.delete(zone); // most recently used last
      this.byZone.set(zone, hit);
      return hit;
    }
    const record = await store.latestAnalysis(zone);
    if (record === null) return null;
    const entry = { header: record.header, json: analysisJson(record, true) };
    this.byZone.delete(zone);
    this.byZone.set(zone, entry);
    if (this.byZone.size > PARSED_CACHE_ZONES) this.byZone.delete(this.byZone.keys().next().value as string);
    return entry;
  }
}

export const analysisRoutes: FastifyPluginAsyncTypebox<AnalysisRouteOptions> = async (app, { ctx, live }) => {
  const parsed = new ParsedAnalyses();

  async function latest(zoneText: string): Promise<{ zone: string; whole: Json }> {
    const zone = zoneFromInput(zoneText);
    const stored = await parsed.latest(ctx.store, zone);
    if (stored !== null) return { zone, whole: stored.json };
    if (live === null) {
      throw new KtoError('KTO_ERR_API_NO_ANALYSIS', `no analysis of ${zone} is stored and this collector has no analyzer`);
    }
    const computed = await live.analyze(zone, 'on-demand');
    return { zone, whole: analysisJson(computed, computed.header.observations > 0) };
  }

  const routes: [Slice, string, typeof KeysResponse][] = [
    ['keys', 'Keys of a zone, and per key and vantage point when it was published, signing, with a DS', KeysResponse],
    ['transitions', 'Key transitions of a zone, classified, with their evidence and RFC 7583 checks', TransitionsResponse],
    ['findings', 'Findings of a zone (docs/findings.md)', FindingsResponse],
    ['lag', 'Lag per vantage point of a zone', LagResponse],
  ];
  for (const [which, summary, response] of routes) {
    app.get(`/v1/zones/:zone/${which}`, {
      schema: {
        summary,
        description: 'From the zone\'s latest stored analysis (batch or live); computed from the stored observations '
          + 'when none is stored yet. Every analysis can be recomputed from the raw observations.',
        tags: ['analysis'],
        params: ZoneParams,
        response: { 200: response, ...errorResponses(400, 404, 503) },
      },
    }, async (req) => {
      const { zone, whole } = await latest(req.params.zone);
      return { zone, analysis: whole['analysis'], ...sliceOf(which, whole) };
    });
  }

  app.get('/v1/live', {
    websocket: true,
    // checked before the upgrade, so that refusals are plain HTTP errors
    preHandler: async (req) => {
      if (live === null) throw new KtoError('KTO_ERR_API_NO_ANALYSIS', 'this collector runs without an analyzer: no live analysis');
      zoneFromInput(req.query.zone);
    },
    schema: {
      summary: 'Live analysis of a zone (WebSocket, JSON text messages)',
      description: 'Sends {type: "analysis", zone, result} with the latest stored analysis on connect (when there is '
        + 'one) and again whenever new observations of the zone have been analysed (every ~2 s while they arrive).',
      tags: ['analysis'],
      querystring: LiveQuery,
    },
  }, async (socket, req) => {
    const zone = zoneFromInput(req.query.zone);
    let sentVersion = 0;
    const send = (header: AnalysisHeader, result: () => Json): void => {
      // never an older analysis after a newer one (the stored one is read while live ones may arrive)
      if (header.version < sentVersion) return;
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
      sentVersion = header.version;
      socket.send(JSON.stringify({ type: 'analysis', zone, result: result() }));
    };
    const unsubscribe = (live as LiveAnalysis).subscribe(zone, (r) => send(r.header, () => analysisJson(r, r.header.observations > 0)));
    socket.once('close', unsubscribe);
    const stored = await parsed.latest(ctx.store, zone).catch((err: unknown) => {
      req.log.warn({ err, zone }, 'live: latest stored analysis unavailable');
      return null;
    });
    if (stored !== null) send(stored.header, () => stored.json);
  });
};
