// The agent: wires config, identity, scheduler, querier, batcher, spool and uplink. createAgent()
// builds and touches nothing; start() loads state and begins; stop() ends gracefully (stop
// scheduling, wait for queries in flight, seal the open batch into the spool, close the uplink).
import type { Server } from 'node:http';
import { join } from 'node:path';
import { KtoError } from '@kto/core';
import { VantageKind, type ILocation } from '@kto/proto';
import { AckRecord, readAckRecord } from './ack-record.js';
import { Batcher } from './batcher.js';
import { describeConfig, type AgentConfig } from './config.js';
import { ensureStateDir, loadIdentity, readEnrolment, type Identity } from './identity.js';
import { createLogger, type Logger } from './log.js';
import { AgentMetrics, serveMetrics } from './metrics.js';
import { Querier } from './query.js';
import { Scheduler } from './schedule.js';
import { SeqStore } from './seq.js';
import { lockStateDir, type StateLock } from './state-lock.js';
import { Spool } from './spool.js';
import { TcpConnector } from './transport/tcp.js';
import type { DnsTransports } from './transport/types.js';
import { UdpSocketPool } from './transport/udp.js';
import { Uplink, type UplinkOptions } from './uplink.js';
import { AGENT_VERSION } from './version.js';

export const SPOOL_DIR = 'spool';

/** Replaceable parts (tests, embedding). */
export interface AgentDeps {
  readonly logger?: Logger;
  readonly transports?: DnsTransports;
  readonly metrics?: AgentMetrics;
  readonly random?: () => number;
  /** Uplink timing (backoff, timeouts, poll period). */
  readonly uplink?: Pick<UplinkOptions, 'backoffBaseMs' | 'backoffCapMs' | 'wsFailuresBeforeHttp' | 'helloTimeoutMs' | 'ackTimeoutMs' | 'zonesPollMs' | 'defaultRetryMs'>;
  /** Port of authoritative servers (default 53; tests run them elsewhere). */
  readonly authoritativePort?: number;
}

export interface AgentStatus {
  readonly state: 'created' | 'running' | 'stopping' | 'stopped';
  readonly agentId: string;
  readonly collector: string;
  readonly channel: 'ws' | 'http' | 'down';
  readonly zones: number;
  readonly queriesQueued: number;
  readonly queriesInFlight: number;
  readonly spoolBatches: number;
  readonly spoolBytes: number;
  readonly lastSeq: number;
  readonly lastAckedSeq: number;
  /** `http://host:port/metrics` while the metrics server runs. */
  readonly metricsUrl: string | undefined;
}

export interface Agent {
  readonly config: AgentConfig;
  readonly metrics: AgentMetrics;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): AgentStatus;
}

interface Running {
  lock: StateLock;
  agentId: string;
  collector: string;
  spool: Spool;
  seq: SeqStore;
  ack: AckRecord;
  transports: DnsTransports;
  ownsTransports: boolean;
  scheduler: Scheduler;
  batcher: Batcher;
  uplink: Uplink;
  metricsServer: Server | undefined;
}

