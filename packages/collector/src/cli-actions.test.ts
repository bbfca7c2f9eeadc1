// token create against the embedded store and through a running collector's API.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildRunsCommand, tokenCreateCommand } from './cli-actions.js';
import { sampleRow } from './storage/store-suite.js';
import type { RunRecord } from './storage/types.js';
import { openStore } from './storage/index.js';
import { harness } from './testing/harness.js';

describe('kto-collector token create', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-collector-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('with --data-dir: migrates the chdb store, stores the token hash, prints the token', async () => {
    const lines: string[] = [];
    const dataDir = join(dir, 'chdb');
    await tokenCreateCommand({ dataDir, label: 'lab', ttlS: 0, maxUses: 5 }, (l) => lines.push(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kto_et_/);
    const store = await openStore({ mode: 'chdb', dataDir });
    try {
      const rec = await store.getEnrolmentToken(createHash('sha256').update(lines[0]!).digest('hex'));
      expect(rec).toMatchObject({ label: 'lab', expires_at_ms: 0, max_uses: 5 });
    } finally {
      await store.close();
    }
  });

  it('with --api: asks the running collector with the admin token; a wrong token fails with its code', async () => {
    const h = await harness();
    try {
      await h.app.listen({ host: '127.0.0.1', port: 0 });
      const api = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
      const tokenFile = join(dir, 'admin-token');
      await writeFile(tokenFile, `${h.adminToken}\n`, { mode: 0o600 });
      const lines: string[] = [];
      await tokenCreateCommand({ api, adminTokenFile: tokenFile, label: 'via api', ttlS: 60, maxUses: 1 }, (l) => lines.push(l));
      const rec = await h.store.getEnrolmentToken(createHash('sha256').update(lines[0]!).digest('hex'));
      expect(rec).toMatchObject({ label: 'via api', max_uses: 1 });
      await writeFile(tokenFile, 'wrong\n');
      await expect(tokenCreateCommand({ api, adminTokenFile: tokenFile, label: '', ttlS: 60, maxUses: 1 }, () => undefined))
        .rejects.toMatchObject({ code: 'KTO_ERR_AUTH_BAD_TOKEN' });
    } finally {
      await h.app.close();
    }
  });
});

describe('kto-collector rebuild-runs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-collector-rebuild-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('folds the stored rows of the named zones (or of every tracked zone) into runs, one JSON line per zone', async () => {
    const dir2 = join(dir, 'chdb');
    const rows = Array.from({ length: 6 }, (_, i) => sampleRow({ zone: 'example.', idx: i, observed_at_ms: 1_700_000_000_000 + i * 60_000 }));
    let store = await openStore({ mode: 'chdb', dataDir: dir2 });
    try {
      await store.migrate();
      await store.insertObservations(rows); // stored without runs, as after a crash between the two inserts
      await store.putZone({ zone: 'example.', interval_s: 0, qtypes: [], query_authoritatives: 0, added_at_ms: 1, removed: 0, updated_at_ms: 1 });
    } finally {
      await store.close();
    }
    const lines: string[] = [];
    await rebuildRunsCommand({ dataDir: dir2, zones: ['EXAMPLE'] }, (l) => lines.push(l));
    await rebuildRunsCommand({ dataDir: dir2, zones: [] }, (l) => lines.push(l));
    expect(lines.map((l) => JSON.parse(l) as { zone: string; rows: number })).toMatchObject([{ zone: 'example.', rows: 6 }, { zone: 'example.', rows: 6 }]);
    store = await openStore({ mode: 'chdb', dataDir: dir2 });
    try {
      const runs: RunRecord[] = [];
      for await (const chunk of store.streamRuns({ zone: 'example.' })) runs.push(...chunk);
      expect(runs.filter((r) => r.kind === 'vantage').map((r) => r.observations)).toEqual([6]);
      expect(runs.filter((r) => r.kind === 'answer').map((r) => r.count)).toEqual([6]);
    } finally {
      await store.close();
    }
  });
});
