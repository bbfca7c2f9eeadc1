// The kto-collector command line (commander). Every flag has a KTO_* environment variable; precedence
// is flags > environment > defaults. Actions are injected, so the parsing is testable on its own.
import { Command, Option } from 'commander';
import { parseCount, parseListen, type ListenAddress, type StoreFlags } from './config.js';
import type { InsertOptions, Limits } from './options.js';
import { DEFAULT_INSERT, DEFAULT_LIMITS } from './options.js';
import { DEFAULT_TOKEN_MAX_USES, DEFAULT_TOKEN_TTL_S } from './schemas/enrolment.js';
import { VERSION } from './version.js';

export interface ServeConfig extends StoreFlags {
  listen: ListenAddress;
  adminTokenFile?: string | undefined;
  logLevel: string;
  limits: Partial<Limits>;
  insert: Partial<InsertOptions>;
}

export interface TokenCreateConfig extends StoreFlags {
  label: string;
  ttlS: number;
  maxUses: number;
  /** Ask a running collector instead of opening the store. */
  api?: string | undefined;
  adminTokenFile?: string | undefined;
}

export interface RebuildRunsConfig extends StoreFlags {
  /** Zones to rebuild; empty: every tracked zone. */
  zones: string[];
}

export interface CliActions {
  serve(cfg: ServeConfig): Promise<void>;
  tokenCreate(cfg: TokenCreateConfig): Promise<void>;
  rebuildRuns(cfg: RebuildRunsConfig): Promise<void>;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function storeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', 'embedded chdb store in this directory').env('KTO_DATA_DIR').conflicts('clickhouseUrl'))
    .addOption(new Option('--clickhouse-url <url>', 'ClickHouse server HTTP endpoint, e.g. http://127.0.0.1:8123').env('KTO_CLICKHOUSE_URL'))
    .addOption(new Option('--database <name>', 'database name (default: kto)').env('KTO_DATABASE'))
    .addOption(new Option('--clickhouse-user <name>', 'ClickHouse user').env('KTO_CLICKHOUSE_USER'))
    .addOption(new Option('--clickhouse-password-file <file>', 'file holding the ClickHouse password').env('KTO_CLICKHOUSE_PASSWORD_FILE'));
}

/** The values of storeOptions' flags. */
function storeFlags(o: Record<string, unknown>): StoreFlags {
  return {
    dataDir: o.dataDir as string | undefined,
    clickhouseUrl: o.clickhouseUrl as string | undefined,
    database: o.database as string | undefined,
    clickhouseUser: o.clickhouseUser as string | undefined,
    clickhousePasswordFile: o.clickhousePasswordFile as string | undefined,
  };
}

function count(flags: string, description: string, env: string, def: number): Option {
  return new Option(flags, description).env(env).default(def).argParser(parseCount(flags.split(' ')[0] as string));
}

