// @kto/lab public API: the lab engine (timeline, signing authoritative servers, parent model,
// resolvers), the scenario format and its validation, the catalogue and its ground truth.

export { LAB_ERRORS } from './errors.js';
export type { LabErrorCode } from './errors.js';

export type {
  Action, ExpectedFinding, KeyRole, KeySpec, LabAlgorithm, ParentSpec, Procedure, ProviderSpec, Scenario, SignScope, Step, TtlSpec,
} from './scenario/types.js';
export { loadScenarioFile, validateScenario } from './scenario/validate.js';

export { defaultValidity, maxTtl, nextChange, parentChangeTimes, providerIds, stateAt } from './timeline.js';
export type { CdsContent, KeySigning, LabState, ParentDs, ParentState, ProviderState, PublishedKey } from './timeline.js';

export { MAX_SPEED, MIN_SPEED, createClock, createHeldClock } from './clock.js';
export type { HeldLabClock, LabClock } from './clock.js';

export { CDNSKEY_DELETE, CDS_DELETE, buildZone, makeRrset } from './zone-builder.js';
export type { DelegationInput, HostAddress, RRset, ZoneData, ZoneInput } from './zone-builder.js';
export { SignatureCache, isKeyScope, signingEpoch } from './signer.js';
export type { SignatureWindow, SignedRRset, SigningKey, ZoneSigner } from './signer.js';
export { SignedZone } from './signed-zone.js';
export type { AnswerTemplate } from './signed-zone.js';
export { ScheduledZone } from './scheduled-zone.js';
export type { ZoneVersion } from './scheduled-zone.js';
export { LabDnsServer } from './dns-server.js';
export type { DnsServerOptions, DnsServerStats, ZoneSource } from './dns-server.js';
export { labQuery } from './dns-client.js';
export type { LabQueryOptions, LabReply } from './dns-client.js';

export { DEFAULT_RESOLVERS, behaviourOptions, findUnbound, startResolvers, validateResolverSpecs } from './resolvers.js';
export type { ResolverBehaviour, ResolverSpec, RunningResolver } from './resolvers.js';
export { unboundConfig } from './unbound-config.js';
export type { UnboundConfigOptions, UnboundStubZones, UnboundUpstream } from './unbound-config.js';
export { startLab } from './world.js';
export type { LabDescription, LabKeyInfo, LabOptions, LabServer, LabZone, RunningLab } from './world.js';
export { probeLab } from './probe.js';
export type { ProbeOptions, ProbeResult } from './probe.js';

export { catalogue, scenarioByName } from './scenarios/index.js';
export { keyTagsOf, truthOf } from './truth/index.js';
export type { GroundTruth } from './truth/index.js';
