// `kto-analyze --format table`: a zone analysis as aligned text tables (transitions, findings, lag).
import type { ZoneAnalysis } from '../types.js';

const iso = (ms: number | null): string => (ms === null || ms === 0 ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** Columns padded to their widest cell, two spaces apart. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatTable(a: ZoneAnalysis): string {
  const out: string[] = [
    `zone ${a.zone}: ${a.observations} observations from ${a.vantages} vantage points, ${iso(a.from_ms)} .. ${iso(a.to_ms)} (${a.analyzer})`,
    `TTLs (s): DNSKEY ${a.ttl.dnskey}, RRSIG ${a.ttl.sig}, DS ${a.ttl.ds}, NS ${a.ttl.ns}; keys: ${a.keys.map((k) => `${k.role} ${k.algorithm}/${k.key_tag}`).join(', ') || 'none'}`,
    '',
    'transitions',
    textTable(['start', 'end', 'role', 'procedure', 'conformant', 'keys out', 'keys in'], a.transitions.map((t) => [
      iso(t.start_ms), iso(t.end_ms), t.role, t.procedure, t.conformant === null ? 'undecided' : t.conformant ? 'yes' : 'no',
      t.keys_out.join(' '), t.keys_in.join(' '),
    ])),
    '',
    'findings',
    textTable(['at', 'severity', 'code', 'keys', 'message'], a.findings.map((f) => [iso(f.at_ms), f.severity, f.code, f.keys.join(' '), f.message])),
    '',
    'lag per vantage point',
    textTable(['vantage', 'country', 'continent', 'lagging', 'max lag (s)', 'bound (s)'], a.lag.vantages.map((v) => [
      v.vantage, v.country, v.continent, v.lagging ? 'yes' : 'no', (v.max_lag_ms / 1000).toFixed(1), (v.bound_ms / 1000).toFixed(1),
    ])),
  ];
  return `${out.join('\n')}\n`;
}
