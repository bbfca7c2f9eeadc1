// Prometheus metrics (kto_agent_<what>_<unit>) in a registry of the agent's own, and the optional
// HTTP endpoint that serves them.
import { createServer, type Server } from 'node:http';
import { KtoError, typeName } from '@kto/core';
import { QueryStatus } from '@kto/proto';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ListenAddress } from './config.js';

const STATUS_LABEL: Record<number, string> = {
  [QueryStatus.QUERY_STATUS_UNSPECIFIED]: 'unspecified',
  [QueryStatus.QUERY_STATUS_OK]: 'ok',
  [QueryStatus.QUERY_STATUS_TIMEOUT]: 'timeout',
  [QueryStatus.QUERY_STATUS_NETWORK_ERROR]: 'network_error',
  [QueryStatus.QUERY_STATUS_PARSE_ERROR]: 'parse_error',
  [QueryStatus.QUERY_STATUS_MISMATCH]: 'mismatch',
};

export interface MetricsProbe {
  queued(): number;
  inFlight(): number;
  zones(): number;
}

function gauge(m: { registry: Registry }, name: string, help: string, read: () => number): Gauge {
  return new Gauge({ name, help, registers: [m.registry], collect() { this.set(read()); } });
}


export class AgentMetrics {
  readonly registry = new Registry();
  readonly queries = new Counter({ name: 'kto_agent_queries_total', help: 'DNS queries finished, by outcome and type', labelNames: ['status', 'qtype'] as const, registers: [this.registry] });
  readonly queryRtt = new Histogram({
    name: 'kto_agent_query_rtt_seconds', help: 'round-trip time of answered queries', labelNames: ['kind'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
  });
  readonly roundsSkipped = new Counter({ name: 'kto_agent_rounds_skipped_total', help: 'zone runs skipped because the previous run was still busy', registers: [this.registry] });
  /** Read at scrape time by the gauges below; the agent points it at its scheduler. */
  probe: MetricsProbe = { queued: () => 0, inFlight: () => 0, zones: () => 0 };
  readonly queriesInFlight = gauge(this, 'kto_agent_queries_in_flight', 'queries sent and not finished', () => this.probe.inFlight());
  readonly queriesQueued = gauge(this, 'kto_agent_queries_queued', 'queries waiting for the concurrency cap', () => this.probe.queued());
  readonly zones = gauge(this, 'kto_agent_zones', 'zones tracked now', () => this.probe.zones());
  readonly udpStrays = new Counter({ name: 'kto_agent_udp_stray_datagrams_total', help: 'UDP datagrams that matched no query', registers: [this.registry] });
  readonly observations = new Counter({ name: 'kto_agent_observations_total', help: 'observations added to batches', registers: [this.registry] });
  readonly batchesSealed = new Counter({ name: 'kto_agent_batches_sealed_total', help: 'batches signed and written to the spool', registers: [this.registry] });
  readonly batchesSent = new Counter({ name: 'kto_agent_batches_sent_total', help: 'batch transmissions (resends included), by channel', labelNames: ['channel'] as const, registers: [this.registry] });
  readonly batchesAcked = new Counter({ name: 'kto_agent_batches_acked_total', help: 'acknowledgements received, by status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly spoolBytes = new Gauge({ name: 'kto_agent_spool_bytes', help: 'bytes of batches in the spool', registers: [this.registry] });
  readonly spoolBatches = new Gauge({ name: 'kto_agent_spool_batches', help: 'batches in the spool', registers: [this.registry] });
  readonly spoolDropped = new Counter({ name: 'kto_agent_spool_dropped_batches_total', help: 'oldest batches dropped because the spool exceeded its bound', registers: [this.registry] });
  readonly uplinkConnected = new Gauge({ name: 'kto_agent_uplink_connected', help: '1 while the uplink can send, by channel (ws or http)', labelNames: ['channel'] as const, registers: [this.registry] });
  readonly uplinkConnects = new Counter({ name: 'kto_agent_uplink_connect_attempts_total', help: 'WebSocket connection attempts, by result', labelNames: ['result'] as const, registers: [this.registry] });
  readonly lastAckedSeq = new Gauge({ name: 'kto_agent_last_acked_seq', help: 'highest sequence number acknowledged as stored', registers: [this.registry] });

  /** Counter children by status × qtype, so the hot path does not hash label sets. */
  readonly #queryChildren = new Map<number, Counter.Internal>();
  readonly #rtt = { resolver: this.queryRtt.labels('resolver'), authoritative: this.queryRtt.labels('authoritative') };

  countQuery(status: number, qtype: number, kind: 'resolver' | 'authoritative', rttUs: number): void {
    const key = status * 65536 + qtype;
    let child = this.#queryChildren.get(key);
    if (child === undefined) {
      child = this.queries.labels(STATUS_LABEL[status] ?? String(status), typeName(qtype));
      this.#queryChildren.set(key, child);
    }
    child.inc();
    if (rttUs > 0) this.#rtt[kind].observe(rttUs / 1e6);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Serves GET /metrics; resolves once listening. */
export async function serveMetrics(metrics: AgentMetrics, at: ListenAddress): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({
        statusCode: 404, code: 'KTO_ERR_AGENT_METRICS_NOT_FOUND', error: 'Not Found', message: 'only GET /metrics is served here',
      }));
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new KtoError('KTO_ERR_AGENT_METRICS_LISTEN', `metrics: cannot listen on ${at.host}:${at.port}: ${err.message}`, undefined, { cause: err })));
    server.listen(at.port, at.host, () => resolve());
  });
  return server;
}
