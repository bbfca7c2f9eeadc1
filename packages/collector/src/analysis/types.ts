// What the collector needs from an analyzer. The analyzer package (@kto/analyzer) depends on the
// collector (it reads observations through the Store), so the collector cannot import it: the analyzer
// is handed to build() (see load.ts for the running collector) and speaks the Store's record types.
import type {
  AnalysisRecord, FindingRecord, KeySightingRecord, ObservationRow, Store, TransitionRecord, VantageLagRecord,
} from '../storage/types.js';

/** The observations an analysis covers: observed_at_ms in [fromMs, toMs); `nowMs` is "now" for it. */
export interface AnalysisWindow {
  fromMs: number;
  toMs: number;
  nowMs: number;
}

/** An analysis result as the tables hold it, before it is tied to an analysis id and version. */
export interface AnalysisItems {
  keys: KeySightingRecord[];
  transitions: TransitionRecord[];
  findings: FindingRecord[];
  lag: VantageLagRecord[];
  /** JSON of the rest of the result. */
  summary: string;
}

export interface ZoneAnalyzer {
  /** Name and version, stored with every analysis (e.g. "@kto/analyzer 0.1.0"). */
  readonly name: string;
  /** Analyses one zone from its observations, ordered by observed_at_ms. */
  analyze(zone: string, rows: readonly ObservationRow[], window: AnalysisWindow): AnalysisItems;
  /**
   * Analyses one zone's whole history from its stored runs (table `runs`), up to `window.nowMs`; null
   * when they do not hold every stored row of the zone (then the rows of the window are analysed).
   */
  analyzeStored?(store: Store, zone: string, window: AnalysisWindow): Promise<StoredAnalysisItems | null>;
}

export interface StoredAnalysisItems {
  items: AnalysisItems;
  /** Observations the runs hold. */
  observations: number;
  /** What the analysis covers: from the zone's first observation. */
  window: AnalysisWindow;
}

/** Ties analysis items to their header. */
export function analysisRecord(
  zone: string, items: AnalysisItems, h: { analysisId: string; version: number; mode: 'batch' | 'live' | 'on-demand'; analyzer: string; window: AnalysisWindow; observations: number },
): AnalysisRecord {
  return {
    header: {
      zone, analysis_id: h.analysisId, version: h.version, computed_at_ms: h.version, mode: h.mode, analyzer: h.analyzer,
      from_ms: h.window.fromMs, to_ms: h.window.toMs, observations: h.observations, summary: items.summary,
    },
    keys: items.keys, transitions: items.transitions, findings: items.findings, lag: items.lag,
  };
}
