// GET /v1/zones/:zone/keys, /transitions, /findings, /lag and the /v1/live WebSocket messages: slices of
// the zone's latest stored analysis. Items are the analyzer's own objects (packages/analyzer/src/types.ts:
// KeyInfo, KeySighting, Transition, Finding, VantageLag ...); the properties named here are the ones the
// tables index, the rest passes through as the analyzer wrote it.
import { Type, type TObject, type TProperties } from 'typebox';

/** Which analysis answered: its id, how and when it was computed, what it covered. */
export const AnalysisMeta = Type.Object({
  analysis_id: Type.String({ description: '"live" (live mode and on-demand) or the id a batch run chose' }),
  mode: Type.String({ description: 'batch | live | on-demand' }),
  analyzer: Type.String({ description: 'analyzer name and version' }),
  computed_at_ms: Type.Integer(),
  from_ms: Type.Integer({ description: 'observations analysed: observed_at_ms >= from_ms ...' }),
  to_ms: Type.Integer({ description: '... and < to_ms' }),
  observations: Type.Integer({ description: 'observations analysed' }),
  stored: Type.Boolean({ description: 'false: computed for this request and not stored (the window held no observation)' }),
});

const open = (properties: TProperties, description: string): TObject => Type.Object(properties, { additionalProperties: true, description });
const Str = Type.String();
const Int = Type.Integer();
const Strs = Type.Array(Type.String());
const Any = Type.Array(Type.Object({}, { additionalProperties: true }));

const KeyInfo = open({ key_id: Str, algorithm: Int, key_tag: Int, role: Str }, 'a key (algorithm + key tag + public-key hash)');
const KeySighting = open({
  key_id: Str, vantage: Str, first_published_ms: Int, last_published_ms: Int, first_signing_ms: Int, last_signing_ms: Int,
  first_ds_ms: Int, last_ds_ms: Int, revoked_ms: Int,
}, 'per key and vantage point (or "authoritative"): first/last time published, signing, with a DS (0 = never)');
const Transition = open({
  id: Str, role: Str, procedure: Str, start_ms: Int, end_ms: Int, keys_in: Strs, keys_out: Strs,
}, 'a key transition with its procedure class, anatomy, RFC 7583 wait checks and evidence');
const Finding = open({
  code: Str, severity: Str, at_ms: Int, keys: Strs, refs: Strs, message: Str,
}, 'a finding (docs/findings.md)');
const VantageLag = open({
  vantage: Str, agent_id: Str, server: Str, country: Str, continent: Str, lagging: Type.Boolean(), max_lag_ms: Int, bound_ms: Int,
}, 'lag of one vantage point: time to see the authoritative change, against the bound its TTLs allow');

const slice = (properties: TProperties): TObject => Type.Object({ zone: Str, analysis: AnalysisMeta, ...properties });

export const KeysResponse = slice({ keys: Type.Array(KeyInfo), sightings: Type.Array(KeySighting) });
export const TransitionsResponse = slice({
  procedures: Strs,
  multi_signer: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  transitions: Type.Array(Transition),
});
export const FindingsResponse = slice({ findings: Type.Array(Finding), undecided: Any });
export const LagResponse = slice({ vantages: Type.Array(VantageLag), regions: Any, breakage: Any });

export const LiveQuery = Type.Object({
  zone: Type.String({ minLength: 1, maxLength: 1024, description: 'zone name; "." or "@" for the root' }),
}, { additionalProperties: false });
