// The batched inserter. Rows of many batches gather until ~maxRows rows or maxDelayMs have passed
// (whichever first); then ONE insertObservations call stores them, ONE insertLedger call records their
// batches, and only then does each batch's promise resolve (so an ack always means "stored").
// One flush runs at a time. While the store is unavailable the flush retries with backoff and keeps
// its rows; new batches keep queueing until the caller's backpressure limit (pendingRows) stops them.
// With a RunFolder, each flush also folds its rows into the zones' runs (runs/fold.ts) and writes the
// changed run rows after the observations and before the ledger: whole rows for the runs that started,
// the narrow extent rows (migration 0013) for those it extended. The fold needs no stored row, so it runs
// (with the store reads of vantage points not in memory) while the observations insert is in progress:
// the JavaScript of the fold and the engine's insert then share the two cores instead of taking turns.
// If the rows are then not stored, the folder forgets what it folded (re-read from the store next time).
// Runs are derived data: when they cannot be written (refused, or abandoned at shutdown) the batches are
// still acknowledged and the folder forgets those vantage points.
// Re-folds: a vantage point whose flush met late rows (older than its last folded row: counted, not
// folded) or whose runs were not written is queued; between flushes (one while batches wait, all when
// none do, none while a full flush waits) its stored rows are folded afresh and written rebuilt (runs/rebuild.ts refoldRows), so its
// runs cover every stored row again without `kto-collector rebuild-runs`. No flush folds meanwhile; a
// failed re-fold stays queued and is tried again after the writer's backoff, flushes going on between.
// close() gives re-folds the time left before its deadline once the batches are stored, then logs
// the vantage points still queued (rebuild-runs is the manual path for them).
import { isKtoError, KtoError } from '@kto/core';
import type { FastifyBaseLogger } from 'fastify';
import { STORE_UNAVAILABLE } from '../errors.js';
import type { CollectorMetrics } from '../metrics.js';
import type { InsertOptions } from '../options.js';
import type { FoldResult, RunFolder } from '../runs/fold.js';
import { refoldRows } from '../runs/rebuild.js';
import type { BatchLedgerEntry, ObservationRow, Store, VantageKey } from '../storage/types.js';

export type LedgerDraft = Omit<BatchLedgerEntry, 'stored_at_ms'>;

interface Pending {
  rows: ObservationRow[];
  entry: LedgerDraft;
  enqueuedAt: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A vantage point waiting for a re-fold. */
interface Refold {
  key: VantageKey;
  /** Date.now() from which it may run. */
  due: number;
  /** The wait after its next failure, ms. */
  backoff: number;
  failures: number;
}

const vantageId = (k: VantageKey): string => `${k.zone}\n${k.agent_id}\n${k.server}`;

export interface WriterDeps {
  now: () => number;
  metrics?: CollectorMetrics;
  logger?: FastifyBaseLogger;
  /** Folds stored rows into runs (table `runs`); absent: no runs are kept. */
  runs?: RunFolder;
}

export class BatchWriter {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private inFlightRows = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Date.now() at which the armed timer fires. */
  private timerAt = Infinity;
  /** Vantage points to re-fold, in the order they were queued. */
  private readonly refolds = new Map<string, Refold>();
  private loop: Promise<void> | null = null;
  private closing = false;
  private deadline = Infinity;
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly opts: InsertOptions,
    private readonly deps: WriterDeps,
  ) {}

