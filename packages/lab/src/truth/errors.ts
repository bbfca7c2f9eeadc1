// Stable error codes of the lab's ground-truth module (STYLE.md §3); the lab's other codes are in
// ../errors.ts. Every code here needs a row in docs/errors.md.

export const TRUTH_ERRORS = {
  KTO_ERR_LAB_TRUTH_KEY_MISSING: 'a key id of the scenario has no generated key to map it to a key tag',
} as const;

export type TruthErrorCode = keyof typeof TRUTH_ERRORS;
