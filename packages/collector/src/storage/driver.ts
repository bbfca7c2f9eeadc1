// What a store needs from a ClickHouse connection: the seam between the shared SQL store (sql-store.ts)
// and the two transports (chdb-store.ts in process, server-store.ts over HTTP). Every method throws a
// KtoError with a KTO_ERR_STORE_* code (storage/errors.ts), never a transport's own error.

export interface Driver {
  readonly mode: 'chdb' | 'server';
  /** A statement without a result (DDL). */
  command(sql: string): Promise<void>;
  /** A statement with unqualified table names, run with `database` as the current database (migrations). */
  commandInDatabase(database: string, sql: string): Promise<void>;
  /** A SELECT; its rows as parsed JSONEachRow objects (64-bit integers as numbers). */
  select<T>(sql: string): Promise<T[]>;
  /** One INSERT statement of a TabSeparated payload of `rows` rows: all rows or none. */
  insertTsv(table: string, columns: readonly string[], payload: Buffer, rows: number): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Default block limits of ClickHouse (max_insert_block_size, min_insert_block_size_rows/bytes). */
const DEFAULT_BLOCK_ROWS = 1_048_449;
const DEFAULT_BLOCK_BYTES = 268_402_944;

/**
 * Settings that keep an INSERT of `rows` rows and `bytes` payload bytes one block, hence written only
 * after the whole payload parsed (all rows or none): the parser's blocks are squashed up to these sizes.
 * Below the defaults nothing needs changing (and nothing is sent).
 */
export function oneBlockSettings(rows: number, bytes: number): Record<string, number> | undefined {
  // parsed blocks can be larger than their text (fixed-width integers, array offsets): keep a margin
  if (rows < DEFAULT_BLOCK_ROWS && 4 * bytes < DEFAULT_BLOCK_BYTES) return undefined;
  const blockRows = Math.max(DEFAULT_BLOCK_ROWS, rows + 1);
  return {
    max_insert_block_size: blockRows,
    min_insert_block_size_rows: blockRows,
    min_insert_block_size_bytes: Math.max(DEFAULT_BLOCK_BYTES, 4 * bytes),
  };
}

/** ClickHouse error codes that mean "try again later" rather than "this statement is wrong". */
export const RETRYABLE_CLICKHOUSE_CODES: ReadonlySet<number> = new Set([
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);
