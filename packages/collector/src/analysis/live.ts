// Live mode: the analyzer alongside the collector. Every stored flush marks the zones of its rows
// dirty; every `intervalMs` the dirty zones are analysed again from the store over a bounded window
// (the last `windowMs`, so a pass stays cheap however long a zone's history; or, when the analyzer reads
// stored runs and they hold every row of the zone, its whole history from them), the result is stored
// under the analysis id 'live' and pushed to the subscribers of the zone (GET /v1/live).
import { isKtoError } from '@kto/core';
import type { FastifyBaseLogger } from 'fastify';
import { STORE_UNAVAILABLE } from '../errors.js';
import type { AnalysisRecord, ObservationRow, Store } from '../storage/types.js';
import { analysisRecord, type AnalysisItems, type ZoneAnalyzer } from './types.js';

export interface LiveOptions {
  /** How often dirty zones are analysed again, ms (default 2,000). */
  intervalMs: number;
  /** How far back a live analysis reads, ms (default 7 days). */
  windowMs: number;
}

export const DEFAULT_LIVE: LiveOptions = { intervalMs: 2_000, windowMs: 7 * 86_400_000 };

/** The analysis id of live (and on-demand) results: each replaces the previous one. */
export const LIVE_ANALYSIS_ID = 'live';

/** Observations later than now by up to this much still count (agent clocks run ahead a little). */
const FUTURE_SLACK_MS = 60_000;

export type AnalysisListener = (record: AnalysisRecord) => void;

export interface LiveDeps {
  store: Store;
  analyzer: ZoneAnalyzer;
  now: () => number;
  logger: FastifyBaseLogger;
}

export class LiveAnalysis {
  private dirty = new Set<string>();
  private readonly listeners = new Map<string, Set<AnalysisListener>>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private lastVersion = 0;
  private stopped = false;

  constructor(private readonly deps: LiveDeps, readonly opts: LiveOptions = DEFAULT_LIVE) {}

  /** Marks the zones of stored rows (or of the runs folded from them) dirty: called after each stored flush. */
  rowsStored(rows: readonly { zone: string }[]): void {
    let last = '';
    for (let i = 0; i < rows.length; i++) {
      const zone = (rows[i] as { zone: string }).zone;
      if (zone === last) continue;
      this.dirty.add(zone);
      last = zone;
    }
  }

  /** Zones waiting for their next analysis. */
  get pending(): number {
    return this.dirty.size;
  }

  /** Subscribes to a zone's new results; returns the unsubscribe function. */
  subscribe(zone: string, listener: AnalysisListener): () => void {
    let set = this.listeners.get(zone);
    if (set === undefined) this.listeners.set(zone, (set = new Set()));
    set.add(listener);
    return () => {
      const s = this.listeners.get(zone);
      if (s === undefined) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(zone);
    };
  }

  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setInterval(() => {
      if (this.pass === null && this.dirty.size > 0) {
        this.pass = this.runPass().finally(() => {
          this.pass = null;
        });
      }
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.pass !== null) await this.pass;
  }

  /**
   * Analyses a zone now over the live window, stores the result (unless it saw no observation) and
   * pushes it to the zone's subscribers.
   */
  async analyze(zone: string, mode: 'live' | 'on-demand'): Promise<AnalysisRecord> {
    const { store, analyzer } = this.deps;
    const nowMs = this.deps.now();
    const window = { fromMs: Math.max(0, nowMs - this.opts.windowMs), toMs: nowMs + FUTURE_SLACK_MS, nowMs };
    const stored = analyzer.analyzeStored === undefined ? null : await analyzer.analyzeStored(store, zone, window);
    let items: AnalysisItems;
    let observations: number;
    let covered = window;
    if (stored !== null) {
      ({ items, observations, window: covered } = stored);
    } else {
      const rows: ObservationRow[] = [];
      for await (const chunk of store.streamObservations({ zone, fromMs: window.fromMs, toMs: window.toMs })) {
        for (let i = 0; i < chunk.length; i++) rows.push(chunk[i] as ObservationRow);
      }
      items = analyzer.analyze(zone, rows, window);
      observations = rows.length;
    }
    this.lastVersion = Math.max(this.deps.now(), this.lastVersion + 1);
    const record = analysisRecord(zone, items, {
      analysisId: LIVE_ANALYSIS_ID, version: this.lastVersion, mode, analyzer: analyzer.name, window: covered, observations,
    });
    if (observations > 0) await store.putAnalysis(record);
    this.publish(record);
    return record;
  }

  private publish(record: AnalysisRecord): void {
    const set = this.listeners.get(record.header.zone);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(record);
      } catch (err) {
        this.deps.logger.warn({ err, zone: record.header.zone }, 'live analysis subscriber failed');
      }
    }
  }

  private async runPass(): Promise<void> {
    const zones = this.dirty;
    this.dirty = new Set();
    for (const zone of zones) {
      if (this.stopped) return;
      const t0 = performance.now();
      try {
        const r = await this.analyze(zone, 'live');
        this.deps.logger.debug({ zone, observations: r.header.observations, ms: Math.round(performance.now() - t0) }, 'live analysis');
      } catch (err) {
        if (isKtoError(err, STORE_UNAVAILABLE)) {
          // the store will be back: try this zone again next time
          this.dirty.add(zone);
          this.deps.logger.warn({ err, zone }, 'live analysis: store unavailable; retrying next pass');
        } else {
          this.deps.logger.error({ err, zone }, 'live analysis failed');
        }
      }
    }
  }
}
