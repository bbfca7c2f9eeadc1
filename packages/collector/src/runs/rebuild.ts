// Rebuilding a zone's runs from its stored rows: the recovery for runs that fell behind the rows (the
// collector stopped between the two inserts of a flush, runs were refused, or rows came late). Folds
// every row of the zone in the store's order with a fresh folder and writes the result under one version
// above every stored one, marking each vantage point rebuilt at it (run rows written before that version
// are then ignored: see migration 0012). Run it while no collector ingests the zone (`kto-collector
// rebuild-runs`, or before `serve` starts).
import type { RunRecord, RunSample, Store } from '../storage/types.js';
import { RunFolder } from './fold.js';

/** Run rows per INSERT of a rebuild. */
const INSERT_RUNS = 50_000;

export interface RebuildResult {
  zone: string;
  rows: number;
  runs: number;
  version: number;
}

export async function rebuildZoneRuns(store: Store, zone: string, now: number = Date.now()): Promise<RebuildResult> {
  let stored = 0;
  for await (const chunk of store.streamRuns({ zone })) {
    for (const r of chunk) stored = Math.max(stored, r.version, r.rebuilt_ms);
  }
  const folder = new RunFolder(Number.POSITIVE_INFINITY);
  const version = folder.nextVersion(Math.max(now, stored + 1));
  const all = new Set<RunRecord>();
  const samples: RunSample[] = [];
  let rows = 0;
  for await (const page of store.streamObservations({ zone })) {
    rows += page.length;
    const folded = folder.fold(page, version);
    for (const r of folded.runs) all.add(r);
    for (const x of folded.samples) samples.push(x);
  }
  const records = [...all];
  for (const r of records) if (r.kind === 'vantage') r.rebuilt_ms = version;
  for (let i = 0; i < Math.max(records.length, samples.length); i += INSERT_RUNS) {
    await store.insertRuns(records.slice(i, i + INSERT_RUNS), samples.slice(i, i + INSERT_RUNS));
  }
  return { zone, rows, runs: records.length, version };
}
