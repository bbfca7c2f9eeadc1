// build(opts) -> a configured, un-started Fastify instance (STYLE.md §2: build, don't listen).
import type { IncomingMessage, ServerResponse } from 'node:http';
import compress from '@fastify/compress';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { DEFAULT_LIVE, LiveAnalysis, type LiveOptions } from './analysis/live.js';
import { notifyingStore } from './analysis/notify-store.js';
import type { ZoneAnalyzer } from './analysis/types.js';
import type { CollectorContext } from './context.js';
import { Enrolment } from './enrolment.js';
import { AgentDirectory, DEFAULT_AGENT_DIRECTORY, type AgentDirectoryOptions } from './ingest/agent-directory.js';
import { SeqTracker } from './ingest/dedupe.js';
import { httpIngestRoutes } from './ingest/http.js';
import { Ingestor } from './ingest/ingest.js';
import { AgentRateLimiter } from './ingest/rate-limit.js';
import { WsHub, wsIngestRoutes } from './ingest/ws.js';
import { CLOSE_GOING_AWAY } from './ingest/ws-session.js';
import { RunFolder } from './runs/fold.js';
import { BatchWriter } from './ingest/writer.js';
import { CollectorMetrics } from './metrics.js';
import { resolveInsert, resolveLimits, type InsertOptions, type Limits } from './options.js';
import { adminGuard } from './plugins/auth.js';
import { installErrorHandling } from './plugins/errors.js';
import { installMetrics, metricsRoutes } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { defaultWebRoot, webRoutes } from './plugins/web.js';
import { healthRoutes } from './routes/health.js';
import { agentRoutes } from './routes/v1/agents.js';
import { analysisRoutes } from './routes/v1/analysis.js';
import { enrolmentRoutes } from './routes/v1/enrolment.js';
import { observationRoutes } from './routes/v1/observations.js';
import { zoneRoutes } from './routes/v1/zones.js';
import type { Store } from './storage/types.js';
import { VERSION } from './version.js';
import { ZoneAssignment } from './zones/assignment.js';

export interface BuildOptions {
  store: Store;
  /** Bearer token of the admin routes. */
  adminToken: string;
  /** A pino logger (fastify's loggerInstance), true for fastify's default logger, false/absent for none. */
  logger?: FastifyBaseLogger | boolean;
  limits?: Partial<Limits>;
  /** Insert batching: 10,000 rows or 1 s by default. */
  insert?: Partial<InsertOptions>;
  /** Collector clock, ms since epoch (injectable for tests). */
  now?: () => number;
  /** Also export process metrics (CPU, memory, event loop) on /metrics. */
  processMetrics?: boolean;
  /** How often to re-read the zone list (changes made through other collectors), ms; 0 = never. */
  zonesRefreshMs?: number;
  agentCache?: Partial<AgentDirectoryOptions>;
  /**
   * Fault injection for durability tests (off by default): `ackDelayMs` holds every STORED ack this
   * long after its rows are stored, so that a crash can fall between "stored" and "acknowledged".
   */
  faults?: { ackDelayMs?: number };
  /**
   * The analyzer (live mode: zones re-analysed a few seconds after their observations are stored,
   * results pushed on /v1/live). Without it the analysis routes serve stored analyses only.
   */
  analysis?: { analyzer: ZoneAnalyzer; live?: Partial<LiveOptions> };
  /**
   * Directory of the built web dashboard, served at / (plugins/web.ts). Default: packages/web/dist;
   * null: no dashboard (/ is then a JSON 404 like any unknown route).
   */
  webRoot?: string | null;
}

export type CollectorApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The collector's shared state (see context.ts). */
    kto: CollectorContext;
  }
}

const RATE_SWEEP_MS = 60_000;
const COMPRESSIBLE = /^(?:text\/|application\/(?:json|x-ndjson|javascript)|image\/svg\+xml)/;
const QUIET_ROUTES = /^\/(?:v1\/ingest|healthz|metrics)(?:[/?]|$)/;

