// Stable error codes of @kto/collector (STYLE.md §3). Every code here has a row in docs/errors.md.
// Storage codes (KTO_ERR_STORE_*) live in storage/errors.ts; the collector maps them, never invents them.
import type { StoreErrorCode } from './storage/errors.js';

export const COLLECTOR_ERRORS = {
  // ingest: batches and the agent channel
  KTO_ERR_INGEST_BAD_PROTOBUF: 'the bytes received are not a valid SignedBatch / AgentMessage protobuf',
  KTO_ERR_INGEST_BAD_BODY: 'the signed body of a batch does not decode as a BatchBody',
  KTO_ERR_INGEST_UNKNOWN_AGENT: 'no enrolled agent has this agent_id',
  KTO_ERR_INGEST_AGENT_REVOKED: 'the agent has been revoked; its batches and connections are refused',
  KTO_ERR_INGEST_BAD_SIGNATURE: 'the Ed25519 signature does not verify with the agent\'s registered key',
  KTO_ERR_INGEST_AGENT_MISMATCH: 'the agent_id of the envelope, the body or the connection disagree',
  KTO_ERR_INGEST_INVALID_FIELD: 'a batch or observation field is out of range or malformed (message names the field)',
  KTO_ERR_INGEST_TOO_LARGE: 'the encoded batch exceeds the size limit (8 MiB by default)',
  KTO_ERR_INGEST_TOO_MANY_OBSERVATIONS: 'a batch holds more observations than allowed (10,000)',
  KTO_ERR_INGEST_CLOCK_SKEW: 'a hello or batch time is further from the collector clock than the skew limit',
  KTO_ERR_INGEST_SEQ_REPLAYED: 'this sequence number was stored before with different content',
  KTO_ERR_INGEST_RATE_LIMITED: 'the agent exceeds its observation rate; resend after retry_after_ms',
  KTO_ERR_INGEST_BACKPRESSURE: 'too many rows wait for storage; resend after retry_after_ms',
  KTO_ERR_INGEST_STORE_UNAVAILABLE: 'storage did not accept the rows in time; resend later (nothing is lost)',
  KTO_ERR_INGEST_STORE_FAILED: 'storage refused the insert with a non-transient error; resend later',
  KTO_ERR_INGEST_SHUTTING_DOWN: 'the collector is shutting down; resend to another collector or later',
  KTO_ERR_INGEST_BAD_CONTENT_TYPE: 'POST /v1/ingest needs content-type application/x-protobuf',
  KTO_ERR_INGEST_HELLO_REQUIRED: 'the first WebSocket message must be a Hello',
  KTO_ERR_INGEST_HELLO_TIMEOUT: 'no Hello arrived in time after the WebSocket opened',
  KTO_ERR_INGEST_BAD_MESSAGE: 'a WebSocket message of the wrong kind (text frame, empty or repeated Hello)',
  // auth: the admin bearer token
  KTO_ERR_AUTH_MISSING_TOKEN: 'an admin route was called without an Authorization: Bearer token',
  KTO_ERR_AUTH_BAD_TOKEN: 'the admin bearer token is wrong',
  // enrolment
  KTO_ERR_ENROL_BAD_TOKEN: 'the enrolment token is unknown',
  KTO_ERR_ENROL_TOKEN_EXPIRED: 'the enrolment token has expired',
  KTO_ERR_ENROL_TOKEN_USED_UP: 'the enrolment token has been used its maximum number of times',
  KTO_ERR_ENROL_BAD_PUBLIC_KEY: 'public_key is not a usable raw Ed25519 public key (64 hex digits)',
  KTO_ERR_ENROL_AGENT_REVOKED: 'this public key belongs to a revoked agent and cannot enrol again',
  // API
  KTO_ERR_API_BAD_REQUEST: 'the request does not match the route schema (body, query or parameters)',
  KTO_ERR_API_NOT_FOUND: 'no such route',
  KTO_ERR_API_BAD_ZONE_NAME: 'the zone is not a valid domain name',
  KTO_ERR_API_BAD_QTYPE: 'a query type is neither a known mnemonic nor a number 1..65535',
  KTO_ERR_API_BAD_TIME: 'from/to is neither an ISO 8601 time nor epoch milliseconds',
  KTO_ERR_API_BAD_CURSOR: 'the pagination cursor is malformed',
  KTO_ERR_API_AGENT_NOT_FOUND: 'no agent has this agent_id',
  KTO_ERR_API_ZONE_NOT_FOUND: 'the zone is not tracked',
  KTO_ERR_API_TOO_LARGE: 'the request body exceeds the size limit',
  KTO_ERR_API_UNSUPPORTED_MEDIA_TYPE: 'the request content-type is not accepted by this route',
  KTO_ERR_API_STORE_UNAVAILABLE: 'storage cannot be reached; retry later',
  KTO_ERR_API_NO_ANALYSIS: 'no analysis of this zone is stored, and this collector runs without an analyzer to compute one',
  // configuration and command line
  KTO_ERR_CONFIG_INVALID: 'a flag, environment variable or option has an invalid value',
  KTO_ERR_CONFIG_ADMIN_TOKEN_FILE: 'the admin token file cannot be read or created, or is empty',
  // anything else
  KTO_ERR_INTERNAL: 'an unexpected internal error (details are logged, never returned)',
} as const;

