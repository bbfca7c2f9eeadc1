// The collector's Prometheus metrics (STYLE.md §12: kto_<component>_<what>_<unit>). One registry per
// app instance, so several instances (tests, embedding) never share or clash.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type BatchOutcome = 'stored' | 'duplicate' | 'rejected' | 'retry';
export type RefoldOutcome = 'done' | 'failed';

export class CollectorMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly ingestBatches: Counter<'outcome' | 'code'>;
  readonly ingestRows: Counter<'outcome'>;
  readonly insertDuration: Histogram<'table'>;
  readonly pendingRows: Gauge;
  readonly wsConnections: Gauge;
  readonly refolds: Counter<'outcome'>;
  readonly refoldRows: Counter;
  readonly refoldDuration: Histogram;
  readonly refoldsQueued: Gauge;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'kto_collector_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.ingestBatches = new Counter({
      name: 'kto_collector_ingest_batches_total',
      help: 'Batches received over HTTP or WebSocket, by outcome and error code',
      labelNames: ['outcome', 'code'],
      registers,
    });
    this.ingestRows = new Counter({
      name: 'kto_collector_ingest_rows_total',
      help: 'Observations in received batches, by outcome of their batch',
      labelNames: ['outcome'],
      registers,
    });
    this.insertDuration = new Histogram({
      name: 'kto_collector_insert_duration_seconds',
      help: 'Duration of successful store inserts (observations or batch ledger)',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.pendingRows = new Gauge({
      name: 'kto_collector_pending_rows',
      help: 'Observation rows accepted but not yet stored (queued or being inserted)',
      registers,
    });
    this.wsConnections = new Gauge({
      name: 'kto_collector_ws_connections',
      help: 'Open agent WebSocket connections (authenticated or not)',
      registers,
    });
    this.refolds = new Counter({
      name: 'kto_collector_refolds_total',
      help: 'Re-folds of a vantage point\'s stored rows into runs (after late rows or runs not written), by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.refoldRows = new Counter({
      name: 'kto_collector_refold_rows_total',
      help: 'Stored rows read and folded again by successful re-folds',
      registers,
    });
    this.refoldDuration = new Histogram({
      name: 'kto_collector_refold_duration_seconds',
      help: 'Duration of successful re-folds (read the rows, fold, write the runs); no flush runs meanwhile',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.refoldsQueued = new Gauge({
      name: 'kto_collector_refolds_queued',
      help: 'Vantage points waiting for a re-fold (due now or after a failed attempt\'s backoff)',
      registers,
    });
    if (opts.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'kto_collector_' });
  }

  batch(outcome: BatchOutcome, code: string, rows: number): void {
    this.ingestBatches.inc({ outcome, code });
    if (rows > 0) this.ingestRows.inc({ outcome }, rows);
  }
}
