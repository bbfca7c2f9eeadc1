// Research: transitions across zones, filtered by procedure, algorithm, period and finding; the filters
// live in the URL's query string (shareable); CSV export built here (RFC 4180).
import { KtoError } from '@kto/core';
import type { Transition } from '../api/types.js';

export interface ResearchFilters {
  procedure: string;
  /** DNSSEC algorithm number, '' = any. */
  algorithm: string;
  /** Period on the transition's start: ISO date/time or epoch ms, '' = open. */
  from: string;
  to: string;
  /** A finding code, '' = any; 'any' = with at least one finding; 'none' = conformant only. */
  finding: string;
}

export const NO_FILTERS: ResearchFilters = { procedure: '', algorithm: '', from: '', to: '', finding: '' };

const FILTER_KEYS = ['procedure', 'algorithm', 'from', 'to', 'finding'] as const;

export function parseFilters(query: string): ResearchFilters {
  const p = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const f: ResearchFilters = { ...NO_FILTERS };
  for (const k of FILTER_KEYS) f[k] = (p.get(k) ?? '').trim();
  return f;
}

export function filtersQuery(f: ResearchFilters): string {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k] !== '') p.set(k, f[k]);
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/** A time filter: epoch ms, or an ISO 8601 date / date-time (UTC when no offset is given). */
export function parseTime(text: string, field: string): number | null {
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(ms)) throw new KtoError('KTO_ERR_WEB_BAD_FILTER', `${field}: ${JSON.stringify(text)} is neither an ISO 8601 date nor epoch milliseconds`);
  return ms;
}

export interface ZoneTransition {
  zone: string;
  transition: Transition;
}

/** Algorithms a transition involves: in, out, and those of its keys (key ids start with the algorithm). */
export function transitionAlgorithms(t: Transition): Set<number> {
  const out = new Set<number>();
  for (const a of t.algorithms_in) out.add(a);
  for (const a of t.algorithms_out) out.add(a);
  for (const list of [t.keys_in, t.keys_out, t.keys_kept]) {
    for (const k of list) {
      const dash = k.indexOf('-');
      const n = Number(dash < 0 ? k : k.slice(0, dash));
      if (Number.isInteger(n) && n > 0) out.add(n);
    }
  }
  return out;
}

export function filterTransitions(items: readonly ZoneTransition[], f: ResearchFilters): ZoneTransition[] {
  let alg: number | null = null;
  if (f.algorithm !== '') {
    alg = Number(f.algorithm);
    if (!Number.isInteger(alg) || alg < 0 || alg > 255) throw new KtoError('KTO_ERR_WEB_BAD_FILTER', `algorithm: ${JSON.stringify(f.algorithm)} is not a DNSSEC algorithm number`);
  }
  const from = parseTime(f.from, 'from');
  const to = parseTime(f.to, 'to');
  const out: ZoneTransition[] = [];
  for (const it of items) {
    const t = it.transition;
    if (f.procedure !== '' && t.procedure !== f.procedure) continue;
    if (from !== null && t.start_ms < from) continue;
    if (to !== null && t.start_ms >= to) continue;
    if (f.finding === 'none' && t.findings.length > 0) continue;
    if (f.finding === 'any' && t.findings.length === 0) continue;
    if (f.finding !== '' && f.finding !== 'any' && f.finding !== 'none' && !t.findings.includes(f.finding)) continue;
    if (alg !== null && !transitionAlgorithms(t).has(alg)) continue;
    out.push(it);
  }
  out.sort((a, b) => b.transition.start_ms - a.transition.start_ms);
  return out;
}

const CSV_COLUMNS = [
  'zone', 'id', 'role', 'procedure', 'status', 'conformant', 'start', 'end', 'start_ms', 'end_ms',
  'keys_in', 'keys_out', 'keys_kept', 'algorithms_in', 'algorithms_out', 'findings',
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const iso = (ms: number): string => (ms > 0 ? new Date(ms).toISOString() : '');

/** CSV of transitions: a header line, one line per transition, CRLF line ends (RFC 4180). */
export function transitionsCsv(items: readonly ZoneTransition[]): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const { zone, transition: t } of items) {
    const fields = [
      zone, t.id, t.role, t.procedure, t.status, t.conformant === null ? '' : String(t.conformant),
      iso(t.start_ms), iso(t.end_ms), String(t.start_ms), String(t.end_ms),
      t.keys_in.join(' '), t.keys_out.join(' '), t.keys_kept.join(' '),
      t.algorithms_in.join(' '), t.algorithms_out.join(' '), t.findings.join(' '),
    ];
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
