// The analyzer as the collector's live mode and the batch command use it: observations of one zone in,
// the records of the analysis tables out.
import { readFileSync } from 'node:fs';
import type { AnalysisItems, AnalysisWindow, ObservationRow as StoredRow, Store, StoredAnalysisItems, ZoneAnalyzer } from '@kto/collector';
import { analyzeZoneIfRunsCover } from '../stored-runs.js';
import { analyzeZone } from '../analyze.js';
import type { ZoneAnalysis } from '../types.js';
import { analysisItems } from './records.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

/** "@kto/analyzer 0.1.0": stored with every analysis. */
export const ANALYZER_NAME = `${PACKAGE.name} ${PACKAGE.version}`;

/** One analysis of a zone over a window (the collector's stored rows are the analyzer's ObservationRow). */
export function analyzeWindow(zone: string, rows: readonly StoredRow[], window: AnalysisWindow): ZoneAnalysis {
  return analyzeZone(rows as StoredRow[], { zone, from: window.fromMs, to: window.toMs, now: window.nowMs });
}

export const zoneAnalyzer: ZoneAnalyzer = {
  name: ANALYZER_NAME,
  analyze(zone: string, rows: readonly StoredRow[], window: AnalysisWindow): AnalysisItems {
    return analysisItems(analyzeWindow(zone, rows, window));
  },
  async analyzeStored(store: Store, zone: string, window: AnalysisWindow): Promise<StoredAnalysisItems | null> {
    const covering = await analyzeZoneIfRunsCover(store, zone, window.nowMs);
    if (covering.result === null) return null;
    const a = covering.result.analysis;
    return { items: analysisItems(a), observations: covering.observations, window: { fromMs: a.from_ms, toMs: window.toMs, nowMs: window.nowMs } };
  },
};
