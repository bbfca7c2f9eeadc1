// The embedded store: ClickHouse in process through chdb (npm `chdb` 3.x). Only the async APIs are used,
// so queries and inserts run on libuv's pool, not on the event loop. chdb binds one data directory per
// process: stores on the same dataDir share it, a store on another one fails with
// KTO_ERR_STORE_DATA_DIR_BUSY while the first is open.
import { mkdirSync } from 'node:fs';
import { KtoError } from '@kto/core';
import { Session } from 'chdb';
import { oneBlockSettings, RETRYABLE_CLICKHOUSE_CODES, type Driver } from './driver.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './types.js';

export interface ChdbStoreOptions {
  mode: 'chdb';
  /** Data directory (created if absent). */
  dataDir: string;
  database?: string;
  migrationsDir?: string;
}

interface ChdbErrorLike {
  code?: unknown;
  clickhouseCode?: unknown;
  message?: unknown;
}

/** The first line of an engine message (ClickHouse appends row dumps and stack traces). */
function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl < 0 ? message : message.slice(0, nl);
}

/** Maps a chdb error (ChdbError subclasses, told apart by `code`) to a KTO_ERR_STORE_* KtoError. */
export function mapChdbError(err: unknown, what: string): KtoError {
  if (err instanceof KtoError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ChdbErrorLike;
  const message = typeof e.message === 'string' ? firstLine(e.message) : String(err);
  const clickhouseCode = typeof e.clickhouseCode === 'number' ? e.clickhouseCode : undefined;
  const details = { clickhouseCode, chdbCode: e.code, operation: what };
  switch (e.code) {
    case 'CHDB_CLOSED':
      return new KtoError('KTO_ERR_STORE_CLOSED', `chdb: ${what}: ${message}`, details, { cause: err });
    case 'CHDB_CONNECTION':
    case 'CHDB_TIMEOUT':
    case 'CHDB_ABORT':
      return new KtoError('KTO_ERR_STORE_UNAVAILABLE', `chdb: ${what}: ${message}`, { ...details, retryable: true }, { cause: err });
    default:
      if (clickhouseCode !== undefined && RETRYABLE_CLICKHOUSE_CODES.has(clickhouseCode)) {
        return new KtoError('KTO_ERR_STORE_UNAVAILABLE', `chdb: ${what}: ${message}`, { ...details, retryable: true }, { cause: err });
      }
      return new KtoError('KTO_ERR_STORE_QUERY', `chdb: ${what}: ${message}`, details, { cause: err });
  }
}

/** Splits a JSONEachRow result into parsed rows. */
function parseJsonLines<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}

class ChdbDriver implements Driver {
  readonly mode = 'chdb' as const;
  /**
   * Serialises the `USE db` + statement pairs of migrations. The current database belongs to this
   * session alone (other sessions on the same data directory keep theirs), and every other statement
   * of the store names its database, so only these pairs depend on it.
   */
  private useChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly session: Session) {}

  async command(sql: string): Promise<void> {
    try {
      await this.session.queryAsync(sql);
    } catch (err) {
      throw mapChdbError(err, 'command');
    }
  }

  commandInDatabase(database: string, sql: string): Promise<void> {
    const run = this.useChain.then(async () => {
      await this.command(`USE ${database}`);
      await this.command(sql);
    });
    this.useChain = run.catch(() => undefined);
    return run;
  }

  async select<T>(sql: string): Promise<T[]> {
    let text: string;
    try {
      text = (await this.session.queryAsync(sql, { format: 'JSONEachRow' })).text();
    } catch (err) {
      throw mapChdbError(err, 'select');
    }
    return parseJsonLines<T>(text);
  }

  async insertTsv(table: string, columns: readonly string[], payload: Buffer, rows: number): Promise<void> {
    try {
      const settings = oneBlockSettings(rows, payload.length);
      await this.session.insert({ table, columns, values: payload, format: 'TSV', ...(settings !== undefined ? { settings } : {}) });
    } catch (err) {
      throw mapChdbError(err, `insert into ${table}`);
    }
  }

  async ping(): Promise<boolean> {
    if (!this.session.open) return false;
    try {
      await this.session.queryAsync('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.session.close();
  }
}

/** A driver on `dataDir` (created if absent); the store below and the tests use it. */
export function openChdbDriver(dataDir: string): Driver {
  mkdirSync(dataDir, { recursive: true });
  try {
    // 64-bit integers as JSON numbers (exact below 2^53: ms timestamps, sequence numbers).
    return new ChdbDriver(new Session(dataDir, { connectionArgs: ['--output_format_json_quote_64bit_integers=0'] }));
  } catch (err) {
    const e = err as ChdbErrorLike;
    if (e.code === 'CHDB_CONNECTION') {
      throw new KtoError(
        'KTO_ERR_STORE_DATA_DIR_BUSY',
        `chdb: cannot open ${dataDir}: ${typeof e.message === 'string' ? firstLine(e.message) : String(err)}`,
        { dataDir },
        { cause: err },
      );
    }
    throw mapChdbError(err, `open ${dataDir}`);
  }
}

export function openChdbStore(opts: ChdbStoreOptions, database: string, migrationsDir: string): Store {
  return new SqlStore(openChdbDriver(opts.dataDir), database, migrationsDir);
}
