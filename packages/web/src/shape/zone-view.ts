// One zone's analysis as the zone page shows it, put together either from the four GET slices or from
// a /v1/live message (which carries the whole result). Both paths give the same shape.
import type {
  AnalysisMeta, BreakageForecast, Finding, FindingsResponse, KeyInfo, KeySighting, KeysResponse, LagResponse, MultiSignerState,
  Procedure, RegionLag, Transition, TransitionsResponse, Undecided, VantageLag,
} from '../api/types.js';

export interface ZoneView {
  zone: string;
  analysis: AnalysisMeta;
  /** Analysis time: the result's now_ms when known, else when it was computed. */
  now_ms: number;
  keys: KeyInfo[];
  sightings: KeySighting[];
  transitions: Transition[];
  procedures: Procedure[];
  multi_signer: MultiSignerState | null;
  findings: Finding[];
  undecided: Undecided[];
  vantages: VantageLag[];
  regions: RegionLag[];
  breakage: BreakageForecast[];
}

export function viewFromSlices(
  k: KeysResponse | null, t: TransitionsResponse | null, f: FindingsResponse | null, l: LagResponse | null,
): ZoneView | null {
  const first = k ?? t ?? f ?? l;
  if (first === null) return null;
  return {
    zone: first.zone,
    analysis: first.analysis,
    now_ms: first.analysis.computed_at_ms,
    keys: k?.keys ?? [],
    sightings: k?.sightings ?? [],
    transitions: t?.transitions ?? [],
    procedures: t?.procedures ?? [],
    multi_signer: t?.multi_signer ?? null,
    findings: f?.findings ?? [],
    undecided: f?.undecided ?? [],
    vantages: l?.vantages ?? [],
    regions: l?.regions ?? [],
    breakage: l?.breakage ?? [],
  };
}

const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** The `result` of a live message (routes/v1/analysis.ts analysisJson): summary + items + analysis meta. */
export function viewFromLive(zone: string, result: Record<string, unknown>): ZoneView | null {
  const meta = result['analysis'] as AnalysisMeta | undefined;
  if (meta === undefined || typeof meta !== 'object') return null;
  const lag = (result['lag'] ?? {}) as Record<string, unknown>;
  const now = result['now_ms'];
  return {
    zone,
    analysis: meta,
    now_ms: typeof now === 'number' ? now : meta.computed_at_ms,
    keys: arr(result['keys']),
    sightings: arr(result['sightings']),
    transitions: arr(result['transitions']),
    procedures: arr(result['procedures']),
    multi_signer: (result['multi_signer'] ?? null) as MultiSignerState | null,
    findings: arr(result['findings']),
    undecided: arr(result['undecided']),
    vantages: arr(lag['vantages']),
    regions: arr(lag['regions']),
    breakage: arr(lag['breakage']),
  };
}

/**
 * Does `next` describe the very analysis `shown` is (same id, computation time and window)? The live
 * socket's first message repeats the stored analysis the page has just loaded from the slices; taking
 * it again would parse nothing new but render the whole page a second time.
 */
export function sameAnalysis(shown: AnalysisMeta | null, next: AnalysisMeta): boolean {
  return shown !== null && shown.analysis_id === next.analysis_id && shown.computed_at_ms === next.computed_at_ms
    && shown.observations === next.observations && shown.from_ms === next.from_ms && shown.to_ms === next.to_ms;
}
