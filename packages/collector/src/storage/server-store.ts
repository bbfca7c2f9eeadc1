// The scale-out store: a ClickHouse server (or a load balancer in front of a cluster) over HTTP with
// @clickhouse/client 1.x. Works with 18.16: TabSeparated inserts, JSONEachRow selects, no query
// parameters, settings sent as URL parameters.
import { Readable } from 'node:stream';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { KtoError } from '@kto/core';
import { oneBlockSettings, RETRYABLE_CLICKHOUSE_CODES, type Driver } from './driver.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './types.js';

export interface ServerStoreOptions {
  mode: 'server';
  /** e.g. http://127.0.0.1:8123 */
  url: string;
  database?: string;
  username?: string;
  password?: string;
  /** Per request; a request that takes longer fails with KTO_ERR_STORE_UNAVAILABLE. Default 30 s. */
  requestTimeoutMs?: number;
  migrationsDir?: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Node and undici error codes of a connection that failed or broke: the server is unreachable. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH',
  'ENETDOWN', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
]);

/** "Code: 62, e.displayText() = DB::Exception: …" (18.16) or "Code: 62. DB::Exception: …" (newer). */
const SERVER_EXCEPTION = /^Code: (\d+)[.,]/;

/** Maps a @clickhouse/client error to a KTO_ERR_STORE_* KtoError. */
export function mapServerError(err: unknown, what: string): KtoError {
  if (err instanceof KtoError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const head = message.split('\n', 1)[0] as string;
  let clickhouseCode: number | undefined;
  if (err instanceof ClickHouseError) clickhouseCode = Number(err.code);
  else {
    const m = SERVER_EXCEPTION.exec(message);
    if (m !== null) clickhouseCode = Number(m[1]);
  }
  if (clickhouseCode !== undefined) {
    const details = { clickhouseCode, operation: what };
    if (RETRYABLE_CLICKHOUSE_CODES.has(clickhouseCode)) {
      return new KtoError('KTO_ERR_STORE_UNAVAILABLE', `clickhouse: ${what}: ${head}`, { ...details, retryable: true }, { cause: err });
    }
    return new KtoError('KTO_ERR_STORE_QUERY', `clickhouse: ${what}: ${head}`, details, { cause: err });
  }
  const networkCode = typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code);
  if (networkCode || /^Timeout error|socket hang up/i.test(message)) {
    return new KtoError(
      'KTO_ERR_STORE_UNAVAILABLE', `clickhouse: ${what}: ${head}`,
      { code: e.code, operation: what, retryable: true }, { cause: err },
    );
  }
  return new KtoError('KTO_ERR_STORE_QUERY', `clickhouse: ${what}: ${head}`, { code: e.code, operation: what }, { cause: err });
}

class ServerDriver implements Driver {
  readonly mode = 'server' as const;
  /** Clients whose current database is a given one, for migrations (the database exists by then). */
  private readonly inDatabase = new Map<string, ClickHouseClient>();
  private readonly client: ClickHouseClient;

  constructor(private readonly opts: ServerStoreOptions) {
    this.client = this.newClient(undefined);
  }

  private newClient(database: string | undefined): ClickHouseClient {
    return createClient({
      url: this.opts.url,
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      ...(database !== undefined ? { database } : {}),
      request_timeout: this.opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Errors reach the caller as KtoErrors; the client's own console logging would double them.
      log: { level: ClickHouseLogLevel.OFF },
      // 64-bit integers as JSON numbers (exact below 2^53: ms timestamps, sequence numbers).
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
  }

  async command(sql: string): Promise<void> {
    try {
      await this.client.command({ query: sql });
    } catch (err) {
      throw mapServerError(err, 'command');
    }
  }

  async commandInDatabase(database: string, sql: string): Promise<void> {
    let client = this.inDatabase.get(database);
    if (client === undefined) {
      client = this.newClient(database);
      this.inDatabase.set(database, client);
    }
    try {
      await client.command({ query: sql });
    } catch (err) {
      throw mapServerError(err, 'command');
    }
  }

  async select<T>(sql: string): Promise<T[]> {
    try {
      const rs = await this.client.query({ query: sql, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (err) {
      throw mapServerError(err, 'select');
    }
  }

  async insertTsv(table: string, columns: readonly string[], payload: Buffer, rows: number): Promise<void> {
    try {
      // One HTTP request, one INSERT statement; the body is the whole payload.
      const settings = oneBlockSettings(rows, payload.length);
      await this.client.insert({
        table,
        columns: columns as [string, ...string[]],
        values: Readable.from([payload], { objectMode: false }),
        format: 'TabSeparated',
        ...(settings !== undefined ? { clickhouse_settings: settings } : {}),
      });
    } catch (err) {
      throw mapServerError(err, `insert into ${table}`);
    }
  }

  async ping(): Promise<boolean> {
    const r = await this.client.ping();
    return r.success;
  }

  async close(): Promise<void> {
    const clients = [this.client, ...this.inDatabase.values()];
    this.inDatabase.clear();
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** A driver for `opts.url`; the store below and the tests use it. No connection is made until a call. */
export function openServerDriver(opts: ServerStoreOptions): Driver {
  return new ServerDriver(opts);
}

export function openServerStore(opts: ServerStoreOptions, database: string, migrationsDir: string): Store {
  return new SqlStore(openServerDriver(opts), database, migrationsDir);
}
