// @kto/agent public API.
export { AGENT_ERRORS } from './errors.js';
export type { AgentErrorCode } from './errors.js';
export { createAgent, SPOOL_DIR } from './agent.js';
export type { Agent, AgentDeps, AgentStatus } from './agent.js';
export { CONTINENTS, OPTIONS, describeConfig, loadConfig, parseQtype } from './config.js';
export type {
  AgentConfig, ConfigInput, ConfigKey, ConfigSource, Continent, ListenAddress, LogLevel, OptionSpec, ZoneSpec,
} from './config.js';
export { enroll } from './enroll.js';
export type { EnrolOptions, EnrolResult } from './enroll.js';
export { agentIdFor, loadIdentity, loadOrCreateIdentity, readEnrolment } from './identity.js';
export type { Enrolment, Identity } from './identity.js';
export { AgentMetrics } from './metrics.js';
export { Querier } from './query.js';
export type { QuerierOptions, QueryResult, QueryTarget, VantagePointKind } from './query.js';
export { parseResolvConf } from './resolv-conf.js';
export { formatServerAddress, parseServerAddress } from './server-address.js';
export type { ServerAddress } from './server-address.js';
export { readStateStatus } from './status.js';
export type { StateStatus } from './status.js';
export { TcpConnector } from './transport/tcp.js';
export type { DnsTransports, ExchangeResult, ExchangeStatus, TcpTransport, UdpTransport } from './transport/types.js';
export { UdpSocketPool } from './transport/udp.js';
export { AGENT_VERSION } from './version.js';
