// Stable error codes of @kto/web (STYLE.md §3). Errors the collector returns keep the collector's own
// code (KTO_ERR_API_*); these are the failures that happen on the dashboard's side of the wire.

export const WEB_ERRORS = {
  KTO_ERR_WEB_NETWORK: 'the collector could not be reached (connection refused, offline, aborted)',
  KTO_ERR_WEB_BAD_RESPONSE: 'the collector answered with something that is not the JSON the API documents',
  KTO_ERR_WEB_BAD_FILTER: 'a research filter in the URL is not valid (unknown date, algorithm not a number)',
} as const;

export type WebErrorCode = keyof typeof WEB_ERRORS;
