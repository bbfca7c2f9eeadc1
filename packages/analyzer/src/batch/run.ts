// Batch mode: read a zone's observations from the store, analyse them, store the result (tables of
// migrations 0007-0011) under one analysis id, so that running it again replaces it.
import { analysisRecord, type AnalysisRecord, type ObservationRow, type Store } from '@kto/collector';
import type { ZoneAnalysis } from '../types.js';
import { analysisItems } from './records.js';
import { ANALYZER_NAME, analyzeWindow } from './zone-analyzer.js';

export interface BatchOptions {
  zone: string;
  /** observed_at_ms >= fromMs (default: the beginning). */
  fromMs?: number;
  /** observed_at_ms < toMs (default: now). */
  toMs?: number;
  /** Store the result (default true). */
  write?: boolean;
  /** Analysis id; the same id again replaces that analysis (default 'batch'). */
  analysisId?: string;
  /** Wall clock (injectable for tests). */
  now?: () => number;
}

export interface BatchResult {
  analysis: ZoneAnalysis;
  record: AnalysisRecord;
  stored: boolean;
  timings: { readMs: number; analyzeMs: number; writeMs: number };
}

/** Every observation of a zone in [fromMs, toMs), oldest first, read in the store's pages. */
export async function readZoneRows(store: Store, zone: string, fromMs?: number, toMs?: number): Promise<ObservationRow[]> {
  const rows: ObservationRow[] = [];
  const q = { zone, ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) };
  for await (const page of store.streamObservations(q)) {
    for (let i = 0; i < page.length; i++) rows.push(page[i] as ObservationRow);
  }
  return rows;
}

export async function runBatch(store: Store, opts: BatchOptions): Promise<BatchResult> {
  const now = opts.now ?? Date.now;
  const wall = now();
  const toMs = opts.toMs ?? wall + 1;
  const window = { fromMs: opts.fromMs ?? 0, toMs, nowMs: Math.min(toMs, wall) };
  const t0 = performance.now();
  const rows = await readZoneRows(store, opts.zone, window.fromMs, window.toMs);
  const t1 = performance.now();
  const analysis = analyzeWindow(opts.zone, rows, window);
  const t2 = performance.now();
  const record = analysisRecord(analysis.zone, analysisItems(analysis), {
    analysisId: opts.analysisId ?? 'batch', version: wall, mode: 'batch', analyzer: ANALYZER_NAME, window, observations: rows.length,
  });
  const write = opts.write ?? true;
  if (write) await store.putAnalysis(record);
  const t3 = performance.now();
  return { analysis, record, stored: write, timings: { readMs: t1 - t0, analyzeMs: t2 - t1, writeMs: t3 - t2 } };
}
