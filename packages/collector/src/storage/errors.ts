// Stable error codes of the collector's storage (STYLE.md §3). Every code here has a row in docs/errors.md.
// Callers match on `err.code`; `details.retryable` is true exactly for KTO_ERR_STORE_UNAVAILABLE.

export const STORE_ERRORS = {
  KTO_ERR_STORE_UNAVAILABLE: 'the store cannot be reached or is overloaded (refused, reset, timeout, too many parts); retryable',
  KTO_ERR_STORE_QUERY: 'the store rejected a statement (SQL or data error); retrying the same statement will not help',
  KTO_ERR_STORE_MIGRATION: 'a migration file is malformed, failed to apply, or changed after it was applied (message names the file)',
  KTO_ERR_STORE_BAD_VALUE: 'a row value does not fit its column (not an integer, out of range, wrong type); nothing was sent',
  KTO_ERR_STORE_BAD_OPTIONS: 'openStore options are invalid (unknown mode, bad database name, missing dataDir or url)',
  KTO_ERR_STORE_DATA_DIR_BUSY: 'chdb binds one data directory per process and another one is open in this process',
  KTO_ERR_STORE_CLOSED: 'the store was used after close()',
} as const;

export type StoreErrorCode = keyof typeof STORE_ERRORS;
