// @kto/analyzer public API: analyzeZone (observations of one zone -> key sightings, transitions with
// anatomy and procedure, findings, lag, DS automation), the findings registry, the result types, the
// input row type, and the zone-snapshot importer.

export { ANALYZER_ERRORS } from './errors.js';
export type { AnalyzerErrorCode } from './errors.js';
export { ANALYZER_VERSION, analyzeZone } from './analyze.js';
export { dsAutomationByParent } from './ds-automation.js';
export type { ParentAutomation } from './ds-automation.js';
export { FINDINGS, makeFinding } from './findings/registry.js';
export type { FindingCode, FindingSpec } from './findings/registry.js';
export { DNSKEY_FLAG, QTYPE } from './observation.js';
export type { ObservationRow } from './observation.js';
export { snapshotsToObservations, parseSnapshotArchive } from './import/zone-snapshots.js';
export type { Snapshot, SnapshotImportOptions } from './import/zone-snapshots.js';
export type {
  AnalyzeOptions, Anatomy, BreakageForecast, DataQuality, DsAutomation, DsAutomationEvent, Evidence, Finding, Gap, KeyEvents, KeyInfo,
  KeyRole, KeySighting, LagChange, MultiSignerState, ObservedTime, Procedure, RegionLag, RoleSource, Severity, SignatureStats, Span,
  Transition, TransitionRole, Undecided, VantageLag, WaitCheck, ZoneAnalysis,
} from './types.js';
