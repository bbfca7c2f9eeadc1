import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildProgram, type RebuildRunsConfig, type ServeConfig, type TokenCreateConfig } from './cli-program.js';
import { DEFAULT_INSERT, DEFAULT_LIMITS } from './options.js';

const ENV_VARS = [
  'KTO_LISTEN', 'KTO_DATA_DIR', 'KTO_CLICKHOUSE_URL', 'KTO_DATABASE', 'KTO_CLICKHOUSE_USER', 'KTO_CLICKHOUSE_PASSWORD_FILE',
  'KTO_ADMIN_TOKEN_FILE', 'KTO_LOG_LEVEL', 'KTO_MAX_BODY_BYTES', 'KTO_AGENT_RATE', 'KTO_AGENT_BURST', 'KTO_CLOCK_SKEW_MS',
  'KTO_MAX_OBSERVATION_AGE_MS', 'KTO_MAX_PENDING_ROWS', 'KTO_INSERT_MAX_ROWS', 'KTO_INSERT_MAX_DELAY_MS', 'KTO_RUN_CACHE_VANTAGES',
  'KTO_TOKEN_LABEL', 'KTO_TOKEN_TTL_S', 'KTO_TOKEN_MAX_USES', 'KTO_API',
];

function run(args: string[]): Promise<{ serve?: ServeConfig; token?: TokenCreateConfig; rebuild?: RebuildRunsConfig }> {
  const got: { serve?: ServeConfig; token?: TokenCreateConfig; rebuild?: RebuildRunsConfig } = {};
  const program = buildProgram({
    serve: async (cfg) => { got.serve = cfg; },
    tokenCreate: async (cfg) => { got.token = cfg; },
    rebuildRuns: async (cfg) => { got.rebuild = cfg; },
  });
  const quiet = { writeErr: () => undefined, writeOut: () => undefined };
  for (const c of [program, ...program.commands, ...program.commands.flatMap((x) => x.commands)]) {
    c.exitOverride();
    c.configureOutput(quiet);
  }
  return program.parseAsync(args, { from: 'user' }).then(() => got);
}

describe('kto-collector command line', () => {
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const v of ENV_VARS) {
      saved.set(v, process.env[v]);
      delete process.env[v];
    }
  });
  afterEach(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('--help documents every flag with its KTO_* variable', () => {
    const program = buildProgram({ serve: async () => undefined, tokenCreate: async () => undefined, rebuildRuns: async () => undefined });
    const serve = program.commands.find((c) => c.name() === 'serve')!;
    const create = program.commands.find((c) => c.name() === 'token')!.commands.find((c) => c.name() === 'create')!;
    const help = (serve.helpInformation() + create.helpInformation()).replace(/\s+/g, ' '); // undo line wrapping
    for (const v of ENV_VARS) expect(help, v).toContain(`env: ${v}`);
    for (const cmd of [serve, create]) {
      for (const o of cmd.options) {
        if (o.long === '--help') continue;
        expect(o.envVar, o.long).toMatch(/^KTO_[A-Z_]+$/);
      }
    }
  });

  it('serve: defaults', async () => {
    const { serve } = await run(['serve', '--data-dir', '/var/lib/kto']);
    expect(serve).toMatchObject({
      dataDir: '/var/lib/kto', listen: { host: '127.0.0.1', port: 8080 }, logLevel: 'info',
      limits: {
        maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes, agentRatePerS: DEFAULT_LIMITS.agentRatePerS, agentBurst: DEFAULT_LIMITS.agentBurst,
        clockSkewMs: DEFAULT_LIMITS.clockSkewMs, maxPendingRows: DEFAULT_LIMITS.maxPendingRows,
      },
      insert: { maxRows: DEFAULT_INSERT.maxRows, maxDelayMs: DEFAULT_INSERT.maxDelayMs, runCacheVantages: DEFAULT_INSERT.runCacheVantages },
    });
    expect(serve?.clickhouseUrl).toBeUndefined();
  });

  it('precedence: flags > KTO_* environment > defaults', async () => {
    process.env.KTO_AGENT_RATE = '7';
    process.env.KTO_LISTEN = '0.0.0.0:9000';
    process.env.KTO_CLICKHOUSE_URL = 'http://127.0.0.1:8123';
    process.env.KTO_ADMIN_TOKEN_FILE = '/etc/kto/admin-token';
    const envOnly = (await run(['serve'])).serve!;
    expect(envOnly.limits.agentRatePerS).toBe(7);
    expect(envOnly.listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(envOnly.clickhouseUrl).toBe('http://127.0.0.1:8123');
    expect(envOnly.adminTokenFile).toBe('/etc/kto/admin-token');
    expect(envOnly.limits.agentBurst).toBe(DEFAULT_LIMITS.agentBurst);
    const flags = (await run(['serve', '--agent-rate', '9', '--listen', '[::1]:8081', '--admin-token-file', './t'])).serve!;
    expect(flags.limits.agentRatePerS).toBe(9);
    expect(flags.listen).toEqual({ host: '::1', port: 8081 });
    expect(flags.adminTokenFile).toBe('./t');
  });

  it('refuses bad values with KTO_ERR_CONFIG_INVALID or a usage error', async () => {
    await expect(run(['serve', '--data-dir', 'd', '--listen', 'localhost'])).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_INVALID' });
    await expect(run(['serve', '--data-dir', 'd', '--agent-rate', 'fast'])).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_INVALID' });
    process.env.KTO_MAX_PENDING_ROWS = '-5';
    await expect(run(['serve', '--data-dir', 'd'])).rejects.toMatchObject({ code: 'KTO_ERR_CONFIG_INVALID' });
    delete process.env.KTO_MAX_PENDING_ROWS;
    await expect(run(['serve', '--data-dir', 'd', '--log-level', 'loud'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(run(['serve', '--data-dir', 'd', '--clickhouse-url', 'http://x'])).rejects.toMatchObject({ code: 'commander.conflictingOption' });
  });

  it('rebuild-runs: store flags and the zones (default: every tracked zone)', async () => {
    const one = await run(['rebuild-runs', '--data-dir', '/d', '--zone', 'example.com', 'example.org.']);
    expect(one.rebuild).toEqual({ dataDir: '/d', clickhouseUrl: undefined, database: undefined, clickhouseUser: undefined, clickhousePasswordFile: undefined, zones: ['example.com', 'example.org.'] });
    process.env.KTO_CLICKHOUSE_URL = 'http://127.0.0.1:8123';
    const all = await run(['rebuild-runs', '--database', 'kto2']);
    expect(all.rebuild).toMatchObject({ clickhouseUrl: 'http://127.0.0.1:8123', database: 'kto2', zones: [] });
  });

  it('token create: store flags or --api, with label, ttl and uses', async () => {
    const direct = (await run(['token', 'create', '--data-dir', '/d', '--label', 'volunteer 7', '--ttl-s', '3600', '--max-uses', '3'])).token!;
    expect(direct).toMatchObject({ dataDir: '/d', label: 'volunteer 7', ttlS: 3600, maxUses: 3 });
    process.env.KTO_API = 'http://127.0.0.1:8080';
    const api = (await run(['token', 'create', '--admin-token-file', '/t'])).token!;
    expect(api).toMatchObject({ api: 'http://127.0.0.1:8080', adminTokenFile: '/t', label: '', ttlS: 604_800, maxUses: 1 });
  });
});
