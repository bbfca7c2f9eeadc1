// @kto/collector public API.
export { build } from './app.js';
export type { BuildOptions, CollectorApp } from './app.js';
export type { CollectorContext } from './context.js';
export { COLLECTOR_ERRORS, COLLECTOR_ERROR_STATUS } from './errors.js';
export type { CollectorErrorCode } from './errors.js';
export { Ingestor, ackHttpStatus } from './ingest/ingest.js';
export type { AckFields, IngestContext, IngestDeps } from './ingest/ingest.js';
export { observationToRow, batchToRows } from './ingest/rows.js';
export type { RowContext } from './ingest/rows.js';
export { agentIdFromPublicKey, parsePublicKeyHex } from './identity.js';
export { createEnrolmentToken } from './enrolment.js';
export { DEFAULT_INSERT, DEFAULT_LIMITS } from './options.js';
export type { InsertOptions, Limits } from './options.js';
export type * from './storage/types.js';
export { DEFAULT_DATABASE, openStore } from './storage/index.js';
export type { StoreOptions } from './storage/index.js';
export { analysisRecord } from './analysis/types.js';
export type { AnalysisItems, AnalysisWindow, ZoneAnalyzer } from './analysis/types.js';
