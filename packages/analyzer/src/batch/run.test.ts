// Batch mode end to end on the embedded store: observations of a lab scenario (synthesized with signed
// raw answers) are stored in chdb, `kto-analyze run` (the real CLI, built) reads them back, analyses
// them, writes the analysis tables and prints the result; a second run replaces the first.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openStore } from '@kto/collector';
import { scenarioByName, stateAt, truthOf } from '@kto/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeObservations } from '../testing/synthesize.js';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

describe('kto-analyze run on a chdb store', () => {
  let dir: string;
  let zone: string;
  const scenario = scenarioByName('zsk-pre-publish')!;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-batch-'));
    const syn = synthesizeObservations({ ...scenario, stateAt: (t) => stateAt(scenario, t) });
    zone = syn.zone;
    const store = await openStore({ mode: 'chdb', dataDir: join(dir, 'data') });
    await store.migrate();
    await store.insertObservations(syn.rows.map((r, i) => ({ ...r, idx: i })));
    await store.close();
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads, classifies as the truth says, stores the result, and replaces it on a re-run', async () => {
    const args = [CLI, 'run', '--zone', zone, '--data-dir', join(dir, 'data'), '--format', 'json'];
    const first = JSON.parse((await run(process.execPath, args, { maxBuffer: 64 << 20 })).stdout) as {
      transitions: { procedure: string }[]; findings: unknown[];
    };
    expect(first.transitions.map((t) => t.procedure)).toContain(truthOf(scenario).procedure);
    expect(first.findings).toEqual([]);
    await run(process.execPath, args, { maxBuffer: 64 << 20 });
    const store = await openStore({ mode: 'chdb', dataDir: join(dir, 'data') });
    try {
      const stored = await store.latestAnalysis(zone);
      expect(stored?.header.mode).toBe('batch');
      expect(stored?.transitions.map((t) => t.procedure)).toContain(truthOf(scenario).procedure);
      expect(stored?.findings).toEqual([]);
    } finally {
      await store.close();
    }
    const table = (await run(process.execPath, [...args.slice(0, -1), 'table', '--no-write'])).stdout;
    expect(table).toContain(truthOf(scenario).procedure);
  }, 180_000);
});
