// The storage suite against embedded chdb. One data directory per process (a test file is a process);
// tests are isolated by database name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKtoError } from '@kto/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openChdbDriver } from './chdb-store.js';
import { openStore } from './index.js';
import { storeSuite, uniqueDatabase } from './store-suite.js';

const dataDir = mkdtempSync(join(tmpdir(), 'kto-chdb-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

storeSuite('chdb', {
  mode: 'chdb',
  open: (database, migrationsDir) =>
    openStore({ mode: 'chdb', dataDir, database, ...(migrationsDir !== undefined ? { migrationsDir } : {}) }),
  openDriver: () => openChdbDriver(dataDir),
});

describe('chdb store', () => {
  it('refuses a second data directory while one is open (KTO_ERR_STORE_DATA_DIR_BUSY), and keeps working', async () => {
    const store = await openStore({ mode: 'chdb', dataDir, database: uniqueDatabase('busy') });
    const otherDir = mkdtempSync(join(tmpdir(), 'kto-chdb-other-'));
    try {
      await store.migrate();
      const err = await openStore({ mode: 'chdb', dataDir: otherDir }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isKtoError(err, 'KTO_ERR_STORE_DATA_DIR_BUSY'), String(err)).toBe(true);
      expect(await store.ping()).toBe(true);
      expect(await store.countObservations()).toBe(0);
    } finally {
      await store.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
