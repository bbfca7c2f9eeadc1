// @kto/analyzer/batch: the analyzer over the collector's store (batch mode, and the collector's live
// mode, which loads this module at run time: packages/collector/src/analysis/load.ts).
export { analysisItems } from './records.js';
export { ANALYZER_NAME, analyzeWindow, zoneAnalyzer } from './zone-analyzer.js';
export { readZoneRows, runBatch } from './run.js';
export type { BatchOptions, BatchResult } from './run.js';
export { formatTable } from './table.js';
