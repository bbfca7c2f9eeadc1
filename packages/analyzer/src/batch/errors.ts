// Stable error codes of the analyzer's command line (STYLE.md §3). To be merged into the package's
// ANALYZER_ERRORS (src/errors.ts) and docs/errors.md.
export const BATCH_ERRORS = {
  KTO_ERR_ANALYZER_USAGE: 'kto-analyze was called with a bad command line (unknown command or option, missing --zone, bad time, no store)',
} as const;

export type BatchErrorCode = keyof typeof BATCH_ERRORS;
