// Bad input is handled and stated, never a crash or a silent wrong answer: observations out of order,
// duplicates, an agent offline for a while, clock skew, truncated answers, failed queries, malformed
// summaries, rows of other zones, summaries without raw bytes, key tag collisions, a tampered signature,
// and arguments that are not an analysis input at all.

import { scenarioByName, stateAt } from '@kto/lab';
import type { Scenario } from '@kto/lab';
import { describe, expect, it } from 'vitest';
import { analyzeZone } from './analyze.js';
import type { ObservationRow } from './observation.js';
import { collideKeyTags, failedRow, synthesizeObservations } from './testing/synthesize.js';
import type { ZoneAnalysis } from './types.js';

const s = scenarioByName('zsk-pre-publish') as Scenario;
const world = { ...s, stateAt: (t: number) => stateAt(s, t) };
const base = synthesizeObservations(world);
const reference = analyzeZone(base.rows, { zone: base.zone });

/** The parts of an analysis that must not change when the input is merely reordered or repeated. */
function core(a: ZoneAnalysis): unknown {
  return {
    transitions: a.transitions.map((t) => ({ role: t.role, procedure: t.procedure, in: t.keys_in, out: t.keys_out, sw: t.switch_at, c: t.conformant })),
    findings: a.findings.map((f) => [f.code, f.at_ms]),
    sightings: a.sightings.filter((x) => x.vantage === 'authoritative'),
  };
}

/** A deterministic shuffle (seeded LCG). */
function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('bad input', () => {
  it('observations out of order: sorted, counted, same result', () => {
    const a = analyzeZone(shuffled(base.rows, 7), { zone: base.zone });
    expect(a.quality.out_of_order).toBeGreaterThan(0);
    expect(a.quality.notes.some((n) => n.includes('out of time order'))).toBe(true);
    expect(core(a)).toEqual(core(reference));
  });

  it('duplicated rows (a re-sent batch): counted, same result', () => {
    const doubled = base.rows.flatMap((r) => [r, { ...r }]);
    const a = analyzeZone(doubled, { zone: base.zone });
    expect(a.quality.duplicates).toBe(base.rows.length);
    expect(core(a)).toEqual(core(reference));
  });

  it('an agent offline for a while: a gap is reported for it', () => {
    const syn = synthesizeObservations(world, {
      keys: base.keys,
      resolvers: [{ id: 'r-on', behaviour: 'honest', country: 'DE', continent: 'EU' }, { id: 'r-off', behaviour: 'honest', country: 'FR', continent: 'EU', offline: { from: 50, to: 120 } }],
    });
    const a = analyzeZone(syn.rows, { zone: syn.zone });
    const gaps = a.quality.gaps.filter((g) => g.vantage.startsWith('r-off|'));
    expect(gaps).toEqual([{ vantage: 'r-off|127.0.0.1', from_ms: syn.toMs(45), to_ms: syn.toMs(120) }]);
    expect(a.quality.gaps.filter((g) => !g.vantage.startsWith('r-off|'))).toEqual([]);
    expect(core(a)).toEqual(core(reference));
  });

  it('an agent whose clock runs ahead: skew stated', () => {
    const syn = synthesizeObservations(world, { keys: base.keys, resolvers: [{ id: 'r-skew', behaviour: 'honest', country: 'DE', continent: 'EU', skewMs: 300_000 }] });
    const a = analyzeZone(syn.rows, { zone: syn.zone });
    expect(a.quality.clock_skew).toEqual([expect.objectContaining({ agent_id: 'r-skew', skew_ms: 300_000 })]);
  });

  it('truncated answers, failed queries, malformed summaries and other zones are skipped and counted', () => {
    const rows: ObservationRow[] = [...base.rows];
    const first = base.rows[0] as ObservationRow;
    rows.push({ ...first, seq: 90_001, tc: 1, tc_retry: 0, dnskey_key_hashes: [], dnskey_flags: [], dnskey_algorithms: [], dnskey_key_tags: [] });
    rows.push(failedRow({ agent_id: 'r-x', seq: 1, idx: 0, vantage_kind: 'resolver', server: '127.0.0.1', server_name: '', country: '', continent: '', zone: base.zone, qtype: 48, observed_at_ms: base.toMs(50) }, 'timeout'));
    rows.push({ ...first, seq: 90_002, dnskey_flags: [257] }); // parallel arrays of different lengths
    rows.push({ ...first, seq: 90_003, observed_at_ms: Number.NaN });
    rows.push({ ...first, seq: 90_004, zone: 'other.example.' });
    const a = analyzeZone(rows, { zone: base.zone.toUpperCase() });
    expect(a.quality).toMatchObject({ truncated: 1, failed_queries: 1, malformed: 2, other_zone: 1 });
    expect(core(a)).toEqual(core(reference));
  });

  it('summaries without raw bytes: the same classification, signatures not verified (stated)', () => {
    const syn = synthesizeObservations(world, { keys: base.keys, withRaw: false });
    const a = analyzeZone(syn.rows, { zone: syn.zone });
    expect(a.signatures).toMatchObject({ checked: 0, without_raw: syn.rows.length });
    expect(core(a)).toEqual(core(reference));
  });

  it('signatures that do not verify are reported as SIGNATURE_INVALID, with their key', () => {
    const syn = synthesizeObservations(world, { keys: base.keys, corrupt: { key: 'Z11', from: 100 } });
    const a = analyzeZone(syn.rows, { zone: syn.zone });
    const bad = a.findings.filter((f) => f.code === 'SIGNATURE_INVALID');
    expect(bad.map((f) => f.keys)).toEqual([[syn.keyIds.Z11], [syn.keyIds.Z11]]); // SOA and NS
    expect(bad.every((f) => f.at_ms === syn.toMs(100))).toBe(true);
    expect(a.signatures.invalid).toBeGreaterThan(0);
    expect(reference.findings.filter((f) => f.code === 'SIGNATURE_INVALID')).toEqual([]);
  });

  it('a key tag collision between two keys: both keys kept apart, the collision stated', () => {
    // Z11's tag rewritten to Z10's in the summaries (no raw: only the summaries decide)
    const { rows, tag: z10 } = collideKeyTags(base, 'Z11', 'Z10');
    const a = analyzeZone(rows, { zone: base.zone });
    expect(a.quality.tag_collisions).toEqual([{ algorithm: 13, key_tag: z10, keys: expect.any(Array) }]);
    expect(a.quality.tag_collisions[0]?.keys.length).toBe(2);
    expect(a.keys.filter((k) => k.key_tag === z10 && k.tag_collision).length).toBe(2);
    expect(a.quality.ambiguous_signers).toBeGreaterThanOrEqual(0);
  });

  it('arguments that are not an analysis input throw KTO_ERR_ANALYZER_BAD_ARGUMENT', () => {
    const code = { code: 'KTO_ERR_ANALYZER_BAD_ARGUMENT' };
    expect(() => analyzeZone('rows' as unknown as ObservationRow[], { zone: 'x.' })).toThrow(expect.objectContaining(code));
    expect(() => analyzeZone([], { zone: 'bad..name' })).toThrow(expect.objectContaining(code));
    expect(() => analyzeZone([], { zone: 'x.', from: Number.NaN })).toThrow(expect.objectContaining(code));
    expect(() => analyzeZone([], { zone: 'x.', regionLagShare: 2 })).toThrow(expect.objectContaining(code));
  });

  it('no rows: an empty analysis, not a crash', () => {
    const a = analyzeZone([], { zone: 'example.' });
    expect(a).toMatchObject({ zone: 'example.', observations: 0, transitions: [], findings: [], keys: [] });
  });
});
