// Row codecs of the analyzer's tables (migrations 0007-0011): column lists in insert order and the
// TabSeparated encoders that write them (values checked against each column's type). Every item row
// carries the (zone, analysis_id, version) of its analysis header.
import { MAX_UINT16, MAX_UINT32, MAX_UINT64, MAX_UINT8, TsvWriter } from './escape.js';
import type {
  AnalysisHeader, FindingRecord, KeySightingRecord, TransitionRecord, VantageLagRecord,
} from './types.js';

export const ANALYSIS_COLUMNS = [
  'zone', 'analysis_id', 'version', 'computed_at_ms', 'mode', 'analyzer', 'from_ms', 'to_ms', 'observations', 'summary',
] as const satisfies readonly (keyof AnalysisHeader)[];

/** The columns that tie an item row to its analysis, first in every item table. */
const ITEM_KEY = ['zone', 'analysis_id', 'version', 'idx'] as const;

export const KEY_SIGHTING_COLUMNS = [
  ...ITEM_KEY, 'key_id', 'algorithm', 'key_tag', 'role', 'vantage', 'first_published_ms', 'last_published_ms',
  'first_signing_ms', 'last_signing_ms', 'first_ds_ms', 'last_ds_ms', 'revoked_ms', 'detail',
] as const;

export const TRANSITION_COLUMNS = [
  ...ITEM_KEY, 'role', 'procedure', 'conformance', 'start_ms', 'end_ms', 'keys_in', 'keys_out', 'algorithms_in',
  'algorithms_out', 'detail',
] as const;

export const FINDING_COLUMNS = [
  ...ITEM_KEY, 'code', 'severity', 'at_ms', 'keys', 'refs', 'message', 'detail',
] as const;

export const VANTAGE_LAG_COLUMNS = [
  ...ITEM_KEY, 'vantage', 'agent_id', 'server', 'country', 'continent', 'lagging', 'max_lag_ms', 'bound_ms', 'detail',
] as const;

export function encodeAnalysisHeader(h: AnalysisHeader): Buffer {
  const w = new TsvWriter(256 + h.summary.length);
  w.string(h.zone, 'zone'); w.tab();
  w.string(h.analysis_id, 'analysis_id'); w.tab();
  w.uint(h.version, MAX_UINT64, 'version'); w.tab();
  w.uint(h.computed_at_ms, MAX_UINT64, 'computed_at_ms'); w.tab();
  w.string(h.mode, 'mode'); w.tab();
  w.string(h.analyzer, 'analyzer'); w.tab();
  w.uint(h.from_ms, MAX_UINT64, 'from_ms'); w.tab();
  w.uint(h.to_ms, MAX_UINT64, 'to_ms'); w.tab();
  w.uint(h.observations, MAX_UINT64, 'observations'); w.tab();
  w.string(h.summary, 'summary');
  w.newline();
  return w.finish();
}

function itemKey(w: TsvWriter, h: AnalysisHeader, idx: number): void {
  w.string(h.zone, 'zone'); w.tab();
  w.string(h.analysis_id, 'analysis_id'); w.tab();
  w.uint(h.version, MAX_UINT64, 'version'); w.tab();
  w.uint(idx, MAX_UINT32, 'idx'); w.tab();
}

/** Bytes per item row beyond its detail JSON reserved up front (the writer grows when needed). */
const ITEM_ESTIMATE = 256;

function sizeOf(items: readonly { detail: string }[]): number {
  let n = 0;
  for (let i = 0; i < items.length; i++) n += ITEM_ESTIMATE + (items[i] as { detail: string }).detail.length;
  return n;
}