export function buildProgram(actions: CliActions): Command {
  const program = new Command('kto-collector')
    .description('KTO collector: receives signed observation batches from agents, stores them, serves the API')
    .version(VERSION)
    .showHelpAfterError();

  const serve = storeOptions(program.command('serve').description('run the collector (HTTP API, agent WebSocket and HTTP ingest)'))
    .addOption(new Option('--listen <host:port>', 'address to listen on ([::1]:8080 for IPv6)').env('KTO_LISTEN')
      .default('127.0.0.1:8080'))
    .addOption(new Option('--admin-token-file <file>', 'admin bearer token; generated (mode 0600) when absent '
      + '(default: <data-dir>/admin-token)').env('KTO_ADMIN_TOKEN_FILE'))
    .addOption(new Option('--log-level <level>', 'log level (logs go to stderr as JSON)').env('KTO_LOG_LEVEL')
      .choices(LOG_LEVELS).default('info'))
    .addOption(count('--max-body-bytes <n>', 'largest accepted batch, bytes', 'KTO_MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes))
    .addOption(count('--agent-rate <n>', 'observations per second per agent (token bucket rate)', 'KTO_AGENT_RATE', DEFAULT_LIMITS.agentRatePerS))
    .addOption(count('--agent-burst <n>', 'observations per agent in a burst (bucket size)', 'KTO_AGENT_BURST', DEFAULT_LIMITS.agentBurst))
    .addOption(count('--clock-skew-ms <n>', 'accepted distance of agent clocks (Hello, batch times), ms', 'KTO_CLOCK_SKEW_MS', DEFAULT_LIMITS.clockSkewMs))
    .addOption(count('--max-observation-age-ms <n>', 'oldest accepted observation, ms before now', 'KTO_MAX_OBSERVATION_AGE_MS', DEFAULT_LIMITS.maxObservationAgeMs))
    .addOption(count('--max-pending-rows <n>', 'rows waiting for storage before batches get RETRY', 'KTO_MAX_PENDING_ROWS', DEFAULT_LIMITS.maxPendingRows))
    .addOption(count('--insert-max-rows <n>', 'flush an insert at this many rows ...', 'KTO_INSERT_MAX_ROWS', DEFAULT_INSERT.maxRows))
    .addOption(count('--insert-max-delay-ms <n>', '... or when the oldest row waited this long, ms', 'KTO_INSERT_MAX_DELAY_MS', DEFAULT_INSERT.maxDelayMs))
    .addOption(count('--run-cache-vantages <n>', 'vantage points whose open runs stay in memory while rows are folded into runs (~2 kB per series)',
      'KTO_RUN_CACHE_VANTAGES', DEFAULT_INSERT.runCacheVantages))
    .action(async (o: Record<string, unknown>) => {
      await actions.serve({
        ...storeFlags(o),
        listen: parseListen(o.listen as string),
        adminTokenFile: o.adminTokenFile as string | undefined,
        logLevel: o.logLevel as string,
        limits: {
          maxBodyBytes: o.maxBodyBytes as number,
          agentRatePerS: o.agentRate as number,
          agentBurst: o.agentBurst as number,
          clockSkewMs: o.clockSkewMs as number,
          maxObservationAgeMs: o.maxObservationAgeMs as number,
          maxPendingRows: o.maxPendingRows as number,
        },
        insert: { maxRows: o.insertMaxRows as number, maxDelayMs: o.insertMaxDelayMs as number, runCacheVantages: o.runCacheVantages as number },
      });
    });
  serve.addHelpText('after', '\nExactly one of --data-dir and --clickhouse-url. Precedence: flags > KTO_* environment > defaults.');

  const token = program.command('token').description('enrolment tokens for agents');
  storeOptions(token.command('create').description('create an enrolment token and print it on stdout'))
    .addOption(new Option('--label <text>', 'a note for the admin').env('KTO_TOKEN_LABEL').default(''))
    .addOption(count('--ttl-s <n>', 'lifetime in seconds, 0 = never expires', 'KTO_TOKEN_TTL_S', DEFAULT_TOKEN_TTL_S))
    .addOption(count('--max-uses <n>', 'agents that may enrol with it, 0 = unlimited', 'KTO_TOKEN_MAX_USES', DEFAULT_TOKEN_MAX_USES))
    .addOption(new Option('--api <url>', 'ask a running collector (e.g. http://127.0.0.1:8080) instead of opening the store')
      .env('KTO_API').conflicts(['dataDir', 'clickhouseUrl']))
    .addOption(new Option('--admin-token-file <file>', 'admin token of the collector (with --api; default: <data-dir>/admin-token)')
      .env('KTO_ADMIN_TOKEN_FILE'))
    .action(async (o: Record<string, unknown>) => {
      await actions.tokenCreate({
        ...storeFlags(o),
        label: o.label as string,
        ttlS: o.ttlS as number,
        maxUses: o.maxUses as number,
        api: o.api as string | undefined,
        adminTokenFile: o.adminTokenFile as string | undefined,
      });
    });
  token.addHelpText('after', '\nWhile a collector runs on an embedded chdb data directory, use --api (one process per data directory).');

  storeOptions(program.command('rebuild-runs').description('fold the stored rows of zones into runs again (rows stored before the runs table, after a crash between the two inserts of a flush, or re-folds left queued when a collector stopped; run it with no collector ingesting the zone)'))
    .addOption(new Option('--zone <zone...>', 'zone(s) to rebuild (default: every tracked zone)'))
    .action(async (o: Record<string, unknown>) => {
      await actions.rebuildRuns({
        ...storeFlags(o),
        zones: (o.zone as string[] | undefined) ?? [],
      });
    })
    .addHelpText('after', '\nRun it while no collector ingests these zones (with chdb: while the collector is stopped).');
  return program;
}
