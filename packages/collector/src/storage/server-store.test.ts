// The storage suite against a real ClickHouse server (Debian's clickhouse-server 18.16 on these
// machines), started on free loopback ports by the test harness and stopped by PID afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from '../../../../test/support/clickhouse-server.js';
import { isKtoError } from '@kto/core';
import { openStore } from './index.js';
import { openServerDriver } from './server-store.js';
import { closedPort, sampleRow, storeSuite, uniqueDatabase } from './store-suite.js';

let server: ClickHouseServer;
beforeAll(async () => {
  server = await startClickHouseServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
}, 60_000);

storeSuite('server', {
  mode: 'server',
  open: (database, migrationsDir) =>
    openStore({ mode: 'server', url: server.url, database, ...(migrationsDir !== undefined ? { migrationsDir } : {}) }),
  openUnreachable: async () => openStore({ mode: 'server', url: `http://127.0.0.1:${await closedPort()}`, database: 'kto' }),
  openDriver: () => openServerDriver({ mode: 'server', url: server.url }),
});

describe('test harness', () => {
  it('finds the installed binary, and says how to install it when there is none', () => {
    expect(findClickHouseServer()).toMatch(/clickhouse-server$/);
    expect(() => findClickHouseServer({ PATH: '/nonexistent' }, [])).toThrow(/apt-get install -y clickhouse-server.*\.ci\/run/);
    expect(() => findClickHouseServer({ KTO_CLICKHOUSE_SERVER: '/nonexistent/clickhouse-server' })).toThrow(/does not exist/);
  });
});

describe('server store while the server is away', () => {
  it('a stopped (SIGSTOP) server times out as KTO_ERR_STORE_UNAVAILABLE; after SIGCONT it works again', async () => {
    const store = await openStore({ mode: 'server', url: server.url, database: uniqueDatabase('pause'), requestTimeoutMs: 500 });
    try {
      await store.migrate();
      server.pause();
      try {
        const err = await store.insertObservations([sampleRow()]).then(() => null, (e: unknown) => e);
        expect(isKtoError(err, 'KTO_ERR_STORE_UNAVAILABLE'), String(err)).toBe(true);
      } finally {
        server.resume();
      }
      await store.insertObservations([sampleRow({ idx: 1 })]);
      expect(await store.queryObservations({ zone: 'example.', limit: 10 }).then((r) => r.map((x) => x.idx))).toContain(1);
    } finally {
      await store.close();
    }
  });

  it('a halted server refuses connections (KTO_ERR_STORE_UNAVAILABLE); restarted, it has kept the data', async () => {
    const store = await openStore({ mode: 'server', url: server.url, database: uniqueDatabase('halt') });
    try {
      await store.migrate();
      await store.insertObservations([sampleRow({ idx: 0 }), sampleRow({ idx: 1 })]);
      await server.halt();
      expect(server.pid).toBe(0);
      expect(await store.ping()).toBe(false);
      const err = await store.countObservations().then(() => null, (e: unknown) => e);
      expect(isKtoError(err, 'KTO_ERR_STORE_UNAVAILABLE'), String(err)).toBe(true);
      await server.start();
      expect(server.pid).toBeGreaterThan(0);
      expect(await store.ping()).toBe(true);
      expect(await store.countObservations()).toBe(2);
    } finally {
      await store.close();
    }
  }, 60_000);
});