export function encodeKeySightings(h: AnalysisHeader, items: readonly KeySightingRecord[]): Buffer {
  const w = new TsvWriter(sizeOf(items));
  for (let i = 0; i < items.length; i++) {
    const k = items[i] as KeySightingRecord;
    w.row = i;
    itemKey(w, h, k.idx);
    w.string(k.key_id, 'key_id'); w.tab();
    w.uint(k.algorithm, MAX_UINT8, 'algorithm'); w.tab();
    w.uint(k.key_tag, MAX_UINT16, 'key_tag'); w.tab();
    w.string(k.role, 'role'); w.tab();
    w.string(k.vantage, 'vantage'); w.tab();
    w.uint(k.first_published_ms, MAX_UINT64, 'first_published_ms'); w.tab();
    w.uint(k.last_published_ms, MAX_UINT64, 'last_published_ms'); w.tab();
    w.uint(k.first_signing_ms, MAX_UINT64, 'first_signing_ms'); w.tab();
    w.uint(k.last_signing_ms, MAX_UINT64, 'last_signing_ms'); w.tab();
    w.uint(k.first_ds_ms, MAX_UINT64, 'first_ds_ms'); w.tab();
    w.uint(k.last_ds_ms, MAX_UINT64, 'last_ds_ms'); w.tab();
    w.uint(k.revoked_ms, MAX_UINT64, 'revoked_ms'); w.tab();
    w.string(k.detail, 'detail');
    w.newline();
  }
  return w.finish();
}

export function encodeTransitions(h: AnalysisHeader, items: readonly TransitionRecord[]): Buffer {
  const w = new TsvWriter(sizeOf(items));
  for (let i = 0; i < items.length; i++) {
    const t = items[i] as TransitionRecord;
    w.row = i;
    itemKey(w, h, t.idx);
    w.string(t.role, 'role'); w.tab();
    w.string(t.procedure, 'procedure'); w.tab();
    w.string(t.conformance, 'conformance'); w.tab();
    w.uint(t.start_ms, MAX_UINT64, 'start_ms'); w.tab();
    w.uint(t.end_ms, MAX_UINT64, 'end_ms'); w.tab();
    w.stringArray(t.keys_in, 'keys_in'); w.tab();
    w.stringArray(t.keys_out, 'keys_out'); w.tab();
    w.uintArray(t.algorithms_in, MAX_UINT8, 'algorithms_in'); w.tab();
    w.uintArray(t.algorithms_out, MAX_UINT8, 'algorithms_out'); w.tab();
    w.string(t.detail, 'detail');
    w.newline();
  }
  return w.finish();
}

export function encodeFindings(h: AnalysisHeader, items: readonly FindingRecord[]): Buffer {
  const w = new TsvWriter(sizeOf(items));
  for (let i = 0; i < items.length; i++) {
    const f = items[i] as FindingRecord;
    w.row = i;
    itemKey(w, h, f.idx);
    w.string(f.code, 'code'); w.tab();
    w.string(f.severity, 'severity'); w.tab();
    w.uint(f.at_ms, MAX_UINT64, 'at_ms'); w.tab();
    w.stringArray(f.keys, 'keys'); w.tab();
    w.stringArray(f.refs, 'refs'); w.tab();
    w.string(f.message, 'message'); w.tab();
    w.string(f.detail, 'detail');
    w.newline();
  }
  return w.finish();
}

export function encodeVantageLag(h: AnalysisHeader, items: readonly VantageLagRecord[]): Buffer {
  const w = new TsvWriter(sizeOf(items));
  for (let i = 0; i < items.length; i++) {
    const l = items[i] as VantageLagRecord;
    w.row = i;
    itemKey(w, h, l.idx);
    w.string(l.vantage, 'vantage'); w.tab();
    w.string(l.agent_id, 'agent_id'); w.tab();
    w.string(l.server, 'server'); w.tab();
    w.string(l.country, 'country'); w.tab();
    w.string(l.continent, 'continent'); w.tab();
    w.uint(l.lagging, MAX_UINT8, 'lagging'); w.tab();
    w.uint(l.max_lag_ms, MAX_UINT64, 'max_lag_ms'); w.tab();
    w.uint(l.bound_ms, MAX_UINT64, 'bound_ms'); w.tab();
    w.string(l.detail, 'detail');
    w.newline();
  }
  return w.finish();
}
