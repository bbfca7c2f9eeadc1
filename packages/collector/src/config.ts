// Command-line configuration: value parsers, the admin token file, and the store options. Precedence
// (flags > KTO_* environment > defaults) is applied by the command-line parser (cli-program.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KtoError } from '@kto/core';
import type { ServerStoreOptions, StoreOptions } from './storage/index.js';

export interface ListenAddress {
  host: string;
  port: number;
}

function invalid(what: string, value: string, expected: string): KtoError {
  return new KtoError('KTO_ERR_CONFIG_INVALID', `${what}: expected ${expected}, got ${JSON.stringify(value)}`);
}

/** HOST:PORT, [IPv6]:PORT or :PORT (all interfaces). Port 0 picks a free one. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65_535) throw invalid('--listen', text, 'HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080');
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : (m[2] as string));
  return { host, port };
}

/** A non-negative safe integer option value. */
export function parseCount(what: string): (text: string) => number {
  return (text: string) => {
    if (!/^\d{1,15}$/.test(text.trim())) throw invalid(what, text, 'a non-negative integer');
    return Number(text.trim());
  };
}

export interface StoreFlags {
  dataDir?: string | undefined;
  clickhouseUrl?: string | undefined;
  database?: string | undefined;
  clickhouseUser?: string | undefined;
  clickhousePasswordFile?: string | undefined;
}

/** openStore options from --data-dir (embedded chdb) or --clickhouse-url (server); exactly one of them. */
export async function storeOptions(f: StoreFlags): Promise<StoreOptions> {
  if ((f.dataDir === undefined) === (f.clickhouseUrl === undefined)) {
    throw new KtoError('KTO_ERR_CONFIG_INVALID', 'give exactly one of --data-dir (embedded chdb) and --clickhouse-url (ClickHouse server)');
  }
  if (f.dataDir !== undefined) {
    return { mode: 'chdb', dataDir: f.dataDir, ...(f.database !== undefined ? { database: f.database } : {}) };
  }
  const opts: ServerStoreOptions = { mode: 'server', url: f.clickhouseUrl as string };
  if (f.database !== undefined) opts.database = f.database;
  if (f.clickhouseUser !== undefined) opts.username = f.clickhouseUser;
  if (f.clickhousePasswordFile !== undefined) {
    try {
      opts.password = (await readFile(f.clickhousePasswordFile, 'utf8')).trim();
    } catch (err) {
      throw new KtoError('KTO_ERR_CONFIG_INVALID', `cannot read --clickhouse-password-file ${f.clickhousePasswordFile}: ${(err as Error).message}`);
    }
  }
  return opts;
}

/** --admin-token-file, defaulting to <data-dir>/admin-token in embedded mode. */
export function adminTokenPath(file: string | undefined, dataDir: string | undefined): string {
  if (file !== undefined) return file;
  if (dataDir !== undefined) return join(dataDir, 'admin-token');
  throw new KtoError('KTO_ERR_CONFIG_INVALID', '--admin-token-file is required with --clickhouse-url');
}

export interface AdminToken {
  token: string;
  created: boolean;
  /** Set when the file can be read by group or others. */
  warning?: string;
}

/**
 * Reads the admin token from `file`; when the file does not exist, generates a random token and
 * writes it there with mode 0600 (never overwriting: a concurrent creator wins and is read back).
 * Throws KTO_ERR_CONFIG_ADMIN_TOKEN_FILE.
 */
export async function loadOrCreateAdminToken(file: string): Promise<AdminToken> {
  const fail = (why: string, err?: unknown): KtoError =>
    new KtoError('KTO_ERR_CONFIG_ADMIN_TOKEN_FILE', `admin token file ${file}: ${why}`, undefined, err === undefined ? undefined : { cause: err });
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const fh = await open(file, 'wx', 0o600);
    const token = randomBytes(32).toString('base64url');
    try {
      await fh.writeFile(`${token}\n`, 'utf8');
    } finally {
      await fh.close();
    }
    return { token, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fail((err as Error).message, err);
  }
  let text: string;
  let mode: number;
  try {
    text = await readFile(file, 'utf8');
    mode = (await stat(file)).mode;
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  const token = text.trim();
  if (token === '') throw fail('the file is empty');
  if (/\s/.test(token)) throw fail('the token must be one line without spaces');
  return (mode & 0o077) !== 0
    ? { token, created: false, warning: `admin token file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it` }
    : { token, created: false };
}

/** Reads an existing admin token (for commands that talk to a running collector). */
export async function readAdminToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KtoError('KTO_ERR_CONFIG_ADMIN_TOKEN_FILE', `admin token file ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const token = text.trim();
  if (token === '') throw new KtoError('KTO_ERR_CONFIG_ADMIN_TOKEN_FILE', `admin token file ${file}: the file is empty`);
  return token;
}
