// The agent's one validated configuration. Precedence per key: flags > env KTO_* > JSON config
// file > defaults (STYLE.md §5). Errors name the key, where the bad value came from and what was
// expected. OPTIONS is the single table that also drives the CLI flags and their --help text.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KtoError, RRTYPE, isKtoError, normalizeName } from '@kto/core';
import type { AgentErrorCode } from './errors.js';
import { parseResolvConf } from './resolv-conf.js';
import { formatServerAddress, parseServerAddress, type ServerAddress } from './server-address.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type Continent = 'AF' | 'AN' | 'AS' | 'EU' | 'NA' | 'OC' | 'SA';
export const CONTINENTS: readonly Continent[] = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** One tracked zone. intervalS 0 and empty qtypes mean "the agent's defaults". */
export interface ZoneSpec {
  readonly name: string;
  readonly intervalS: number;
  readonly qtypes: readonly number[];
  readonly queryAuthoritatives: boolean;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export interface AgentConfig {
  /** Collector base URL (http: or https:); when undefined, the one stored at enrolment. */
  readonly collector: string | undefined;
  readonly stateDir: string;
  readonly resolvers: readonly ServerAddress[];
  /** Zones given locally (flags, env, file); the collector adds its own at run time. */
  readonly zones: readonly ZoneSpec[];
  readonly queryAuthoritatives: boolean;
  readonly qtypes: readonly number[];
  readonly intervalS: number;
  /** Fraction of the interval by which each run moves at random, either way (0.1 = ±10 %). */
  readonly jitter: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly ednsUdpSize: number;
  readonly concurrency: number;
  readonly batchMaxObservations: number;
  readonly batchMaxAgeMs: number;
  readonly spoolMaxBytes: number;
  /** Batches sent and not yet acknowledged, at most. */
  readonly window: number;
  /** Declared location; when undefined, the one stored at enrolment. */
  readonly country: string | undefined;
  readonly continent: Continent | undefined;
  readonly asn: number | undefined;
  readonly logLevel: LogLevel;
  readonly metricsListen: ListenAddress | undefined;
  /** The JSON config file that was read, if any. */
  readonly configFile: string | undefined;
  /** Where each value came from (for the startup log and `kto-agent status`). */
  readonly sources?: Readonly<Partial<Record<ConfigKey, ConfigSource>>>;
}

export type ConfigKey = Exclude<keyof AgentConfig, 'configFile' | 'sources'>;

interface DefaultContext {
  readonly home: string;
  readonly resolvConfPath: string;
}

export interface OptionSpec<T> {
  /** commander flag syntax, e.g. `--state-dir <dir>` */
  readonly flag: string;
  readonly env: string;
  /** key in the JSON config file */
  readonly file: string;
  readonly help: string;
  /** default as shown by --help */
  readonly defaultText: string;
  /** repeatable flag; every source also accepts a comma-separated list */
  readonly multiple?: boolean;
  readonly parse: (value: unknown) => T;
  readonly fallback: (ctx: DefaultContext) => T;
}

/** A value that does not fit; the loader adds the key and the source. */
class BadValue extends Error {}

const DEFAULT_QTYPES = ['DNSKEY', 'SOA', 'DS', 'CDS', 'CDNSKEY', 'CSYNC'];

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new BadValue(`expected a string, got ${show(value)}`);
}

function asList(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(asString) : [asString(value)];
  const out: string[] = [];
  for (const p of parts) for (const item of p.split(',')) if (item.trim() !== '') out.push(item.trim());
  return out;
}

function integer(min: number, max: number): (value: unknown) => number {
  return (value) => {
    const n = typeof value === 'number' ? value : /^-?\d+$/.test(asString(value)) ? Number(asString(value)) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new BadValue(`expected an integer in ${min}..${max}, got ${show(value)}`);
    }
    return n;
  };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

