// Analysis from stored runs equals analysis from rows. The observations of every lab catalogue scenario
// (synthesized with signed raw answers) and the bad-input cases go through the collector's ingest fold
// (RunFolder, in flush-sized chunks, with few vantage points kept in memory so that most flushes resume
// from the stored runs) into a store; analyzeZoneFromRuns must then give the analysis analyzeZone gives
// from the same rows read back in the store's order: every field, not only transitions and findings.
// Authoritative servers asked by several agents (one vantage point, folded per agent) merge back to the
// same analysis. Rows that reach the collector late are the case that differs: counted and stated, and
// a rebuild from rows makes the runs exact again.
import { compareRowOrder, rebuildZoneRuns, RunFolder } from '@kto/collector';
import type { ObservationRow } from '@kto/collector';
import { catalogue, scenarioByName, stateAt } from '@kto/lab';
import type { Scenario } from '@kto/lab';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../collector/src/testing/memory-store.js';
import { analyzeZone } from './analyze.js';
import { analyzeZoneFromRuns, analyzeZoneIfRunsCover } from './stored-runs.js';
import { collideKeyTags, failedRow, synthesizeObservations } from './testing/synthesize.js';
import type { ZoneAnalysis } from './types.js';

/** Stores rows as the collector's writer does: per flush, the rows, then the runs folded from them (whole rows for new runs, extents for the others). */
async function ingest(rows: readonly ObservationRow[], opts: { flushRows?: number; maxVantages?: number; store?: MemoryStore } = {}): Promise<MemoryStore> {
  const store = opts.store ?? new MemoryStore();
  const folder = new RunFolder(opts.maxVantages ?? 2);
  const n = opts.flushRows ?? 997;
  let version = 1;
  for (let i = 0; i < rows.length; i += n) {
    const chunk = rows.slice(i, i + n);
    await store.insertObservations(chunk);
    folder.load(await store.vantageRuns(folder.missing(chunk)));
    const folded = folder.fold(chunk, folder.nextVersion(version++));
    await store.insertRuns(folded.runs, folded.samples, folded.extended);
  }
  return store;
}

/** The rows as the store returns them (the row path's input). */
function stored(rows: readonly ObservationRow[]): ObservationRow[] {
  return [...rows].sort(compareRowOrder);
}

async function fromRuns(store: MemoryStore, zone: string): Promise<ZoneAnalysis> {
  const r = await analyzeZoneFromRuns(store, { zone });
  if (r === null) throw new Error(`no runs stored for ${zone}`);
  return r.analysis;
}

/** JSON form: the comparison of every field, with undefined and -0 as JSON has them. */
const json = (a: ZoneAnalysis): unknown => JSON.parse(JSON.stringify(a));

describe('analysis from stored runs equals analysis from rows', () => {
  it.each(catalogue.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const syn = synthesizeObservations({ ...s, stateAt: (t) => stateAt(s, t) });
    const rows = stored(syn.rows);
    const store = await ingest(rows);
    const expected = analyzeZone(rows, { zone: syn.zone });
    expect(expected.observations).toBeGreaterThan(0);
    expect(json(await fromRuns(store, syn.zone))).toEqual(json(expected));
  });
});

