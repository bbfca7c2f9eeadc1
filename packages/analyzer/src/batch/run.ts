// Batch mode: read a zone's observations from the store, analyse them, store the result (tables of
// migrations 0007-0011) under one analysis id, so that running it again replaces it. A zone's whole
// history is read from its stored runs (table `runs`, folded at ingest: ../stored-runs.ts) when they
// hold every stored row of the zone; else, and for a window, from the rows.
import { analysisRecord, type AnalysisRecord, type ObservationRow, type Store } from '@kto/collector';
import { analyzeZoneIfRunsCover } from '../stored-runs.js';
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
  /** 'auto' (default): from the stored runs when there is no window and they hold every stored row; 'rows': from the rows. */
  source?: 'auto' | 'rows';
}

export interface BatchResult {
  analysis: ZoneAnalysis;
  record: AnalysisRecord;
  stored: boolean;
  /** What the analysis read, and why not the runs when it read rows. */
  source: 'runs' | 'rows';
  sourceNote: string;
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
  let analysis: ZoneAnalysis | null = null;
  let observations = 0;
  let sourceNote = 'rows asked for (source: rows)';
  let readMs = 0;
  if ((opts.source ?? 'auto') === 'auto') {
    if (opts.fromMs !== undefined || opts.toMs !== undefined) {
      sourceNote = 'a window was given: runs are not cut at its edges, so the rows are read';
    } else {
      const covering = await analyzeZoneIfRunsCover(store, opts.zone, window.nowMs);
      if (covering.result === null) sourceNote = covering.reason;
      else {
        const r = covering.result;
        analysis = r.analysis;
        observations = covering.observations;
        sourceNote = `${r.runs} stored runs, ${r.raws} raw responses`;
        readMs = r.timings.readMs + r.timings.rawMs;
      }
    }
  }
  const t1 = performance.now();
  let analyzeMs = t1 - t0 - readMs;
  const source = analysis === null ? 'rows' : 'runs';
  if (analysis === null) {
    const rows = await readZoneRows(store, opts.zone, window.fromMs, window.toMs);
    const t2 = performance.now();
    analysis = analyzeWindow(opts.zone, rows, window);
    observations = rows.length;
    readMs = t2 - t1;
    analyzeMs = performance.now() - t2;
  }
  const t3 = performance.now();
  const record = analysisRecord(analysis.zone, analysisItems(analysis), {
    analysisId: opts.analysisId ?? 'batch', version: wall, mode: 'batch', analyzer: ANALYZER_NAME, window, observations,
  });
  const write = opts.write ?? true;
  if (write) await store.putAnalysis(record);
  const t4 = performance.now();
  return { analysis, record, stored: write, source, sourceNote, timings: { readMs, analyzeMs, writeMs: t4 - t3 } };
}
