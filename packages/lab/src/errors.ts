// Stable error codes of @kto/lab (STYLE.md §3). Every code here has a row in docs/errors.md.

export const LAB_ERRORS = {
  KTO_ERR_LAB_BAD_SCENARIO: 'a scenario (catalogue entry or --scenario-file) is not valid; the message names the step, action and field',
  KTO_ERR_LAB_SCENARIO_FILE: 'a scenario file cannot be read or is not JSON',
  KTO_ERR_LAB_UNKNOWN_SCENARIO: 'no scenario of the catalogue has that name',
  KTO_ERR_LAB_BAD_OPTION: 'startLab or kto-lab got an option it cannot use (speed, base, resolvers, ports, command-line flags)',
  KTO_ERR_LAB_BAD_ADDRESS: 'an address the lab would use lies outside 127.0.0.0/8',
  KTO_ERR_LAB_ADDRESS_IN_USE: 'an address and port the lab needs already has a socket bound (another lab, a leftover server)',
  KTO_ERR_LAB_CANNOT_BIND: 'the lab cannot bind an address (needs root or CAP_NET_BIND_SERVICE for port 53)',
  KTO_ERR_LAB_RESOLVER_FAILED: 'an Unbound resolver of the lab exited or did not answer with a validated root SOA in time',
  KTO_ERR_LAB_DNS_TIMEOUT: 'a DNS query sent by the lab got no reply in time',
  KTO_ERR_LAB_STATE_FILE: 'the state file of kto-lab up is missing, unreadable or not what up writes',
} as const;

export type LabErrorCode = keyof typeof LAB_ERRORS;
