#!/usr/bin/env node
// kto-analyze: the analyzer's batch mode (ARCHITECTURE.md §1). Data (JSON or tables) goes to stdout,
// errors to stderr. The only file of the package that touches `process`.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isKtoError, KtoError, normalizeName } from '@kto/core';
import { openStore, type StoreOptions } from '@kto/collector';
import { formatTable } from './batch/table.js';
import { runBatch } from './batch/run.js';

const USAGE = `Usage:
  kto-analyze run --zone Z [--from T] [--to T] (--data-dir D | --clickhouse-url U [--database DB])
                  [--format json|table] [--no-write] [--analysis-id ID] [--source auto|rows]
      Reads the zone's observations from the collector's store, analyses them, stores the result
      (tables analyses, key_sightings, transitions, findings, vantage_lag; the same --analysis-id,
      default "batch", replaces the previous result) and prints it. T: ISO 8601 with a zone
      (2026-01-31, 2026-01-31T12:00:00Z) or epoch milliseconds. Without a window the zone is read
      from its stored runs (folded at ingest) when they hold every stored row (--source auto, the
      default); --source rows reads the rows.
      Embedded chdb allows one process per data directory: run it on the --data-dir of a STOPPED
      collector (a running one analyses live: GET /v1/zones/Z/transitions ...).
  kto-analyze --help
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function usage(message: string): KtoError {
  return new KtoError('KTO_ERR_ANALYZER_USAGE', message);
}

/** Epoch ms from ISO 8601 (with a zone) or epoch milliseconds. */
export function parseTimeArg(text: string, flag: string): number {
  if (/^\d{1,16}$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  const ms = ISO.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw usage(`${flag} ${JSON.stringify(text)}: expected ISO 8601 with a zone or epoch milliseconds`);
  return ms;
}

function storeOptions(v: { 'data-dir'?: string | undefined; 'clickhouse-url'?: string | undefined; database?: string | undefined }): StoreOptions {
  const database = v.database !== undefined ? { database: v.database } : {};
  if (v['data-dir'] !== undefined && v['clickhouse-url'] !== undefined) throw usage('give one of --data-dir and --clickhouse-url, not both');
  if (v['data-dir'] !== undefined) return { mode: 'chdb', dataDir: v['data-dir'], ...database };
  if (v['clickhouse-url'] !== undefined) return { mode: 'server', url: v['clickhouse-url'], ...database };
  throw usage('a store is needed: --data-dir D (embedded chdb) or --clickhouse-url U');
}

async function runCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      zone: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
      'data-dir': { type: 'string' }, 'clickhouse-url': { type: 'string' }, database: { type: 'string' },
      format: { type: 'string', default: 'json' }, 'no-write': { type: 'boolean', default: false },
      'analysis-id': { type: 'string', default: 'batch' }, source: { type: 'string', default: 'auto' },
    },
    strict: true,
  });
  if (values.zone === undefined) throw usage('run needs --zone');
  let zone: string;
  try {
    zone = values.zone === '@' || values.zone === '.' ? '.' : normalizeName(values.zone);
  } catch (err) {
    throw usage(`--zone ${JSON.stringify(values.zone)}: ${(err as Error).message}`);
  }
  if (values.format !== 'json' && values.format !== 'table') throw usage(`--format must be json or table, got ${JSON.stringify(values.format)}`);
  if (values.source !== 'auto' && values.source !== 'rows') throw usage(`--source must be auto or rows, got ${JSON.stringify(values.source)}`);
  const source = values.source;
  const fromMs = values.from !== undefined ? parseTimeArg(values.from, '--from') : undefined;
  const toMs = values.to !== undefined ? parseTimeArg(values.to, '--to') : undefined;
  const store = await openStore(storeOptions(values));
  try {
    await store.migrate();
    const r = await runBatch(store, {
      zone, write: !values['no-write'], analysisId: values['analysis-id'], source,
      ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}),
    });
    io.stdout(values.format === 'json' ? `${JSON.stringify(r.analysis)}\n` : formatTable(r.analysis));
    const t = r.timings;
    io.stderr(`${zone}: ${r.record.header.observations} observations read from ${r.source} (${r.sourceNote}) in ${t.readMs.toFixed(0)} ms, analysed in ${t.analyzeMs.toFixed(0)} ms` +
      `${r.stored ? `, stored as analysis "${r.record.header.analysis_id}" in ${t.writeMs.toFixed(0)} ms` : ' (not stored: --no-write)'}\n`);
  } finally {
    await store.close();
  }
}

/** Runs the command line; returns the exit code (0 ok, 2 usage, 1 any other failure). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        await runCommand(rest, io);
        return 0;
      case undefined: case '--help': case '-h': case 'help':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw usage(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes
    const code = (err as { code?: unknown }).code;
    const isUsage = isKtoError(err, 'KTO_ERR_ANALYZER_USAGE') || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    const shown = isKtoError(err) ? `${err.code}: ${err.message}` : isUsage ? `KTO_ERR_ANALYZER_USAGE: ${(err as Error).message}` : String(err);
    io.stderr(`kto-analyze: ${shown}\n${isUsage ? `\n${USAGE}` : ''}`);
    return isUsage ? 2 : 1;
  }
}

const invokedAsScript = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedAsScript) {
  const code = await main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
  process.exitCode = code;
}
