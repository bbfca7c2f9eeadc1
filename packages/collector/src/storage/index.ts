// Opening a store: embedded chdb (default deployment) or a ClickHouse server over HTTP. Each mode's
// module is loaded on demand, so a server-mode collector never loads chdb's native library.
import { KtoError } from '@kto/core';
import type { ChdbStoreOptions } from './chdb-store.js';
import { isSqlIdentifier } from './escape.js';
import { DEFAULT_MIGRATIONS_DIR } from './migrations.js';
import type { ServerStoreOptions } from './server-store.js';
import type { Store } from './types.js';

export type { ChdbStoreOptions } from './chdb-store.js';
export type { ServerStoreOptions } from './server-store.js';
export type * from './types.js';
export { STORE_ERRORS, type StoreErrorCode } from './errors.js';
export { DEFAULT_MIGRATIONS_DIR } from './migrations.js';
/** The value → ClickHouse text functions, for any other code that builds statements (18.16 has no parameters). */
export { isSqlIdentifier, sqlString, sqlUInt, TsvWriter } from './escape.js';

export type StoreOptions = ChdbStoreOptions | ServerStoreOptions;

export const DEFAULT_DATABASE = 'kto';

function badOptions(message: string): KtoError {
  return new KtoError('KTO_ERR_STORE_BAD_OPTIONS', `openStore: ${message}`);
}

/**
 * Opens a store without touching its data: the server store connects on first use, the chdb store opens
 * its data directory. Call `migrate()` next; it creates the database (default `kto`) when absent.
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const database = opts.database ?? DEFAULT_DATABASE;
  if (!isSqlIdentifier(database)) {
    throw badOptions(`database must match [A-Za-z_][A-Za-z0-9_]* (at most 64 characters), got ${JSON.stringify(database)}`);
  }
  const migrationsDir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  switch (opts.mode) {
    case 'chdb': {
      if (typeof opts.dataDir !== 'string' || opts.dataDir === '') throw badOptions('chdb mode needs a dataDir');
      const { openChdbStore } = await import('./chdb-store.js');
      return openChdbStore(opts, database, migrationsDir);
    }
    case 'server': {
      let url: URL;
      try {
        url = new URL(opts.url);
      } catch {
        throw badOptions(`server mode needs an http(s) url, got ${JSON.stringify(opts.url)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw badOptions(`server mode needs an http(s) url, got ${JSON.stringify(opts.url)}`);
      }
      const { openServerStore } = await import('./server-store.js');
      return openServerStore(opts, database, migrationsDir);
    }
    default:
      throw badOptions(`mode must be 'chdb' or 'server', got ${JSON.stringify((opts as { mode?: unknown }).mode)}`);
  }
}
