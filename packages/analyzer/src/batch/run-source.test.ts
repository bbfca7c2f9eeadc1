// Batch mode reads a zone from its stored runs on the embedded store (chdb): the observations of a lab
// scenario go in as the collector's writer stores them (rows, then the runs folded from them), and the
// analysis from the runs equals the analysis from the rows, field for field. Rows stored without their
// runs make batch mode read the rows again, and a rebuild brings the runs back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRowOrder, openStore, rebuildZoneRuns, RunFolder, type ObservationRow, type Store } from '@kto/collector';
import { scenarioByName, stateAt } from '@kto/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeObservations } from '../testing/synthesize.js';
import { runBatch } from './run.js';

describe('batch mode from stored runs (chdb)', () => {
  let dir: string;
  let store: Store;
  let zone: string;
  let rows: ObservationRow[];
  const now = (): number => Date.UTC(2030, 0, 1);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-batch-runs-'));
    const s = scenarioByName('ksk-double-ds')!;
    const syn = synthesizeObservations({ ...s, stateAt: (t) => stateAt(s, t) });
    zone = syn.zone;
    rows = [...syn.rows].sort(compareRowOrder);
    store = await openStore({ mode: 'chdb', dataDir: join(dir, 'data') });
    await store.migrate();
    const folder = new RunFolder(4);
    for (let i = 0; i < rows.length; i += 2_000) {
      const chunk = rows.slice(i, i + 2_000);
      await store.insertObservations(chunk);
      folder.load(await store.vantageRuns(folder.missing(chunk)));
      const folded = folder.fold(chunk, folder.nextVersion(i + 1));
      await store.insertRuns(folded.runs, folded.samples);
    }
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the runs, and the analysis equals the one from the rows', async () => {
    const fromRuns = await runBatch(store, { zone, write: false, now });
    expect(fromRuns.source).toBe('runs');
    expect(fromRuns.record.header.observations).toBe(rows.length);
    const fromRows = await runBatch(store, { zone, write: false, now, source: 'rows' });
    expect(fromRows.source).toBe('rows');
    expect(fromRows.analysis.transitions.length).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(fromRuns.analysis))).toEqual(JSON.parse(JSON.stringify(fromRows.analysis)));
    // a window reads rows
    expect((await runBatch(store, { zone, write: false, now, fromMs: 0 })).source).toBe('rows');
  }, 120_000);

  it('rows without their runs: batch mode reads the rows and says why; a rebuild restores the runs', async () => {
    const last = rows[rows.length - 1] as ObservationRow;
    const extra = { ...last, seq: last.seq + 1_000_000, observed_at_ms: last.observed_at_ms + 5_000 };
    await store.insertObservations([extra]);
    const behind = await runBatch(store, { zone, write: false, now });
    expect(behind.source).toBe('rows');
    expect(behind.sourceNote).toContain(`hold ${rows.length} of ${rows.length + 1} stored rows`);
    await rebuildZoneRuns(store, zone);
    const rebuilt = await runBatch(store, { zone, write: false, now });
    expect(rebuilt.source).toBe('runs');
    expect(JSON.parse(JSON.stringify(rebuilt.analysis))).toEqual(JSON.parse(JSON.stringify(behind.analysis)));
  }, 120_000);
});