export function createAgent(config: AgentConfig, deps: AgentDeps = {}): Agent {
  const log = deps.logger ?? createLogger(config.logLevel);
  const metrics = deps.metrics ?? new AgentMetrics();
  let state: AgentStatus['state'] = 'created';
  let run: Running | undefined;

  async function start(): Promise<void> {
    if (state !== 'created') throw new KtoError('KTO_ERR_AGENT_LIFECYCLE', `start() called on an agent that is ${state}`);
    state = 'running';
    try {
      run = await boot();
    } catch (err) {
      state = 'stopped';
      throw err;
    }
  }

  async function boot(): Promise<Running> {
    await ensureStateDir(config.stateDir);
    const loaded = await loadIdentity(config.stateDir);
    const enrolment = await readEnrolment(config.stateDir);
    if (loaded === undefined || enrolment === undefined) {
      throw new KtoError('KTO_ERR_AGENT_NOT_ENROLLED', `no enrolment in ${config.stateDir}: run \`kto-agent enroll --collector URL --token T --country CC --continent XX\` first`);
    }
    if (loaded.warning !== undefined) log.warn(loaded.warning);
    const identity = loaded.identity;
    if (enrolment.publicKey !== identity.publicKeyHex) {
      throw new KtoError('KTO_ERR_AGENT_STATE_CORRUPT', `agent.json in ${config.stateDir} was made for another key: enrol again`);
    }
    const collector = config.collector ?? enrolment.collector;
    if (collector === '') throw new KtoError('KTO_ERR_AGENT_NO_COLLECTOR', 'no collector URL: pass --collector or enrol first');
    const location: ILocation = {
      country: config.country ?? enrolment.country, continent: config.continent ?? enrolment.continent,
      asn: config.asn ?? enrolment.asn,
    };
    const agentId = enrolment.agentId;
    const lock = await lockStateDir(config.stateDir);
    try {
      return await bootLocked(lock, identity, collector, location, agentId);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async function bootLocked(lock: StateLock, identity: Identity, collector: string, location: ILocation, agentId: string): Promise<Running> {
    // The spool and the batcher call the uplink, which needs the spool: a late-bound reference.
    const late: { uplink?: Uplink } = {};
    const spool = await Spool.open({
      dir: join(config.stateDir, SPOOL_DIR), maxBytes: config.spoolMaxBytes, log: log.child({ module: 'spool' }), metrics,
      onDrop: (seqs) => late.uplink?.forget(seqs),
    });
    try {
      return await bootWithSpool(lock, identity, collector, location, agentId, spool, late);
    } catch (err) {
      await spool.close();
      throw err;
    }
  }

  async function bootWithSpool(
    lock: StateLock, identity: Identity, collector: string, location: ILocation, agentId: string, spool: Spool,
    late: { uplink?: Uplink },
  ): Promise<Running> {
    const seq = await SeqStore.open(config.stateDir);
    await seq.ensureAtLeast(spool.maxSeq);
    const ack = new AckRecord(config.stateDir, await readAckRecord(config.stateDir));
    metrics.lastAckedSeq.set(ack.value);

    const ownsTransports = deps.transports === undefined;
    const transports: DnsTransports = deps.transports ?? {
      udp: new UdpSocketPool({ onStray: () => metrics.udpStrays.inc() }),
      tcp: new TcpConnector(),
    };
    const querier = new Querier({
      transports, timeoutMs: config.timeoutMs, retries: config.retries, ednsUdpSize: config.ednsUdpSize,
    });
    const batcher = new Batcher({
      agentId, agentVersion: AGENT_VERSION, location, maxObservations: config.batchMaxObservations,
      maxAgeMs: config.batchMaxAgeMs, identity, seq, spool, log: log.child({ module: 'batcher' }), metrics,
      onSealed: () => late.uplink?.notify(),
    });
    const scheduler = new Scheduler({
      query: (t) => querier.query(t),
      resolvers: config.resolvers, defaultIntervalS: config.intervalS, defaultQtypes: config.qtypes,
      jitter: config.jitter, concurrency: config.concurrency, log: log.child({ module: 'schedule' }),
      onObservation: (obs) => {
        metrics.countQuery(obs.status ?? 0, obs.qtype ?? 0, obs.vantage?.kind === VantageKind.VANTAGE_KIND_AUTHORITATIVE ? 'authoritative' : 'resolver', obs.rttUs ?? 0);
        batcher.add(obs);
      },
      onRoundSkipped: () => metrics.roundsSkipped.inc(),
      ...(deps.random === undefined ? {} : { random: deps.random }),
      ...(deps.authoritativePort === undefined ? {} : { authoritativePort: deps.authoritativePort }),
    });
    metrics.probe = { queued: () => scheduler.queued, inFlight: () => scheduler.inFlight, zones: () => scheduler.zones().length };
    scheduler.setZones('local', config.zones);
    const uplinkLog = log.child({ module: 'uplink' });
    const uplink = new Uplink({
      collector, agentId, agentVersion: AGENT_VERSION, identity, spool, window: config.window, log: uplinkLog, metrics,
      onZones: (list) => {
        scheduler.setZones('collector', list.zones);
        uplinkLog.info({ version: list.version, zones: list.zones.length, tracked: scheduler.zones().length }, 'zone list from the collector');
      },
      onLastStoredSeq: (n) => {
        if (n > seq.last) {
          uplinkLog.warn({ lastStoredSeq: n, localSeq: seq.last }, 'the collector has seen a higher seq than this state directory: moving up');
          seq.ensureAtLeast(n).catch((err: Error) => uplinkLog.error({ err: err.message }, 'cannot move the seq up'));
        }
      },
      onStored: (s) => ack.note(s),
      ...(deps.random === undefined ? {} : { random: deps.random }),
      ...deps.uplink,
    });
    late.uplink = uplink;
    let metricsServer: Server | undefined;
    try {
      metricsServer = config.metricsListen === undefined ? undefined : await serveMetrics(metrics, config.metricsListen);
    } catch (err) {
      await uplink.stop();
      throw err;
    }

    log.info({
      agentId, version: AGENT_VERSION, collector, stateDir: config.stateDir, spoolBatches: spool.count, lastSeq: seq.last,
      config: describeConfig(config),
    }, 'kto-agent starting');
    scheduler.start();
    uplink.start();
    return { lock, agentId, collector, spool, seq, ack, transports, ownsTransports, scheduler, batcher, uplink, metricsServer };
  }

  async function stop(): Promise<void> {
    if (state !== 'running' || run === undefined) {
      state = 'stopped';
      return;
    }
    state = 'stopping';
    const r = run;
    await r.scheduler.stop();
    await r.batcher.flush();
    await r.uplink.stop();
    if (r.ownsTransports) await Promise.all([r.transports.udp.close(), r.transports.tcp.close()]);
    if (r.metricsServer !== undefined) {
      const server = r.metricsServer;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await r.ack.settle();
    await r.spool.close();
    await r.lock.release();
    state = 'stopped';
    log.info({ spoolBatches: r.spool.count, lastSeq: r.seq.last, lastAckedSeq: r.ack.value }, 'kto-agent stopped');
  }

  function status(): AgentStatus {
    const r = run;
    return {
      state,
      agentId: r?.agentId ?? '',
      collector: r?.collector ?? config.collector ?? '',
      channel: r?.uplink.channel ?? 'down',
      zones: r?.scheduler.zones().length ?? 0,
      queriesQueued: r?.scheduler.queued ?? 0,
      queriesInFlight: r?.scheduler.inFlight ?? 0,
      spoolBatches: r?.spool.count ?? 0,
      spoolBytes: r?.spool.bytes ?? 0,
      lastSeq: r?.seq.last ?? 0,
      lastAckedSeq: r?.ack.value ?? 0,
      metricsUrl: metricsUrl(r?.metricsServer),
    };
  }

  return { config, metrics, start, stop, status };
}

function metricsUrl(server: Server | undefined): string | undefined {
  const a = server?.address();
  if (a === undefined || a === null || typeof a === 'string') return undefined;
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`;
}
