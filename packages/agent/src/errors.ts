// Stable error codes of @kto/agent (STYLE.md §3). Every code here has a row in docs/errors.md.
// Thrown as `new KtoError(code, message)` (from @kto/core); codes that describe events the agent
// survives (a refused Hello, a rejected batch) appear as the `code` field of its log lines.

export const AGENT_ERRORS = {
  KTO_ERR_AGENT_BAD_CONFIG: 'a configuration value is invalid; the message names the key and where it came from',
  KTO_ERR_AGENT_CONFIG_FILE: 'the JSON config file cannot be read or is not a JSON object',
  KTO_ERR_AGENT_NO_COLLECTOR: 'no collector URL: none configured and none stored at enrolment',
  KTO_ERR_AGENT_NOT_ENROLLED: 'the state directory holds no enrolment (agent.json); run `kto-agent enroll` first',
  KTO_ERR_AGENT_ENROLMENT_REFUSED: 'the collector refused the enrolment (bad, expired or used-up token, bad field)',
  KTO_ERR_AGENT_COLLECTOR_UNREACHABLE: 'the collector could not be reached or answered with a server error',
  KTO_ERR_AGENT_BAD_RESPONSE: 'the collector answered something that does not follow the protocol',
  KTO_ERR_AGENT_STATE_IO: 'reading or writing the state directory (key, agent.json, seq) failed',
  KTO_ERR_AGENT_STATE_CORRUPT: 'a state file exists but its content is not valid (key, agent.json, seq)',
  KTO_ERR_AGENT_STATE_LOCKED: 'another running agent holds the state directory (agent.lock)',
  KTO_ERR_AGENT_SPOOL_IO: 'reading or writing the on-disk spool failed',
  KTO_ERR_AGENT_HELLO_REFUSED: 'the collector refused the WebSocket Hello (unknown or revoked key, clock skew)',
  KTO_ERR_AGENT_BATCH_REJECTED: 'the collector permanently rejected a batch; it was moved to spool/rejected/',
  KTO_ERR_AGENT_SPOOL_FULL: 'the spool exceeded its size bound; the oldest batches were dropped',
  KTO_ERR_AGENT_METRICS_LISTEN: 'the metrics HTTP server could not listen on the configured address',
  KTO_ERR_AGENT_METRICS_NOT_FOUND: 'the metrics server serves only GET /metrics',
  KTO_ERR_AGENT_LIFECYCLE: 'an agent method was called in the wrong state (start twice, start after stop)',
} as const;

export type AgentErrorCode = keyof typeof AGENT_ERRORS;