export function build(opts: BuildOptions): CollectorApp {
  const limits = resolveLimits(opts.limits);
  const insert = resolveInsert(opts.insert);
  const now = opts.now ?? Date.now;
  const zonesRefreshMs = opts.zonesRefreshMs ?? 30_000;

  const logger = opts.logger;
  const app = Fastify({
    ...(typeof logger === 'object' ? { loggerInstance: logger } : { logger: logger === true }),
    bodyLimit: limits.maxJsonBodyBytes,
    // Per-request log lines for the API, not for the high-volume ingest, probes and scrapes.
    logController: new LogController({ disableRequestLogging: (req) => QUIET_ROUTES.test(req.url) }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const log = app.log;

  const store = opts.store;
  const metrics = new CollectorMetrics({ processMetrics: opts.processMetrics === true });
  const agents = new AgentDirectory(store, now, { ...DEFAULT_AGENT_DIRECTORY, ...opts.agentCache });
  const seqs = new SeqTracker(store, log.child({ module: 'dedupe' }));
  const live = opts.analysis === undefined ? null : new LiveAnalysis(
    { store, analyzer: opts.analysis.analyzer, now, logger: log.child({ module: 'live-analysis' }) },
    { ...DEFAULT_LIVE, ...opts.analysis.live },
  );
  // live analysis runs after the runs of a flush are written (they follow its rows), so it reads them complete
  const writerStore = live === null ? store : notifyingStore(store, (rows) => live.rowsStored(rows), 'runs');
  const writer = new BatchWriter(writerStore, insert, { now, metrics, logger: log.child({ module: 'writer' }), runs: new RunFolder(insert.runCacheVantages) });
  const rate = new AgentRateLimiter(limits.agentRatePerS, limits.agentBurst);
  const ingestor = new Ingestor({
    limits, insert, now, agents, seqs, writer, rate, metrics, logger: log.child({ module: 'ingest' }),
    ackDelayMs: opts.faults?.ackDelayMs ?? 0,
  });
  const zones = new ZoneAssignment(store);
  const hub = new WsHub(metrics, log.child({ module: 'ws' }));
  const ctx: CollectorContext = {
    store, limits, insert, now, version: VERSION, metrics, agents, seqs, writer, ingestor, zones, hub,
    enrolment: new Enrolment(store, now),
    requireAdmin: adminGuard(opts.adminToken),
  };
  app.decorate('kto', ctx);

  installErrorHandling(app);
  installMetrics(app, metrics);

  // Responses of 1 kB and more are compressed when the client accepts it (a year's /keys: 433 kB of
  // JSON, 6.8 kB gzipped), streams (NDJSON exports) included. Request bodies are taken as sent: the
  // ingest routes verify signed protobuf, and a body is never inflated past the size limit.
  void app.register(compress, { globalCompression: true, globalDecompression: false, threshold: 1024, customTypes: COMPRESSIBLE });
  registerOpenApi(app, VERSION);
  void app.register(websocket, { options: { maxPayload: limits.maxBodyBytes + 1024 } });
  void app.register(async (scope) => {
    await scope.register(healthRoutes, { ctx });
    await scope.register(metricsRoutes, { metrics });
    await scope.register(enrolmentRoutes, { ctx });
    await scope.register(agentRoutes, { ctx });
    await scope.register(zoneRoutes, { ctx });
    await scope.register(observationRoutes, { ctx });
    await scope.register(analysisRoutes, { ctx, live });
    await scope.register(httpIngestRoutes, { ctx });
    await scope.register(wsIngestRoutes, { ctx });
    const webRoot = opts.webRoot === undefined ? defaultWebRoot() : opts.webRoot;
    if (webRoot !== null) await scope.register(webRoutes, { root: webRoot });
  });

  const timers: NodeJS.Timeout[] = [];
  zones.onChange((state) => hub.pushZones(state));
  app.addHook('onReady', async () => {
    const { reconciled, agents: known } = await seqs.init();
    const state = await zones.refresh();
    log.info({ reconciled, agents: known, zones: state.zones.length, zonesVersion: state.version }, 'collector ready');
    hub.startHeartbeat(limits.wsPingIntervalMs);
    if (zonesRefreshMs > 0) {
      timers.push(setInterval(() => {
        zones.refresh().catch((err: unknown) => log.warn({ err }, 'zone list refresh failed'));
      }, zonesRefreshMs));
    }
    timers.push(setInterval(() => rate.sweep(now()), RATE_SWEEP_MS));
    for (const t of timers) t.unref();
    live?.start();
  });
  // Flush before the server stops: requests waiting for their rows to be stored finish with an ack
  // (a closing server waits for them); batches arriving from now on get RETRY SHUTTING_DOWN. Then
  // agents on WebSockets are told to go (close 1001) before the server drops their connections.
  app.addHook('preClose', async () => {
    await writer.close();
    await live?.stop();
    await new Promise((resolve) => setImmediate(resolve)); // let the acks of the flushed batches go out
    hub.closeAll('KTO_ERR_INGEST_SHUTTING_DOWN', 'the collector is shutting down; reconnect later', CLOSE_GOING_AWAY);
  });
  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
    hub.stopHeartbeat();
  });
  return app;
}
