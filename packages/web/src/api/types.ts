// The JSON the collector's API serves (packages/collector/src/schemas/*.ts). Analysis items are the
// analyzer's own objects, so their types come from @kto/analyzer (type-only imports, erased at build).
import type {
  BreakageForecast, Finding, KeyInfo, KeySighting, MultiSignerState, Procedure, RegionLag, Span, Transition, Undecided, VantageLag, ZoneAnalysis,
} from '@kto/analyzer';

export type {
  BreakageForecast, Finding, KeyInfo, KeySighting, MultiSignerState, Procedure, RegionLag, Span, Transition, Undecided, VantageLag, ZoneAnalysis,
};

export interface ZoneJson {
  zone: string;
  interval_s: number;
  qtypes: number[];
  query_authoritatives: boolean;
}

export interface ZoneList {
  version: number;
  zones: ZoneJson[];
}

export interface ZoneBody {
  zone: string;
  interval_s?: number;
  qtypes?: (string | number)[];
  query_authoritatives?: boolean;
}

export interface AgentJson {
  agent_id: string;
  name: string;
  location: { country: string; continent: string; asn: number };
  enrolled_at_ms: number;
  revoked: boolean;
  revoked_at_ms: number | null;
  last_seen_ms: number | null;
  observations_24h: number;
}

export interface AgentList {
  agents: AgentJson[];
}

/** Which analysis answered (schemas/analysis.ts AnalysisMeta). */
export interface AnalysisMeta {
  analysis_id: string;
  mode: string;
  analyzer: string;
  computed_at_ms: number;
  from_ms: number;
  to_ms: number;
  observations: number;
  stored: boolean;
}

interface Slice {
  zone: string;
  analysis: AnalysisMeta;
}

export interface KeysResponse extends Slice {
  keys: KeyInfo[];
  sightings: KeySighting[];
}

export interface TransitionsResponse extends Slice {
  procedures: Procedure[];
  multi_signer: MultiSignerState | null;
  transitions: Transition[];
}

export interface FindingsResponse extends Slice {
  findings: Finding[];
  undecided: Undecided[];
}

export interface LagResponse extends Slice {
  vantages: VantageLag[];
  regions: RegionLag[];
  breakage: BreakageForecast[];
}

/** One stored observation (docs/api.md): every column; the dashboard reads only a few. */
export interface ObservationRow {
  agent_id: string;
  country: string;
  continent: string;
  vantage_kind: string;
  server: string;
  transport: string;
  qname: string;
  qtype: number | string;
  observed_at_ms: number;
  rtt_us: number;
  status: string;
  rcode: number | string;
  ad: boolean;
  answer_ttl: number;
  dnskey_key_tags?: number[];
  rrsig_key_tags?: number[];
  [column: string]: unknown;
}

export interface ObservationPage {
  observations: ObservationRow[];
  next_cursor: string | null;
}

export interface ObservationQuery {
  from?: number | string;
  to?: number | string;
  agent?: string;
  qtype?: string | number;
  limit?: number;
  cursor?: string;
}

/** The /v1/live message. */
export interface LiveMessage {
  type: 'analysis';
  zone: string;
  result: Record<string, unknown>;
}

/** The error body of every API error. */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}
