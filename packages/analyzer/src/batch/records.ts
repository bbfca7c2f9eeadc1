// A zone analysis as the collector's tables hold it (packages/collector/migrations/0007-0011): the
// sightings, transitions, findings and per-vantage lag one row each (indexed columns + the item as
// JSON), everything else in the header's summary JSON. The API puts the result back together.
import type { AnalysisItems, FindingRecord, KeySightingRecord, TransitionRecord, VantageLagRecord } from '@kto/collector';
import type { ZoneAnalysis } from '../types.js';

export function analysisItems(a: ZoneAnalysis): AnalysisItems {
  const keys: KeySightingRecord[] = a.sightings.map((s, idx) => ({
    idx, key_id: s.key_id, algorithm: s.algorithm, key_tag: s.key_tag, role: s.role, vantage: s.vantage,
    first_published_ms: s.first_published_ms, last_published_ms: s.last_published_ms,
    first_signing_ms: s.first_signing_ms, last_signing_ms: s.last_signing_ms,
    first_ds_ms: s.first_ds_ms, last_ds_ms: s.last_ds_ms, revoked_ms: s.revoked_ms,
    detail: JSON.stringify(s),
  }));
  const transitions: TransitionRecord[] = a.transitions.map((t, idx) => ({
    idx, role: t.role, procedure: t.procedure,
    conformance: t.conformant === null ? 'undecided' : t.conformant ? 'yes' : 'no',
    start_ms: t.start_ms, end_ms: t.end_ms, keys_in: t.keys_in, keys_out: t.keys_out,
    algorithms_in: t.algorithms_in, algorithms_out: t.algorithms_out, detail: JSON.stringify(t),
  }));
  const findings: FindingRecord[] = a.findings.map((f, idx) => ({
    idx, code: f.code, severity: f.severity, at_ms: f.at_ms, keys: f.keys, refs: f.refs, message: f.message,
    detail: JSON.stringify(f),
  }));
  const lag: VantageLagRecord[] = a.lag.vantages.map((v, idx) => ({
    idx, vantage: v.vantage, agent_id: v.agent_id, server: v.server, country: v.country, continent: v.continent,
    lagging: v.lagging ? 1 : 0, max_lag_ms: v.max_lag_ms, bound_ms: v.bound_ms, detail: JSON.stringify(v),
  }));
  const { sightings: _s, transitions: _t, findings: _f, lag: { vantages: _v, ...lagRest }, ...rest } = a;
  return { keys, transitions, findings, lag, summary: JSON.stringify({ ...rest, lag: lagRest }) };
}
