// The migration runner: numbered SQL files (migrations/NNNN_verb_object.sql) applied in order to the
// store's database and recorded in `schema_migrations`. Each file is safe to re-run (CREATE … IF NOT
// EXISTS), so two runners racing each other both succeed; a file edited after it was applied is refused.
// ClickHouse 18.16 has no ALTER TABLE … ADD COLUMN IF NOT EXISTS: for a plain ADD COLUMN, "a column
// with this name already exists" counts as done, so such a file is safe to re-run too.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isKtoError, KtoError } from '@kto/core';
import type { Driver } from './driver.js';
import { encodeMigration, MIGRATION_COLUMNS } from './rows.js';
import type { StoreSql } from './sql.js';
import type { MigrationReport } from './types.js';

/** packages/collector/migrations, seen from src/storage/ and from dist/storage/ alike. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_[a-z0-9]+(?:_[a-z0-9]+)*\.sql$/;

export interface MigrationFile {
  name: string;
  /** SHA-256 (hex) of the file's bytes. */
  checksum: string;
  statements: string[];
}

/**
 * Splits a migration into statements: a `;` at the end of a line ends one. Statements holding only
 * comments and blank lines are dropped.
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/;[ \t]*(?:\r?\n|$)/)) {
    const meaningful = part.split(/\r?\n/).some((line) => {
      const t = line.trim();
      return t !== '' && !t.startsWith('--');
    });
    if (meaningful) out.push(part.trim());
  }
  return out;
}

function migrationError(file: string, message: string, cause?: unknown): KtoError {
  return new KtoError('KTO_ERR_STORE_MIGRATION', `migration ${file}: ${message}`, { file }, { cause });
}

/** The .sql files of `dir`, sorted by number; a .sql file not named NNNN_verb_object.sql is an error. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.sql'));
  } catch (err) {
    throw migrationError(dir, 'cannot read the migrations directory', err);
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    const m = FILE_NAME.exec(name);
    if (m === null) throw migrationError(name, 'the name is not NNNN_verb_object.sql');
    const other = seen.get(m[1] as string);
    if (other !== undefined) throw migrationError(name, `number ${m[1]} is also used by ${other}`);
    seen.set(m[1] as string, name);
  }
  names.sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const bytes = await readFile(join(dir, name));
    const statements = splitStatements(bytes.toString('utf8'));
    if (statements.length === 0) throw migrationError(name, 'holds no statement');
    files.push({ name, checksum: createHash('sha256').update(bytes).digest('hex'), statements });
  }
  return files;
}

/** ClickHouse codes of a CREATE racing another runner's (TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS). */
const ALREADY_EXISTS = new Set([57, 82]);

/** An ADD COLUMN whose column is there already (DUPLICATE_COLUMN on 26.x, ILLEGAL_COLUMN on 18.16). */
function columnAlreadyAdded(sql: string, err: unknown): boolean {
  const statement = sql.replace(/^[ \t]*--.*$/gm, '');
  return /^\s*ALTER\s+TABLE\b[\s\S]*\bADD\s+COLUMN\b/i.test(statement) &&
    isKtoError(err, 'KTO_ERR_STORE_QUERY') &&
    /column with this name already exists/i.test(err.message);
}

async function applyStatement(driver: Driver, database: string, file: string, index: number, sql: string): Promise<void> {
  let failure: unknown;
  try {
    await driver.commandInDatabase(database, sql);
    return;
  } catch (err) {
    if (columnAlreadyAdded(sql, err)) return;
    failure = err;
  }
  const code = isKtoError(failure) ? failure.details?.clickhouseCode : undefined;
  if (typeof code === 'number' && ALREADY_EXISTS.has(code)) {
    // Another runner created the object between IF NOT EXISTS's check and the create: run again (a no-op).
    try {
      await driver.commandInDatabase(database, sql);
      return;
    } catch (err) {
      failure = err;
    }
  }
  // An unreachable store is retryable as such; only a statement the store refused is a migration error.
  if (isKtoError(failure, 'KTO_ERR_STORE_UNAVAILABLE') || isKtoError(failure, 'KTO_ERR_STORE_CLOSED')) throw failure;
  const message = failure instanceof Error ? failure.message : String(failure);
  throw migrationError(file, `statement ${index + 1} failed: ${message}`, failure);
}

/** Applies the files not recorded in `schema_migrations` yet, in order, and records each one. */
export async function runMigrations(
  driver: Driver, sql: StoreSql, files: readonly MigrationFile[], serverVersion: string,
): Promise<MigrationReport> {
  await driver.command(sql.createDatabase());
  await driver.command(sql.createMigrationsTable());
  const applied = new Map<string, string>();
  for (const r of await driver.select<{ name: string; checksum: string }>(sql.appliedMigrations())) {
    applied.set(r.name, r.checksum);
  }
  const report: MigrationReport = { applied: [], already: [], serverVersion };
  for (const file of files) {
    const checksum = applied.get(file.name);
    if (checksum !== undefined) {
      if (checksum !== file.checksum) {
        throw migrationError(file.name, `changed after it was applied (recorded sha256 ${checksum}, file ${file.checksum}); add a new migration instead`);
      }
      report.already.push(file.name);
      continue;
    }
    for (let i = 0; i < file.statements.length; i++) {
      await applyStatement(driver, sql.database, file.name, i, file.statements[i] as string);
    }
    await driver.insertTsv(sql.migrations, MIGRATION_COLUMNS, encodeMigration(file.name, file.checksum, Date.now()), 1);
    report.applied.push(file.name);
  }
  return report;
}
