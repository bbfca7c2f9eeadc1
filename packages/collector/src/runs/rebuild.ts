// Folding stored rows into runs afresh: the recovery for runs that fell behind the rows (the collector
// stopped between the two inserts of a flush, runs were refused, or rows came late). refoldRows folds
// rows in the store's order with a fresh folder and writes the result under one version above every
// stored one, marking each vantage point rebuilt at it (run rows written before that version are then
// ignored: see migration 0012; so is a vantage row of an earlier fold whose first row was a later one:
// storage/sql-store.ts currentRuns). Two callers: the writer re-folds one vantage point (zone, agent,
// server) by itself between flushes when a flush met late rows or its runs were not written
// (ingest/writer.ts); rebuildZoneRuns refolds a whole zone (`kto-collector rebuild-runs`, or before
// `serve` starts: run it while no collector ingests the zone).
import type { ObservationRow, RunRecord, RunSample, Store } from '../storage/types.js';
import { RunFolder } from './fold.js';

/** Run rows (and samples) per INSERT of a refold. */
const INSERT_RUNS = 50_000;

export interface RebuildResult {
  zone: string;
  rows: number;
  runs: number;
  version: number;
}

export interface RefoldResult {
  rows: number;
  runs: number;
}

/**
 * Folds `pages` (rows in the store's row order, as Store.streamObservations yields them) with a fresh
 * folder and writes every run with `version`, each vantage row marked rebuilt at it: the samples
 * first, then the answer and failure runs, the vantage rows last. A vantage point's runs and its vantage
 * row go in one INSERT unless there are more than INSERT_RUNS runs; when they are split, its old vantage
 * row (whose counts show the rows its runs miss) stays the current one until the last INSERT.
 * `version` must be above every version of these vantage points' stored runs. `stop`, asked before each
 * page is read, gives the fold up before anything is written (returns null).
 */
export async function refoldRows(store: Store, pages: AsyncIterable<ObservationRow[]>, version: number): Promise<RefoldResult>;
export async function refoldRows(store: Store, pages: AsyncIterable<ObservationRow[]>, version: number, stop: () => boolean): Promise<RefoldResult | null>;
export async function refoldRows(
  store: Store, pages: AsyncIterable<ObservationRow[]>, version: number, stop?: () => boolean,
): Promise<RefoldResult | null> {
  const folder = new RunFolder(Number.POSITIVE_INFINITY);
  const all = new Set<RunRecord>();
  const samples: RunSample[] = [];
  let rows = 0;
  const it = pages[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (stop?.() === true) return null;
      const next = await it.next();
      if (next.done === true) break;
      const page = next.value;
      rows += page.length;
      const folded = folder.fold(page, version);
      for (const r of folded.runs) all.add(r);
      for (const x of folded.samples) samples.push(x);
    }
  } finally {
    await it.return?.();
  }
  const runs: RunRecord[] = [];
  const vantages: RunRecord[] = [];
  for (const r of all) {
    if (r.kind === 'vantage') {
      r.rebuilt_ms = version;
      vantages.push(r);
    } else runs.push(r);
  }
  for (let i = 0; i < samples.length; i += INSERT_RUNS) await store.insertRuns([], samples.slice(i, i + INSERT_RUNS));
  const records = runs.concat(vantages);
  for (let i = 0; i < records.length; i += INSERT_RUNS) await store.insertRuns(records.slice(i, i + INSERT_RUNS));
  return { rows, runs: records.length };
}

/** Refolds every stored row of a zone (refoldRows) at a version above every stored one and at least `now`. */
export async function rebuildZoneRuns(store: Store, zone: string, now: number = Date.now()): Promise<RebuildResult> {
  let stored = 0;
  for await (const chunk of store.streamRuns({ zone })) {
    for (const r of chunk) stored = Math.max(stored, r.version, r.rebuilt_ms);
  }
  const version = Math.max(now, stored + 1);
  const result = await refoldRows(store, store.streamObservations({ zone }), version);
  return { zone, rows: result.rows, runs: result.runs, version };
}
