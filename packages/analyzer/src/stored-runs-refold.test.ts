// Rows that reach the collector after later rows of their vantage point (an agent resending a batch that
// got RETRY while later ones were stored) go through the collector's own writer (BatchWriter with its
// RunFolder, as `kto-collector serve` ingests): the writer re-folds those vantage points from the stored
// rows by itself, so the stored runs cover the zone again without `kto-collector rebuild-runs`, and the
// analysis from them (analyzeZoneIfRunsCover, what the live and batch paths call) equals the analysis
// from the rows.
import type { ObservationRow, Store } from '@kto/collector';
import { compareRowOrder } from '@kto/collector';
import { scenarioByName, stateAt } from '@kto/lab';
import type { Scenario } from '@kto/lab';
import { describe, expect, it, vi } from 'vitest';
import { BatchWriter } from '../../collector/src/ingest/writer.js';
import { CollectorMetrics } from '../../collector/src/metrics.js';
import { resolveInsert } from '../../collector/src/options.js';
import { RunFolder } from '../../collector/src/runs/fold.js';
import { MemoryStore } from '../../collector/src/testing/memory-store.js';
import { analyzeZone } from './analyze.js';
import { analyzeZoneIfRunsCover } from './stored-runs.js';
import { synthesizeObservations } from './testing/synthesize.js';
import type { ZoneAnalysis } from './types.js';

/** JSON form: the comparison of every field, with undefined and -0 as JSON has them. */
const json = (a: ZoneAnalysis): unknown => JSON.parse(JSON.stringify(a));

/** Submits `rows` in batches of `n` rows, one after the other, each acknowledged (stored) before the next. */
async function submitAll(w: BatchWriter, rows: readonly ObservationRow[], seq: { next: number }, n = 997): Promise<void> {
  for (let i = 0; i < rows.length; i += n) {
    const chunk = rows.slice(i, i + n);
    const s = seq.next++;
    await w.submit(chunk, { agent_id: 'lab', seq: s, rows: chunk.length, body_sha256: `${s}`.padStart(64, '0'), created_at_ms: 0 });
  }
}

describe('late rows through the collector writer', () => {
  it('are re-folded by the collector: the stored runs cover the zone and give the analysis from rows', async () => {
    const s = scenarioByName('zsk-pre-publish') as Scenario;
    const base = synthesizeObservations({ ...s, stateAt: (t: number) => stateAt(s, t) });
    const rows = [...base.rows].sort(compareRowOrder);
    // the resolver r-honest-2 uploads its rows of 0..20 s (its first ones) and of 60..80 s after rows up to 120 s
    const lateAgent = 'r-honest-2';
    const isLate = (r: ObservationRow): boolean => r.agent_id === lateAgent
      && (r.observed_at_ms < base.toMs(20) || (r.observed_at_ms >= base.toMs(60) && r.observed_at_ms < base.toMs(80)));
    const late = rows.filter(isLate);
    const upTo120 = rows.filter((r) => !isLate(r) && r.observed_at_ms < base.toMs(120));
    const rest = rows.filter((r) => !isLate(r) && r.observed_at_ms >= base.toMs(120));
    const lateVantages = new Set(late.map((r) => r.server));
    expect(late.length).toBeGreaterThan(0);
    expect(upTo120.some((r) => r.agent_id === lateAgent)).toBe(true);

    const store = new MemoryStore();
    const metrics = new CollectorMetrics();
    const w = new BatchWriter(store as Store, resolveInsert({ maxRows: 5_000, maxDelayMs: 1, retryInitialMs: 5, retryMaxMs: 20 }), {
      now: () => Date.now(), runs: new RunFolder(), metrics,
    });
    const seq = { next: 1 };
    try {
      await submitAll(w, upTo120, seq);
      await submitAll(w, late, seq, late.length);
      await submitAll(w, rest, seq);
      await vi.waitFor(() => expect(w.refoldsQueued).toBe(0), { timeout: 20_000, interval: 5 });
    } finally {
      await w.close();
    }
    // the late flush met late rows of each of the agent's vantage points, and each was re-folded once
    expect((await metrics.refolds.get()).values.map((v) => [v.labels.outcome, v.value])).toEqual([['done', lateVantages.size]]);

    const now = base.toMs(10_000);
    const covering = await analyzeZoneIfRunsCover(store, base.zone, now);
    expect(covering.reason).toBeNull();
    expect(covering.observations).toBe(rows.length);
    expect(covering.result?.late).toBe(0);
    expect(json((covering.result as { analysis: ZoneAnalysis }).analysis)).toEqual(json(analyzeZone(rows, { zone: base.zone, now })));
  });
});
