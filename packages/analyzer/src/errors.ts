// Stable error codes of @kto/analyzer (STYLE.md §3). Every code here has a row in docs/errors.md.
// Bad observations never throw: they are counted and described in the result's `quality`; these codes
// are for callers that hand the analyzer something that is not an analysis input at all.

export const ANALYZER_ERRORS = {
  KTO_ERR_ANALYZER_BAD_ARGUMENT: 'analyzeZone or another public analyzer function got an argument of the wrong kind (rows not an array, zone not a name, a bad option)',
  KTO_ERR_ANALYZER_SNAPSHOT_SYNTAX: 'a zone-snapshot archive block header or its records do not parse; the message gives the line',
} as const;

export type AnalyzerErrorCode = keyof typeof ANALYZER_ERRORS;