  /** Rows accepted and not yet stored: queued plus the flush in progress. */
  get pendingRows(): number {
    return this.queuedRows + this.inFlightRows;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Vantage points queued for a re-fold (due, or waiting for their backoff after a failure). */
  get refoldsQueued(): number {
    return this.refolds.size;
  }

  /**
   * Queues the rows of one batch. Resolves once its rows and its ledger row are stored; rejects with
   * KTO_ERR_INGEST_STORE_FAILED (non-transient store error) or KTO_ERR_INGEST_SHUTTING_DOWN.
   */
  submit(rows: ObservationRow[], entry: LedgerDraft): Promise<void> {
    if (this.closing) {
      return Promise.reject(new KtoError('KTO_ERR_INGEST_SHUTTING_DOWN', 'the collector is shutting down'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, entry, enqueuedAt: Date.now(), resolve, reject });
      this.queuedRows += rows.length;
      this.updateGauge();
      if (this.loop !== null) return; // the running flush loop picks it up
      if (this.queuedRows >= this.opts.maxRows) this.start();
      else if (this.timerAt > Date.now() + this.opts.maxDelayMs) this.arm(this.opts.maxDelayMs); // none, or one for a later re-fold
    });
  }

  /**
   * Stops accepting batches, flushes what is pending (retrying until shutdownFlushMs), rejects the rest.
   * Queued re-folds run in the time left before that deadline once the batches are stored; those still
   * queued then are logged (their zones need `kto-collector rebuild-runs`).
   */
  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.deadline = Date.now() + this.opts.shutdownFlushMs;
      this.disarm();
      this.wake?.();
      if (this.loop === null && (this.queue.length > 0 || this.refolds.size > 0)) this.start();
    }
    while (this.loop !== null) await this.loop;
    const left = this.queue.splice(0);
    this.queuedRows = 0;
    this.updateGauge();
    for (const p of left) p.reject(new KtoError('KTO_ERR_INGEST_SHUTTING_DOWN', 'the collector shut down before storing this batch'));
    if (this.refolds.size > 0) {
      const vantages = [...this.refolds.values()].map((r) => r.key);
      this.refolds.clear();
      this.deps.metrics?.refoldsQueued.set(0);
      this.deps.logger?.warn(
        { vantages, zones: [...new Set(vantages.map((k) => k.zone))] },
        'runs not re-folded at shutdown (late rows, or runs not written): run `kto-collector rebuild-runs` for these zones',
      );
    }
  }

  private arm(delayMs: number): void {
    this.disarm();
    this.timerAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      if (this.loop === null && (this.queue.length > 0 || this.refolds.size > 0)) this.start();
    }, delayMs);
  }

  private disarm(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
    }
  }

  private start(): void {
    this.disarm();
    this.loop = this.run().finally(() => {
      this.loop = null;
      this.afterLoop();
    });
  }

  /** Starts the loop again, or arms the timer for the oldest batch's flush or the next re-fold due. */
  private afterLoop(): void {
    if (this.closing) return;
    let at = Infinity;
    if (this.queue.length > 0) {
      if (this.queuedRows >= this.opts.maxRows) {
        this.start();
        return;
      }
      at = (this.queue[0] as Pending).enqueuedAt + this.opts.maxDelayMs;
    }
    for (const r of this.refolds.values()) if (r.due < at) at = r.due;
    if (at !== Infinity) this.arm(Math.max(0, at - Date.now()));
  }

  /** Whether the queued batches are to be flushed now: enough rows, the oldest waited maxDelayMs, or closing. */
  private flushDue(): boolean {
    if (this.queue.length === 0) return false;
    return this.closing || this.queuedRows >= this.opts.maxRows || (this.queue[0] as Pending).enqueuedAt + this.opts.maxDelayMs <= Date.now();
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.flushDue()) await this.flushNext();
      await this.runRefolds();
      if (!this.flushDue() || (!this.closing && this.queuedRows < this.opts.maxRows)) return;
    }
  }

  /** Flushes the queued batches up to ~maxRows rows. */
  private async flushNext(): Promise<void> {
    // Whole batches until ~maxRows rows: a batch's rows and its ledger row go in the same flush.
    let n = 0;
    let rows = 0;
    while (n < this.queue.length && (n === 0 || rows < this.opts.maxRows)) {
      const p = this.queue[n] as Pending;
      if (n > 0 && rows + p.rows.length > this.opts.maxRows) break;
      rows += p.rows.length;
      n++;
    }
    const chunk = this.queue.splice(0, n);
    this.queuedRows -= rows;
    this.inFlightRows = rows;
    this.updateGauge();
    try {
      await this.flush(chunk, rows);
    } finally {
      this.inFlightRows = 0;
      this.updateGauge();
    }
  }

  private async flush(chunk: Pending[], total: number): Promise<void> {
    // every row of the chunk (what the runs fold), and those still to insert (fewer after an uncertain insert)
    let all: ObservationRow[];
    if (chunk.length === 1) all = (chunk[0] as Pending).rows;
    else {
      all = new Array<ObservationRow>(total);
      let k = 0;
      for (const p of chunk) for (let i = 0; i < p.rows.length; i++) all[k++] = p.rows[i] as ObservationRow;
    }
    let rows = all;
    let observationsStored = total === 0; // batches without observations only need their ledger rows
    let runsStored = this.deps.runs === undefined || total === 0;
    const folded: { result: FoldResult | null } = { result: null }; // folded once, written until it lands
    // folded while the observations are inserted; writeRuns folds then if this could not
    let folding = runsStored ? null : this.foldRuns(all, folded);
    let uncertain = false; // a failed insert may still have landed (e.g. the server finished after a timeout)
    let backoff = this.opts.retryInitialMs;
    for (;;) {
      try {
        if (!observationsStored && uncertain) {
          rows = await this.unstoredRows(chunk);
          uncertain = false;
          if (rows.length === 0) observationsStored = true;
        }
        if (!observationsStored) {
          const t0 = performance.now();
          uncertain = true;
          await this.store.insertObservations(rows);
          uncertain = false;
          this.deps.metrics?.insertDuration.observe({ table: 'observations' }, (performance.now() - t0) / 1000);
          observationsStored = true;
        }
        if (!runsStored) {
          if (folding !== null) {
            await folding;
            folding = null;
          }
          await this.writeRuns(all, folded);
          runsStored = true;
        }
        const storedAt = this.deps.now();
        const entries: BatchLedgerEntry[] = chunk.map((p) => ({ ...p.entry, stored_at_ms: storedAt }));
        const t1 = performance.now();
        await this.store.insertLedger(entries);
        this.deps.metrics?.insertDuration.observe({ table: 'batches' }, (performance.now() - t1) / 1000);
        for (const p of chunk) p.resolve();
        return;
      } catch (err) {
        if (!observationsStored && !isKtoError(err, STORE_UNAVAILABLE)) {
          // Not a reachability problem: retrying the same insert would fail the same way and block
          // every other batch. Give these batches back to their agents (RETRY).
          this.deps.logger?.error({ err, rows: total, batches: chunk.length }, 'observation insert failed');
          const e = new KtoError('KTO_ERR_INGEST_STORE_FAILED', 'storage refused the insert', undefined, { cause: err });
          await this.unfold(folding, folded);
          for (const p of chunk) p.reject(e);
          return;
        }
        // The store is unreachable, or the ledger insert failed after the rows were stored: the
        // ledger row must follow, else a re-sent batch would be stored twice. Retry.
        const now = Date.now();
        if (this.closing && now >= this.deadline) {
          if (observationsStored) {
            if (!runsStored) this.abandonRuns(all, folded.result, err);
            // Rows are durable; the missing ledger rows are recovered by reconcileLedger at next start.
            this.deps.logger?.warn({ err, batches: chunk.length }, 'ledger insert abandoned at shutdown; reconcileLedger will recover it');
            for (const p of chunk) p.resolve();
          } else {
            const e = new KtoError('KTO_ERR_INGEST_SHUTTING_DOWN', 'the collector shut down before storing this batch');
            await this.unfold(folding, folded);
            for (const p of chunk) p.reject(e);
          }
          return;
        }
        this.deps.logger?.warn({ err, retryInMs: backoff, rows: total }, observationsStored ? 'ledger insert failed; retrying' : 'store unavailable; retrying insert');
        await this.sleep(this.closing ? Math.min(backoff, Math.max(0, this.deadline - now)) : backoff);
        backoff = Math.min(backoff * 2, this.opts.retryMaxMs);
      }
    }
  }

  /** Loads the vantage points of the flush's rows that are not in memory, then folds the rows. */
  private async fold(rows: readonly ObservationRow[]): Promise<FoldResult> {
    const folder = this.deps.runs as RunFolder;
    const missing = folder.missing(rows);
    if (missing.length > 0) folder.load(await this.store.vantageRuns(missing));
    return folder.fold(rows, folder.nextVersion(this.deps.now()));
  }

  /**
   * The fold started beside the observations insert. It never rejects: when it fails, `folded` stays
   * empty and writeRuns folds again after the rows are stored (and handles the error as it comes then).
   */
  private async foldRuns(rows: readonly ObservationRow[], folded: { result: FoldResult | null }): Promise<void> {
    try {
      folded.result = await this.fold(rows);
    } catch {
      folded.result = null;
    }
  }

  /** The chunk's rows will not be stored: forget what was folded of them (the store has the runs before them). */
  private async unfold(folding: Promise<void> | null, folded: { result: FoldResult | null }): Promise<void> {
    if (folding !== null) await folding;
    if (folded.result !== null) this.deps.runs?.forget(folded.result.runs);
    folded.result = null;
  }

  /**
   * Writes the chunk's runs, folding them first if that has not been done (once: `folded` keeps them
   * across attempts). A store that is unavailable throws (the flush retries); any other failure gives
   * the runs up.
   */
  private async writeRuns(rows: readonly ObservationRow[], folded: { result: FoldResult | null }): Promise<void> {
    try {
      const result = (folded.result ??= await this.fold(rows));
      const t0 = performance.now();
      await this.store.insertRuns(result.runs, result.samples, result.extended);
      this.deps.metrics?.insertDuration.observe({ table: 'runs' }, (performance.now() - t0) / 1000);
      // the late rows are stored (the observations went first): their vantage points can be re-folded
      for (const k of result.late) this.queueRefold(k);
    } catch (err) {
      if (isKtoError(err, STORE_UNAVAILABLE)) throw err;
      this.abandonRuns(rows, folded.result, err);
    }
  }

  /**
   * The runs of a stored flush will not be written: forget the folded state (it is re-read from the
   * store) and queue every vantage point of the flush for a re-fold.
   */
  private abandonRuns(rows: readonly ObservationRow[], folded: FoldResult | null, err: unknown): void {
    if (folded !== null) this.deps.runs?.forget(folded.runs);
    const vantages = new Map<string, VantageKey>();
    for (const r of rows) {
      const id = vantageId(r);
      if (!vantages.has(id)) vantages.set(id, { zone: r.zone, agent_id: r.agent_id, server: r.server });
    }
    for (const k of vantages.values()) this.queueRefold(k);
    const zones = [...new Set(rows.map((r) => r.zone))];
    this.deps.logger?.error({ err, zones, vantages: vantages.size }, 'runs of a stored flush were not written; their vantage points are queued for a re-fold');
  }

  /** Queues a vantage point for a re-fold (once: one already queued keeps its place and backoff). */
  private queueRefold(key: VantageKey): void {
    const id = vantageId(key);
    if (this.refolds.has(id)) return;
    this.refolds.set(id, { key: { zone: key.zone, agent_id: key.agent_id, server: key.server }, due: 0, backoff: this.opts.retryInitialMs, failures: 0 });
    this.deps.metrics?.refoldsQueued.set(this.refolds.size);
  }

  /**
   * The re-folds that are due, between two flushes: one while batches wait (the next flush goes first),
   * every one when none do, none while a full flush (maxRows) waits: a re-fold stops flushing for as long
   * as it reads (seconds for a vantage point of 100k rows), and under load the batches go first (the
   * re-fold waits for the queue to drain rather than filling it up to backpressure, whose RETRYs make
   * more late rows). While closing, only once the batches are stored and before the deadline.
   */
  private async runRefolds(): Promise<void> {
    if (this.refolds.size === 0 || this.deps.runs === undefined) return;
    if (!this.closing && this.queuedRows >= this.opts.maxRows) return;
    let ran = false;
    for (const r of [...this.refolds.values()]) {
      if (this.closing ? this.queue.length > 0 || Date.now() >= this.deadline : ran && this.queue.length > 0) return;
      if (r.due > Date.now()) continue;
      ran = true;
      await this.refold(r);
    }
  }

  /**
   * Folds one vantage point's stored rows afresh and writes its runs rebuilt (runs/rebuild.ts) at a
   * version above its stored runs' and every version the folder used, which forgets it (the next flush
   * of its rows resumes from the rebuilt runs). A failure leaves it queued, due after its backoff.
   */
  private async refold(r: Refold): Promise<void> {
    const folder = this.deps.runs as RunFolder;
    const { zone, agent_id: agentId, server } = r.key;
    const t0 = performance.now();
    try {
      folder.forget([r.key]);
      let stored = 0;
      for (const x of await this.store.vantageRuns([r.key])) stored = Math.max(stored, x.version, x.rebuilt_ms);
      const version = folder.nextVersion(Math.max(this.deps.now(), stored + 1));
      // at shutdown: given up when its time is over or batches wait (left queued: close() logs it)
      const stop = (): boolean => this.closing && (this.queue.length > 0 || Date.now() >= this.deadline);
      const result = await refoldRows(this.store, this.store.streamObservations({ zone, agentId, server }), version, stop);
      if (result === null) return;
      this.refolds.delete(vantageId(r.key));
      const ms = performance.now() - t0;
      const m = this.deps.metrics;
      if (m !== undefined) {
        m.refolds.inc({ outcome: 'done' });
        m.refoldRows.inc(result.rows);
        m.refoldDuration.observe(ms / 1000);
        m.refoldsQueued.set(this.refolds.size);
      }
      this.deps.logger?.info({ zone, agent: agentId, server, rows: result.rows, runs: result.runs, version, ms: Math.round(ms) }, 'vantage point re-folded');
    } catch (err) {
      r.failures++;
      r.due = Date.now() + r.backoff;
      this.deps.metrics?.refolds.inc({ outcome: 'failed' });
      this.deps.logger?.warn({ err, zone, agent: agentId, server, failures: r.failures, retryInMs: r.backoff }, 're-fold failed; retrying');
      r.backoff = Math.min(r.backoff * 2, this.opts.retryMaxMs);
    }
  }

  /**
   * The rows of these batches that are not stored yet. An insert is atomic, but after a timeout nobody
   * knows whether it landed: ask the store, so that a retry never stores a row twice.
   */
  private async unstoredRows(chunk: Pending[]): Promise<ObservationRow[]> {
    let since = Infinity;
    for (const p of chunk) for (const r of p.rows) if (r.received_at_ms < since) since = r.received_at_ms;
    if (since === Infinity) return [];
    const stored = await this.store.storedIndexes(chunk.map((p) => p.entry), since);
    if (stored.size === 0) return chunk.flatMap((p) => p.rows);
    const out: ObservationRow[] = [];
    for (const p of chunk) {
      const have = stored.get(`${p.entry.agent_id}/${p.entry.seq}`);
      if (have === undefined) {
        for (const r of p.rows) out.push(r);
        continue;
      }
      const present = new Set(have);
      for (const r of p.rows) if (!present.has(r.idx)) out.push(r);
    }
    this.deps.logger?.warn({ batches: chunk.length, stillMissing: out.length }, 'an insert reported as failed had landed (in part or whole); only the missing rows are retried');
    return out;
  }

  /** Sleeps, or returns early when close() starts (so shutdown does not wait for a long backoff). */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      const wakeOnClose = this.closing ? null : done;
      this.wake = wakeOnClose;
      function done(): void {
        clearTimeout(t);
        resolve();
      }
    }).finally(() => {
      this.wake = null;
    });
  }

  private updateGauge(): void {
    this.deps.metrics?.pendingRows.set(this.queuedRows + this.inFlightRows);
  }
}