export type CollectorErrorCode = keyof typeof COLLECTOR_ERRORS;

/** HTTP status of each code when it ends a request. */
export const COLLECTOR_ERROR_STATUS: Readonly<Record<CollectorErrorCode, number>> = {
  KTO_ERR_INGEST_BAD_PROTOBUF: 400,
  KTO_ERR_INGEST_BAD_BODY: 400,
  KTO_ERR_INGEST_UNKNOWN_AGENT: 401,
  KTO_ERR_INGEST_AGENT_REVOKED: 403,
  KTO_ERR_INGEST_BAD_SIGNATURE: 401,
  KTO_ERR_INGEST_AGENT_MISMATCH: 403,
  KTO_ERR_INGEST_INVALID_FIELD: 400,
  KTO_ERR_INGEST_TOO_LARGE: 413,
  KTO_ERR_INGEST_TOO_MANY_OBSERVATIONS: 413,
  KTO_ERR_INGEST_CLOCK_SKEW: 400,
  KTO_ERR_INGEST_SEQ_REPLAYED: 409,
  KTO_ERR_INGEST_RATE_LIMITED: 429,
  KTO_ERR_INGEST_BACKPRESSURE: 503,
  KTO_ERR_INGEST_STORE_UNAVAILABLE: 503,
  KTO_ERR_INGEST_STORE_FAILED: 503,
  KTO_ERR_INGEST_SHUTTING_DOWN: 503,
  KTO_ERR_INGEST_BAD_CONTENT_TYPE: 415,
  KTO_ERR_INGEST_HELLO_REQUIRED: 400,
  KTO_ERR_INGEST_HELLO_TIMEOUT: 400,
  KTO_ERR_INGEST_BAD_MESSAGE: 400,
  KTO_ERR_AUTH_MISSING_TOKEN: 401,
  KTO_ERR_AUTH_BAD_TOKEN: 403,
  KTO_ERR_ENROL_BAD_TOKEN: 403,
  KTO_ERR_ENROL_TOKEN_EXPIRED: 403,
  KTO_ERR_ENROL_TOKEN_USED_UP: 403,
  KTO_ERR_ENROL_BAD_PUBLIC_KEY: 400,
  KTO_ERR_ENROL_AGENT_REVOKED: 403,
  KTO_ERR_API_BAD_REQUEST: 400,
  KTO_ERR_API_NOT_FOUND: 404,
  KTO_ERR_API_BAD_ZONE_NAME: 400,
  KTO_ERR_API_BAD_QTYPE: 400,
  KTO_ERR_API_BAD_TIME: 400,
  KTO_ERR_API_BAD_CURSOR: 400,
  KTO_ERR_API_AGENT_NOT_FOUND: 404,
  KTO_ERR_API_ZONE_NOT_FOUND: 404,
  KTO_ERR_API_TOO_LARGE: 413,
  KTO_ERR_API_UNSUPPORTED_MEDIA_TYPE: 415,
  KTO_ERR_API_STORE_UNAVAILABLE: 503,
  KTO_ERR_API_NO_ANALYSIS: 404,
  KTO_ERR_CONFIG_INVALID: 500,
  KTO_ERR_CONFIG_ADMIN_TOKEN_FILE: 500,
  KTO_ERR_INTERNAL: 500,
};

/** The storage layer's retryable "cannot reach the store" code (defined in storage/errors.ts). */
export const STORE_UNAVAILABLE: StoreErrorCode = 'KTO_ERR_STORE_UNAVAILABLE';

export function isCollectorErrorCode(code: string): code is CollectorErrorCode {
  return Object.hasOwn(COLLECTOR_ERRORS, code);
}
