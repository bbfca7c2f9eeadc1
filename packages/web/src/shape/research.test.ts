// Research filters and the CSV export, over the REAL root transitions; expected counts come from the
// root's DNSKEY change log (root-dnskey-set-changes.csv), not from the analyzer.
import { describe, expect, it } from 'vitest';
import { HAVE_ROOT, realRoot, rootKeyChanges } from '../testing/real-root.js';
import { csvField, filterTransitions, filtersQuery, NO_FILTERS, parseFilters, parseTime, transitionsCsv, type ZoneTransition } from './research.js';

/** RFC 4180 parser for the round trip (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += c;
  }
  return rows;
}

describe.runIf(HAVE_ROOT)('research over the root transitions (real data)', () => {
  const items = (): ZoneTransition[] => realRoot().analysis.transitions.map((transition) => ({ zone: '.', transition }));

  it('procedure, algorithm, period and finding filters', () => {
    const all = items();
    const changes = rootKeyChanges();
    const zskRemovals = changes.reduce((n, c) => n + c.removed.filter((k) => k.flags === 256).length, 0);
    expect(filterTransitions(all, { ...NO_FILTERS, procedure: 'zsk-pre-publish' }).length).toBe(zskRemovals);
    expect(filterTransitions(all, { ...NO_FILTERS, procedure: 'rfc5011-rollover' }).map((t) => t.transition.role)).toEqual(['KSK']);
    // every root key is RSASHA256 (8)
    expect(filterTransitions(all, { ...NO_FILTERS, algorithm: '8' }).length).toBe(all.length);
    expect(filterTransitions(all, { ...NO_FILTERS, algorithm: '13' })).toEqual([]);
    // a transition starts when its new key is published: the change log's additions of 2024
    const y2024 = changes.filter((c) => c.added.length > 0 && c.at >= Date.parse('2024-01-01T00:00:00Z') && c.at < Date.parse('2025-01-01T00:00:00Z'));
    const got = filterTransitions(all, { ...NO_FILTERS, from: '2024-01-01', to: '2025-01-01' });
    expect(got.map((t) => t.transition.start_ms).sort()).toEqual(y2024.map((c) => c.at).sort());
    expect(filterTransitions(all, { ...NO_FILTERS, finding: 'none' }).length).toBe(all.length);
    expect(filterTransitions(all, { ...NO_FILTERS, finding: 'any' })).toEqual([]);
    // newest first
    const starts = filterTransitions(all, NO_FILTERS).map((t) => t.transition.start_ms);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it('CSV export: one line per transition, RFC 4180 round trip', () => {
    const all = filterTransitions(items(), NO_FILTERS);
    const csv = transitionsCsv(all);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows.length).toBe(all.length + 1);
    const head = rows[0] as string[];
    const col = (name: string): number => head.indexOf(name);
    all.forEach((it, i) => {
      const r = rows[i + 1] as string[];
      expect(r.length).toBe(head.length);
      expect(r[col('zone')]).toBe('.');
      expect(r[col('procedure')]).toBe(it.transition.procedure);
      expect(Number(r[col('start_ms')])).toBe(it.transition.start_ms);
      expect(r[col('start')]).toBe(new Date(it.transition.start_ms).toISOString());
      expect(r[col('keys_in')]?.split(' ')).toEqual(it.transition.keys_in);
    });
  });
});

describe('filters in the URL', () => {
  it('round trip through the query string; empty filters are left out', () => {
    const f = { ...NO_FILTERS, procedure: 'ksk-double-ds', algorithm: '13', from: '2026-01-01', finding: 'KTO_FINDING_X Y&Z' };
    const q = filtersQuery(f);
    expect(q.startsWith('?')).toBe(true);
    expect(q).not.toContain('to=');
    expect(parseFilters(q)).toEqual(f);
    expect(parseFilters('')).toEqual(NO_FILTERS);
    expect(filtersQuery(NO_FILTERS)).toBe('');
  });

  it('times: epoch ms, ISO dates (UTC) and date-times; anything else is KTO_ERR_WEB_BAD_FILTER', () => {
    expect(parseTime('1735689600000', 'from')).toBe(1735689600000);
    expect(parseTime('2025-01-01', 'from')).toBe(Date.UTC(2025, 0, 1));
    expect(parseTime('2025-01-01T12:00', 'from')).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseTime('2025-01-01T12:00+02:00', 'from')).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseTime('', 'from')).toBeNull();
    expect(() => parseTime('last tuesday', 'from')).toThrow(expect.objectContaining({ code: 'KTO_ERR_WEB_BAD_FILTER' }));
    expect(() => filterTransitions([], { ...NO_FILTERS, algorithm: 'RSA' })).toThrow(expect.objectContaining({ code: 'KTO_ERR_WEB_BAD_FILTER' }));
  });

  it('CSV fields are quoted only when needed (RFC 4180 §2)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });
});