describe('bad input through stored runs', () => {
  const s = scenarioByName('zsk-pre-publish') as Scenario;
  const world = { ...s, stateAt: (t: number) => stateAt(s, t) };
  const base = synthesizeObservations(world);
  const baseRows = stored(base.rows);

  async function same(rows: readonly ObservationRow[], zone: string, opts: { flushRows?: number; maxVantages?: number } = {}): Promise<ZoneAnalysis> {
    const expected = analyzeZone(stored(rows), { zone });
    const got = await fromRuns(await ingest(stored(rows), opts), zone);
    expect(json(got)).toEqual(json(expected));
    return got;
  }

  it('one row per flush and one vantage point in memory: every row resumes from the store', async () => {
    await same(baseRows.slice(0, 1_500), base.zone, { flushRows: 1, maxVantages: 1 });
  });

  it('duplicated rows (a re-sent batch stored twice): counted as the rows are', async () => {
    const a = await same(baseRows.flatMap((r) => [r, { ...r }]), base.zone);
    expect(a.quality.duplicates).toBe(baseRows.length);
  });

  it('an agent offline for a while: the same gap', async () => {
    const syn = synthesizeObservations(world, {
      keys: base.keys,
      resolvers: [{ id: 'r-on', behaviour: 'honest', country: 'DE', continent: 'EU' }, { id: 'r-off', behaviour: 'honest', country: 'FR', continent: 'EU', offline: { from: 50, to: 120 } }],
    });
    const a = await same(syn.rows, syn.zone);
    expect(a.quality.gaps.filter((g) => g.vantage.startsWith('r-off|')).length).toBe(1);
  });

  it('an agent whose clock runs ahead: the same skew', async () => {
    const syn = synthesizeObservations(world, { keys: base.keys, resolvers: [{ id: 'r-skew', behaviour: 'honest', country: 'DE', continent: 'EU', skewMs: 300_000 }] });
    const a = await same(syn.rows, syn.zone);
    expect(a.quality.clock_skew.map((c) => c.agent_id)).toEqual(['r-skew']);
  });

  it('truncated answers, failed queries and malformed summaries: counted the same', async () => {
    const rows: ObservationRow[] = [...base.rows];
    const first = base.rows[0] as ObservationRow;
    rows.push({ ...first, seq: 90_001, tc: 1, tc_retry: 0, dnskey_key_hashes: [], dnskey_flags: [], dnskey_algorithms: [], dnskey_key_tags: [] });
    for (let i = 0; i < 3; i++) {
      rows.push(failedRow({ agent_id: 'r-x', seq: 1 + i, idx: 0, vantage_kind: 'resolver', server: '127.0.0.1', server_name: '', country: '', continent: '', zone: base.zone, qtype: 48, observed_at_ms: base.toMs(50 + i) }, 'timeout'));
    }
    rows.push({ ...first, seq: 90_002, dnskey_flags: [257] }); // parallel arrays of different lengths
    const a = await same(rows, base.zone);
    expect(a.quality).toMatchObject({ truncated: 1, failed_queries: 3, malformed: 1 });
  });

  it('summaries without raw bytes: the same (signatures not verified)', async () => {
    const syn = synthesizeObservations(world, { keys: base.keys, withRaw: false });
    const a = await same(syn.rows, syn.zone);
    expect(a.signatures).toMatchObject({ checked: 0, without_raw: syn.rows.length });
  });

  it('signatures that do not verify: the same SIGNATURE_INVALID findings', async () => {
    const syn = synthesizeObservations(world, { keys: base.keys, corrupt: { key: 'Z11', from: 100 } });
    const a = await same(syn.rows, syn.zone);
    expect(a.findings.filter((f) => f.code === 'SIGNATURE_INVALID').length).toBe(2);
  });

  it('a key tag collision: the same keys and collisions', async () => {
    const { rows } = collideKeyTags(base, 'Z11', 'Z10');
    const a = await same(rows, base.zone);
    expect(a.quality.tag_collisions.length).toBe(1);
  });

  it('authoritative servers asked by several agents (one vantage point each): the same, one agent away for a while', async () => {
    const auth = baseRows.filter((r) => r.vantage_kind === 'authoritative');
    const others = [1, 2, 3].flatMap((k) => auth
      .filter((r) => k !== 2 || r.observed_at_ms < base.toMs(50) || r.observed_at_ms >= base.toMs(120))
      .map((r) => ({ ...r, agent_id: `auth-agent-${k + 1}`, observed_at_ms: r.observed_at_ms + k * 1_000 })));
    const a = await same([...baseRows, ...others], base.zone);
    const servers = a.lag.vantages.length;
    expect(servers).toBeGreaterThan(0);
    expect(a.vantages).toBe(new Set(baseRows.map((r) => (r.vantage_kind === 'authoritative' ? r.server : `${r.agent_id}|${r.server}`))).size);
  });

  it('rows that arrive after later rows of their vantage point: counted and stated; a rebuild from rows makes the runs exact', async () => {
    // the resolver r-honest-2 uploads rows 60..80 s late, after rows up to 120 s
    const lateAgent = 'r-honest-2';
    const isLate = (r: ObservationRow): boolean => r.agent_id === lateAgent && r.observed_at_ms >= base.toMs(60) && r.observed_at_ms < base.toMs(80);
    const upTo120 = baseRows.filter((r) => !isLate(r) && r.observed_at_ms < base.toMs(120));
    const rest = baseRows.filter((r) => !isLate(r) && r.observed_at_ms >= base.toMs(120));
    const late = baseRows.filter(isLate);
    expect(late.length).toBeGreaterThan(0);
    const store = await ingest(upTo120);
    const folder = new RunFolder();
    for (const chunk of [late, rest]) {
      await store.insertObservations(chunk);
      folder.load(await store.vantageRuns(folder.missing(chunk)));
      const folded = folder.fold(chunk, folder.nextVersion(Date.now()));
      await store.insertRuns(folded.runs, folded.samples, folded.extended);
    }
    const expected = analyzeZone(baseRows, { zone: base.zone });
    const before = await fromRuns(store, base.zone);
    expect(before.quality.rows).toBe(baseRows.length);
    expect(before.quality.notes.some((n) => n.includes(`${late.length} observations reached the collector after later ones`))).toBe(true);
    expect(before.observations).toBe(expected.observations - late.length);

    const result = await rebuildZoneRuns(store, base.zone);
    expect(result.rows).toBe(baseRows.length);
    expect(json(await fromRuns(store, base.zone))).toEqual(json(expected));
  });

  it('runs whose raw samples were never stored: not taken as covering the zone (signatures could not be verified); a rebuild stores them', async () => {
    const store = new MemoryStore();
    const folder = new RunFolder();
    await store.insertObservations(baseRows);
    const folded = folder.fold(baseRows, folder.nextVersion(1));
    await store.insertRuns(folded.runs); // the samples lost on the way
    const now = base.toMs(10_000);
    const without = await analyzeZoneIfRunsCover(store, base.zone, now);
    expect(without.result).toBeNull();
    expect(without.reason).toMatch(/raw samples of the runs are missing/);
    await rebuildZoneRuns(store, base.zone);
    const rebuilt = await analyzeZoneIfRunsCover(store, base.zone, now);
    expect(rebuilt.reason).toBeNull();
    expect(rebuilt.result?.missingRaw).toBe(0);
    expect(json((rebuilt.result as { analysis: ZoneAnalysis }).analysis)).toEqual(json(analyzeZone(stored(baseRows), { zone: base.zone, now })));
  });
});