/** `300`, `300s`, `5m`, `1.5h`, `250ms`; a bare number is in `unit`. Returns milliseconds. */
function duration(unit: DurationUnit, minMs: number, maxMs: number): (value: unknown) => number {
  return (value) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(asString(value));
    const ms = m === null ? NaN : Math.round(Number(m[1]) * UNIT_MS[(m[2] as DurationUnit | undefined) ?? unit]);
    if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
      const u = UNIT_MS[unit];
      throw new BadValue(`expected a duration (number of ${unit}, or with ms/s/m/h) in ${minMs / u}..${maxMs / u} ${unit}, got ${show(value)}`);
    }
    return ms;
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

function byteSize(min: number, max: number): (value: unknown) => number {
  return (value) => {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(asString(value));
    const mult = m === null ? undefined : SIZE_UNITS[(m[2] ?? '').toLowerCase()];
    const n = m === null || mult === undefined ? NaN : Math.floor(Number(m[1]) * mult);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new BadValue(`expected a size in bytes (suffix KiB/MiB/GiB allowed) in ${min}..${max}, got ${show(value)}`);
    }
    return n;
  };
}

function boolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const s = asString(value).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new BadValue(`expected true/false, got ${show(value)}`);
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** A type given as an IANA mnemonic (`DNSKEY`), `TYPEnnn`, or a number 1..65535. */
export function parseQtype(text: string): number {
  const upper = text.trim().toUpperCase();
  const known = (RRTYPE as Readonly<Record<string, number>>)[upper];
  if (known !== undefined) return known;
  const m = /^(?:TYPE)?(\d{1,5})$/.exec(upper);
  const n = m === null ? NaN : Number(m[1]);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new BadValue(`unknown RR type ${show(text)}`);
  return n;
}

function zoneName(text: string): string {
  try {
    return normalizeName(text);
  } catch (err) {
    throw new BadValue(`${show(text)} is not a valid domain name${err instanceof Error ? ` (${err.message})` : ''}`);
  }
}

interface ZoneSpecInput {
  name: string;
  intervalS: number;
  qtypes: number[];
  queryAuthoritatives: boolean | undefined;
}

const zoneInterval = duration('s', 1000, 7 * 86_400_000);

function zoneEntry(value: unknown): ZoneSpecInput {
  if (typeof value === 'string') return { name: zoneName(value), intervalS: 0, qtypes: [], queryAuthoritatives: undefined };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadValue(`a zone is a name or {name, interval?, qtypes?, queryAuthoritatives?}, got ${show(value)}`);
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['name', 'interval', 'qtypes', 'queryAuthoritatives'].includes(k)) throw new BadValue(`unknown zone field '${k}'`);
  }
  return {
    name: zoneName(asString(o.name)),
    intervalS: o.interval === undefined ? 0 : Math.round(zoneInterval(o.interval) / 1000),
    qtypes: o.qtypes === undefined ? [] : asList(o.qtypes).map(parseQtype),
    queryAuthoritatives: o.queryAuthoritatives === undefined ? undefined : boolean(o.queryAuthoritatives),
  };
}

function listenAddress(value: unknown): ListenAddress {
  const s = asString(value);
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port < 0 || port > 65535) throw new BadValue(`expected host:port or [v6]:port, got ${show(value)}`);
  return { host: m[1] ?? (m[2] === '' || m[2] === undefined ? '127.0.0.1' : m[2]), port };
}

function collectorUrl(value: unknown): string {
  const s = asString(value);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new BadValue(`expected an http(s) URL, got ${show(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadValue(`expected an http(s) URL, got ${show(value)}`);
  if (url.search !== '' || url.hash !== '') throw new BadValue(`the collector URL takes no query or fragment, got ${show(value)}`);
  return url.href.replace(/\/+$/, '');
}

function systemResolvers(path: string): ServerAddress[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = '';
  }
  const found = parseResolvConf(text);
  // The C library's rule: no nameserver line means the local host.
  return found.length > 0 ? found : [{ address: '127.0.0.1', port: 53, family: 4 }];
}

export const OPTIONS: { readonly [K in ConfigKey]: OptionSpec<AgentConfig[K]> } = {
  collector: {
    flag: '--collector <url>', env: 'KTO_COLLECTOR', file: 'collector',
    help: 'collector base URL', defaultText: 'the URL stored at enrolment',
    parse: collectorUrl, fallback: () => undefined,
  },
  stateDir: {
    flag: '--state-dir <dir>', env: 'KTO_STATE_DIR', file: 'stateDir',
    help: 'state directory (key, enrolment, seq, spool)', defaultText: '~/.kto-agent',
    parse: (v) => { const s = asString(v); if (s === '') throw new BadValue('expected a directory'); return s; },
    fallback: (ctx) => join(ctx.home, '.kto-agent'),
  },
  resolvers: {
    flag: '--resolver <addr>', env: 'KTO_RESOLVERS', file: 'resolvers', multiple: true,
    help: 'resolver to ask, host[:port] or [v6]:port (repeatable, or comma-separated)',
    defaultText: 'the nameservers of /etc/resolv.conf, port 53',
    parse: (v) => {
      const out = asList(v).map((spec) => {
        const r = parseServerAddress(spec, 53);
        if (typeof r === 'string') throw new BadValue(r);
        return r;
      });
      if (out.length === 0) throw new BadValue('expected at least one resolver');
      return out;
    },
    fallback: (ctx) => systemResolvers(ctx.resolvConfPath),
  },
  zones: {
    flag: '--zone <name>', env: 'KTO_ZONES', file: 'zones', multiple: true,
    help: 'zone to track besides those the collector assigns (repeatable, or comma-separated)', defaultText: 'none',
    parse: (v) => (Array.isArray(v) ? v.flatMap((z) => (typeof z === 'string' ? asList(z) : [z])) : asList(v)).map(zoneEntry) as ZoneSpec[],
    fallback: () => [],
  },
  queryAuthoritatives: {
    flag: '--query-authoritatives', env: 'KTO_QUERY_AUTHORITATIVES', file: 'queryAuthoritatives',
    help: 'also ask every authoritative server of the locally given zones directly (RD=0), and DS of their parent zones\' servers', defaultText: 'false',
    parse: boolean, fallback: () => false,
  },
  qtypes: {
    flag: '--qtype <type>', env: 'KTO_QTYPES', file: 'qtypes', multiple: true,
    help: 'record types to ask for (mnemonic or number; repeatable, or comma-separated)',
    defaultText: DEFAULT_QTYPES.join(','),
    parse: (v) => {
      const out = [...new Set(asList(v).map(parseQtype))];
      if (out.length === 0) throw new BadValue('expected at least one type');
      return out;
    },
    fallback: () => DEFAULT_QTYPES.map(parseQtype),
  },
  intervalS: {
    flag: '--interval <duration>', env: 'KTO_INTERVAL', file: 'interval',
    help: 'time between two runs over a zone (seconds, or with ms/s/m/h)', defaultText: '300 s',
    parse: (v) => zoneInterval(v) / 1000, fallback: () => 300,
  },
  jitter: {
    flag: '--jitter <percent>', env: 'KTO_JITTER', file: 'jitter',
    help: 'random shift of each run, in percent of the interval, either way (0..50)', defaultText: '10',
    parse: (v) => {
      const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(asString(v));
      const n = m === null ? NaN : Number(m[1]);
      if (!(n >= 0 && n <= 50)) throw new BadValue(`expected a percentage in 0..50, got ${show(v)}`);
      return n / 100;
    },
    fallback: () => 0.1,
  },
  timeoutMs: {
    flag: '--timeout <duration>', env: 'KTO_TIMEOUT', file: 'timeout',
    help: 'time to wait for one answer (milliseconds, or with ms/s/m/h)', defaultText: '2000 ms',
    parse: duration('ms', 10, 60_000), fallback: () => 2000,
  },
  retries: {
    flag: '--retries <n>', env: 'KTO_RETRIES', file: 'retries',
    help: 'UDP retransmissions after a timeout', defaultText: '2',
    parse: integer(0, 10), fallback: () => 2,
  },
  ednsUdpSize: {
    flag: '--edns-buffer <bytes>', env: 'KTO_EDNS_BUFFER', file: 'ednsBuffer',
    help: 'EDNS(0) UDP payload size announced in queries', defaultText: '4096',
    parse: integer(512, 65535), fallback: () => 4096,
  },
  concurrency: {
    flag: '--concurrency <n>', env: 'KTO_CONCURRENCY', file: 'concurrency',
    help: 'queries in flight at most', defaultText: '256',
    parse: integer(1, 10_000), fallback: () => 256,
  },
  batchMaxObservations: {
    flag: '--batch-max-observations <n>', env: 'KTO_BATCH_MAX_OBSERVATIONS', file: 'batchMaxObservations',
    help: 'observations per batch at most (protocol limit 10000)', defaultText: '1000',
    parse: integer(1, 10_000), fallback: () => 1000,
  },
  batchMaxAgeMs: {
    flag: '--batch-max-age <duration>', env: 'KTO_BATCH_MAX_AGE', file: 'batchMaxAge',
    help: 'time a batch stays open before it is sealed (milliseconds, or with ms/s/m/h)', defaultText: '2000 ms',
    parse: duration('ms', 10, 3_600_000), fallback: () => 2000,
  },
  spoolMaxBytes: {
    flag: '--spool-max-bytes <size>', env: 'KTO_SPOOL_MAX_BYTES', file: 'spoolMaxBytes',
    help: 'bound of the on-disk spool; beyond it the oldest batches are dropped (bytes, or KiB/MiB/GiB)',
    defaultText: '256MiB',
    parse: byteSize(1024 ** 2, 1024 ** 4), fallback: () => 256 * 1024 ** 2,
  },
  window: {
    flag: '--window <n>', env: 'KTO_WINDOW', file: 'window',
    help: 'batches sent and not yet acknowledged, at most', defaultText: '16',
    parse: integer(1, 1024), fallback: () => 16,
  },
  country: {
    flag: '--country <CC>', env: 'KTO_COUNTRY', file: 'country',
    help: 'declared country, ISO 3166-1 alpha-2', defaultText: 'the one given at enrolment',
    parse: (v) => {
      const s = asString(v).toUpperCase();
      if (!/^[A-Z]{2}$/.test(s)) throw new BadValue(`expected a two-letter country code, got ${show(v)}`);
      return s;
    },
    fallback: () => undefined,
  },
  continent: {
    flag: '--continent <XX>', env: 'KTO_CONTINENT', file: 'continent',
    help: `declared continent (${CONTINENTS.join(' ')})`, defaultText: 'the one given at enrolment',
    parse: (v) => {
      const s = asString(v).toUpperCase();
      if (!(CONTINENTS as readonly string[]).includes(s)) throw new BadValue(`expected one of ${CONTINENTS.join(' ')}, got ${show(v)}`);
      return s as Continent;
    },
    fallback: () => undefined,
  },
  asn: {
    flag: '--asn <n>', env: 'KTO_ASN', file: 'asn',
    help: 'declared autonomous system number of the host network', defaultText: 'the one given at enrolment',
    parse: (v) => integer(0, 4_294_967_295)(typeof v === 'string' ? v.replace(/^AS/i, '') : v),
    fallback: () => undefined,
  },
  logLevel: {
    flag: '--log-level <level>', env: 'KTO_LOG_LEVEL', file: 'logLevel',
    help: `log level (${LOG_LEVELS.join(' ')})`, defaultText: 'info',
    parse: (v) => {
      const s = asString(v).toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(s)) throw new BadValue(`expected one of ${LOG_LEVELS.join(' ')}, got ${show(v)}`);
      return s as LogLevel;
    },
    fallback: () => 'info',
  },
  metricsListen: {
    flag: '--metrics-listen <host:port>', env: 'KTO_METRICS_LISTEN', file: 'metricsListen',
    help: 'serve Prometheus metrics at http://host:port/metrics', defaultText: 'off',
    parse: listenAddress, fallback: () => undefined,
  },
};

/** The flag, env var and file key of the config file itself (not part of the file). */
export const CONFIG_FILE_OPTION = { flag: '--config <file>', env: 'KTO_CONFIG', help: 'JSON config file' } as const;

export interface ConfigInput {
  /** Values from the command line, by config key (strings, string arrays or booleans). */
  readonly flags?: Readonly<Partial<Record<ConfigKey | 'configFile', unknown>>>;
  /** Environment; only KTO_* variables are read. Default: none (pass process.env explicitly). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
  readonly resolvConfPath?: string;
}

function configError(code: AgentErrorCode, message: string, cause?: unknown): KtoError {
  return new KtoError(code, message, undefined, cause === undefined ? undefined : { cause });
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError('KTO_ERR_AGENT_CONFIG_FILE', `cannot read config file ${path}: ${(err as Error).message}`, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw configError('KTO_ERR_AGENT_CONFIG_FILE', `config file ${path} is not valid JSON: ${(err as Error).message}`, err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw configError('KTO_ERR_AGENT_CONFIG_FILE', `config file ${path} must hold a JSON object`);
  }
  const obj = parsed as Record<string, unknown>;
  const known = new Set(Object.values(OPTIONS).map((o: OptionSpec<unknown>) => o.file));
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) {
      throw configError('KTO_ERR_AGENT_BAD_CONFIG', `unknown key '${key}' in config file ${path} (known: ${[...known].join(', ')})`);
    }
  }
  return obj;
}

/** Builds the configuration from flags, environment, the config file and defaults. */
export function loadConfig(input: ConfigInput = {}): AgentConfig {
  const flags = input.flags ?? {};
  const env = input.env ?? {};
  const home = input.home ?? homedir();
  const ctx: DefaultContext = { home, resolvConfPath: input.resolvConfPath ?? '/etc/resolv.conf' };

  const fileFlag = flags.configFile ?? env[CONFIG_FILE_OPTION.env];
  const configFile = fileFlag === undefined || fileFlag === '' ? undefined : resolve(expandHome(String(fileFlag), home));
  const file = configFile === undefined ? {} : readConfigFile(configFile);

  const out: Record<string, unknown> = {};
  const sources: Partial<Record<ConfigKey, ConfigSource>> = {};
  for (const key of Object.keys(OPTIONS) as ConfigKey[]) {
    const spec: OptionSpec<unknown> = OPTIONS[key];
    const candidates: [ConfigSource, unknown, string][] = [
      ['flag', flags[key], `flag ${spec.flag.split(' ')[0]}`],
      ['env', env[spec.env], `env ${spec.env}`],
      ['file', file[spec.file], `config file ${configFile} key '${spec.file}'`],
    ];
    const found = candidates.find(([, v]) => v !== undefined && v !== '');
    if (found === undefined) {
      out[key] = spec.fallback(ctx);
      sources[key] = 'default';
      continue;
    }
    const [source, value, where] = found;
    try {
      out[key] = spec.parse(value);
    } catch (err) {
      if (err instanceof BadValue || isKtoError(err)) {
        throw configError('KTO_ERR_AGENT_BAD_CONFIG', `bad ${spec.file} from ${where}: ${err.message}`, err);
      }
      throw err;
    }
    sources[key] = source;
  }
  out.stateDir = resolve(expandHome(out.stateDir as string, home));
  const qa = out.queryAuthoritatives as boolean;
  out.zones = (out.zones as ZoneSpecInput[]).map((z) => ({ ...z, queryAuthoritatives: z.queryAuthoritatives ?? qa }));
  out.configFile = configFile;
  out.sources = sources;
  return out as unknown as AgentConfig;
}

/** One line per key for the startup log: `interval=300 (default)`. */
export function describeConfig(config: AgentConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(OPTIONS) as ConfigKey[]) {
    const v = config[key];
    const text = key === 'resolvers'
      ? config.resolvers.map(formatServerAddress).join(',')
      : key === 'zones' ? config.zones.map((z) => z.name).join(',') : JSON.stringify(v) ?? 'undefined';
    out[key] = `${text} (${config.sources?.[key] ?? 'given'})`;
  }
  return out;
}
