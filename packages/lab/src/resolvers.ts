// Vantage points: Unbound (Debian's) validating resolvers that iterate from the lab root and trust
// its DS, each labelled with a simulated region, some misbehaving on purpose (ARCHITECTURE.md §6):
//   honest         Unbound's defaults, with the lab clock's scale applied to its own timers
//   ttl-cap        cache-max-ttl low: re-asks before the zone's TTLs run out
//   ttl-stretch    cache-min-ttl above the zone's TTLs: keeps old data too long
//   serve-expired  serve-expired: yes (RFC 8767), prefetch off: answers from expired cache entries
//   behind-cache   a validating resolver with short cache times that forwards to a shared,
//                  non-validating cache (its own Unbound): it validates cached data against the
//                  DNSKEY RRset it holds now, as a validating stub behind an ISP cache does
//   split-anycast  an honest resolver whose queries for the multi-provider zones reach name servers
//                  that disagree: key RRsets from one provider, the rest from another (split-proxy.ts)
// Each runs in the foreground, is stopped by PID (SIGTERM, then SIGKILL) and dies with the lab
// process (setpriv --pdeathsig) should that be killed.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KtoError } from '@kto/core';
import { assertLoopback } from './address.js';
import type { LabClock } from './clock.js';
import { labQuery } from './dns-client.js';
import { assertFree } from './port-check.js';
import { unboundConfig } from './unbound-config.js';
import type { UnboundStubZones, UnboundUpstream } from './unbound-config.js';

export type ResolverBehaviour = 'honest' | 'ttl-cap' | 'ttl-stretch' | 'serve-expired' | 'behind-cache' | 'split-anycast';

export interface ResolverSpec {
  /** Unique label, e.g. 'eu-cz-1'. */
  id: string;
  /** ISO 3166-1 alpha-2 country code of the simulated vantage point. */
  country: string;
  /** Continent code: AF, AN, AS, EU, NA, OC, SA. */
  continent: string;
  behaviour: ResolverBehaviour;
}

export interface RunningResolver extends ResolverSpec {
  address: string;
  port: number;
  pid: number;
  /** Unbound's options that make its behaviour (real seconds), for the record. */
  options: Readonly<Record<string, string>>;
  /** behind-cache: the shared non-validating cache it forwards to. */
  cache?: { address: string; port: number; pid: number };
}

/** The default vantage points: two honest, one of each misbehaviour. */
export const DEFAULT_RESOLVERS: readonly ResolverSpec[] = [
  { id: 'eu-cz-1', country: 'CZ', continent: 'EU', behaviour: 'honest' },
  { id: 'na-us-1', country: 'US', continent: 'NA', behaviour: 'honest' },
  { id: 'as-jp-1', country: 'JP', continent: 'AS', behaviour: 'ttl-stretch' },
  { id: 'oc-au-1', country: 'AU', continent: 'OC', behaviour: 'serve-expired' },
  { id: 'sa-br-1', country: 'BR', continent: 'SA', behaviour: 'ttl-cap' },
  { id: 'af-za-1', country: 'ZA', continent: 'AF', behaviour: 'behind-cache' },
];

const BEHAVIOURS: readonly ResolverBehaviour[] = ['honest', 'ttl-cap', 'ttl-stretch', 'serve-expired', 'behind-cache', 'split-anycast'];
const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'];
/** Resolvers take <base>.1.1-128, their shared caches <base>.1.129-256. */
const MAX_RESOLVERS = 127;
const ID_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const SEARCH_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin', '/sbin'];

/** Checks resolver specs (KTO_ERR_LAB_BAD_OPTION naming the entry and field). */
export function validateResolverSpecs(specs: unknown): ResolverSpec[] {
  if (!Array.isArray(specs)) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', 'resolvers must be an array of { id, country, continent, behaviour } or "default"');
  if (specs.length > MAX_RESOLVERS) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `at most ${MAX_RESOLVERS} resolvers, got ${specs.length}`);
  const ids = new Set<string>();
  return specs.map((s: unknown, i) => {
    const o = s as Partial<ResolverSpec> | null;
    const bad = (field: string, want: string): never => {
      throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `resolvers[${i}].${field}: expected ${want}, got ${JSON.stringify(o?.[field as keyof ResolverSpec])}`);
    };
    if (o === null || typeof o !== 'object') throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `resolvers[${i}]: expected an object`);
    if (typeof o.id !== 'string' || !ID_RE.test(o.id)) bad('id', 'a lower-case label (a-z, 0-9, hyphens)');
    if (ids.has(o.id as string)) bad('id', 'an id not used by another resolver');
    ids.add(o.id as string);
    if (typeof o.country !== 'string' || !/^[A-Z]{2}$/.test(o.country)) bad('country', 'an ISO 3166-1 alpha-2 code such as "CZ"');
    if (typeof o.continent !== 'string' || !CONTINENTS.includes(o.continent)) bad('continent', `one of ${CONTINENTS.join(', ')}`);
    if (!BEHAVIOURS.includes(o.behaviour as ResolverBehaviour)) bad('behaviour', BEHAVIOURS.join(' | '));
    return { id: o.id as string, country: o.country as string, continent: o.continent as string, behaviour: o.behaviour as ResolverBehaviour };
  });
}

/** Finds Unbound: `path` if given (it must be executable), else `unbound` in PATH or the sbin directories. */
export async function findUnbound(path?: string): Promise<string | undefined> {
  const candidates = path !== undefined
    ? [path]
    : [...new Set([...(process.env['PATH'] ?? '').split(':').filter((d) => d !== ''), ...SEARCH_DIRS])].map((d) => join(d, 'unbound'));
  for (const c of candidates) {
    try {
      await access(c, fsConstants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ResolverTuning {
  /** Largest TTL of the lab's zones, lab seconds (ttl-stretch holds data 3 x this long). */
  maxZoneTtl: number;
  /** Smallest TTL of the lab's zones, lab seconds (ttl-cap caps at a fifth of it). */
  minZoneTtl: number;
}

/** The Unbound options (real seconds) that make a behaviour at the lab's speed. */
export function behaviourOptions(b: ResolverBehaviour, clock: LabClock, tuning: ResolverTuning): Record<string, string> {
  // Unbound forgives expired or not-yet-valid signatures by up to 10 % of their validity, at least
  // an hour (val-sig-skew-min): at lab speed that would hide every expiry, so no skew at all; the
  // bogus-answer cache time is scaled like every other time
  const common: Record<string, string> = {
    'val-sig-skew-min': '0',
    'val-sig-skew-max': '0',
    'val-bogus-ttl': String(clock.ttl(60)),
  };
  switch (b) {
    case 'honest': case 'split-anycast':
      return common;
    case 'ttl-cap': case 'behind-cache':
      return { ...common, 'cache-max-ttl': String(clock.ttl(Math.max(1, tuning.minZoneTtl / 5))) };
    case 'ttl-stretch':
      return { ...common, 'cache-min-ttl': String(clock.ttl(3 * tuning.maxZoneTtl)) };
    case 'serve-expired':
      return {
        ...common, 'serve-expired': 'yes', 'serve-expired-ttl': String(clock.ttl(100 * tuning.maxZoneTtl)),
        'serve-expired-client-timeout': '0', prefetch: 'no', 'prefetch-key': 'no',
      };
  }
}


/** One Unbound process started by the lab. */
export class UnboundProcess {
  readonly info: RunningResolver;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly exited: Promise<void>;
  #done = false;

  constructor(info: RunningResolver, child: ChildProcess, logFile: string) {
    this.info = info;
    this.logFile = logFile;
    this.#child = child;
    child.on('error', () => undefined);
    this.exited = new Promise((resolve) => child.once('exit', () => {
      this.#done = true;
      resolve();
    }));
  }

  get running(): boolean {
    return !this.#done;
  }

  async logTail(bytes = 1500): Promise<string> {
    try {
      const text = await readFile(this.logFile, 'utf8');
      return text.slice(-bytes).trim();
    } catch (err) {
      return `(log unreadable: ${(err as Error).message})`;
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#done) return;
    this.#child.kill('SIGTERM');
    const t = sleep(graceMs).then(() => 'timeout' as const);
    if ((await Promise.race([this.exited.then(() => 'exited' as const), t])) === 'timeout' && !this.#done) {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }
}

export interface StartResolversOptions {
  specs: readonly ResolverSpec[];
  /** Address of each resolver, in spec order. */
  addresses: readonly string[];
  /** Address of the shared cache of each behind-cache resolver, in spec order (others: unused). */
  cacheAddresses: readonly string[];
  port: number;
  dir: string;
  rootHints: string;
  /** The root's DS in presentation format. */
  trustAnchor: string;
  clock: LabClock;
  tuning: ResolverTuning;
  unboundPath?: string;
  /** split-anycast resolvers: the split proxy and the zones it stands in for. */
  splitProxy?: { address: string; zones: readonly string[] };
  /** How long a resolver may take to answer a validated root SOA (default 15 s). */
  readyTimeoutMs?: number;
}

export interface StartedResolvers {
  /** The vantage points, in spec order. */
  processes: UnboundProcess[];
  /** Processes behind them (the shared caches of behind-cache resolvers). */
  helpers: UnboundProcess[];
  warnings: string[];
}

let setprivPath: string | undefined | null = null;

async function startProcess(command: string, args: string[], logFile: string): Promise<ChildProcess> {
  if (setprivPath === null) setprivPath = await findExecutable('setpriv');
  const log = await open(logFile, 'a');
  try {
    const child = setprivPath !== undefined
      ? spawn(setprivPath, ['--pdeathsig', 'KILL', '--', command, ...args], { stdio: ['ignore', log.fd, log.fd] })
      : spawn(command, args, { stdio: ['ignore', log.fd, log.fd] });
    if (child.pid === undefined) {
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new KtoError('KTO_ERR_LAB_RESOLVER_FAILED', `cannot start ${command}: ${err.message}`, undefined, { cause: err });
    }
    return child;
  } finally {
    await log.close();
  }
}

async function findExecutable(name: string): Promise<string | undefined> {
  for (const d of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    try {
      await access(join(d, name), fsConstants.X_OK);
      return join(d, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Starts one Unbound per spec and waits until each answers the root SOA with AD=1. Without Unbound
 * (not installed, or `unboundPath` not executable) it starts nothing and returns a warning. If any
 * resolver fails, those already started are stopped before the error is thrown.
 */
export async function startResolvers(o: StartResolversOptions): Promise<StartedResolvers> {
  if (o.specs.length === 0) return { processes: [], helpers: [], warnings: [] };
  const unbound = await findUnbound(o.unboundPath);
  if (unbound === undefined) {
    const where = o.unboundPath !== undefined ? `at ${o.unboundPath}` : 'in PATH or /usr/sbin';
    return {
      processes: [],
      helpers: [],
      warnings: [`no resolvers available: Unbound is not installed ${where} (apt-get install unbound); the lab serves its zones without vantage points`],
    };
  }
  const caches = o.specs.map((s, i) => (s.behaviour === 'behind-cache' ? o.cacheAddresses[i] : undefined));
  const all = [...o.addresses, ...caches.filter((a): a is string => a !== undefined)];
  all.forEach((a) => assertLoopback(a, 'resolver address'));
  await Promise.all(all.map((a) => assertFree(a, o.port)));
  const processes: UnboundProcess[] = [];
  const helpers: UnboundProcess[] = [];
  const launch = async (id: string, address: string, upstream: UnboundUpstream, trustAnchor: string | null, options: Record<string, string>, stubs?: UnboundStubZones) => {
    const dir = join(o.dir, `unbound-${id}`);
    await mkdir(dir, { recursive: true });
    const conf = join(dir, 'unbound.conf');
    await writeFile(conf, unboundConfig({ address, port: o.port, dir, upstream, trustAnchor, options, ...(stubs !== undefined ? { stubs } : {}) }));
    const logFile = join(dir, 'unbound.log');
    return { child: await startProcess(unbound, ['-d', '-c', conf], logFile), logFile };
  };
  try {
    await Promise.all(o.specs.map(async (spec, i) => {
      const address = o.addresses[i] as string;
      let upstream: UnboundUpstream = { rootHints: o.rootHints };
      let cache: RunningResolver['cache'];
      const cacheAddress = caches[i];
      if (cacheAddress !== undefined) {
        // the shared cache: an iterating, non-validating Unbound that keeps data for the zone's TTLs
        const c = await launch(`${spec.id}-cache`, cacheAddress, upstream, null, {});
        const cp = new UnboundProcess({ ...spec, id: `${spec.id}-cache`, address: cacheAddress, port: o.port, pid: c.child.pid as number, options: {} }, c.child, c.logFile);
        helpers.push(cp);
        await waitReady(cp, o.readyTimeoutMs ?? 15_000, false);
        upstream = { forwardTo: cacheAddress, port: o.port };
        cache = { address: cacheAddress, port: o.port, pid: cp.info.pid };
      }
      const options = behaviourOptions(spec.behaviour, o.clock, o.tuning);
      const stubs = spec.behaviour === 'split-anycast' && o.splitProxy !== undefined && o.splitProxy.zones.length > 0
        ? { address: o.splitProxy.address, port: o.port, zones: o.splitProxy.zones } : undefined;
      const { child, logFile } = await launch(spec.id, address, upstream, o.trustAnchor, options, stubs);
      const p = new UnboundProcess({ ...spec, address, port: o.port, pid: child.pid as number, options, ...(cache !== undefined ? { cache } : {}) }, child, logFile);
      processes.push(p);
      await waitReady(p, o.readyTimeoutMs ?? 15_000, true);
    }));
  } catch (err) {
    await Promise.allSettled([...processes, ...helpers].map((p) => p.stop()));
    throw err;
  }
  processes.sort((a, b) => o.specs.findIndex((s) => s.id === a.info.id) - o.specs.findIndex((s) => s.id === b.info.id));
  return { processes, helpers, warnings: [] };
}

async function waitReady(p: UnboundProcess, timeoutMs: number, validating: boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!p.running) break;
    try {
      const r = await labQuery(p.info.address, '.', 'SOA', { port: p.info.port, timeoutMs: 1000 });
      if (r.message.header.rcode === 0 && (r.message.header.ad || !validating)) return;
      last = `rcode ${r.message.header.rcode} AD=${r.message.header.ad ? 1 : 0}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new KtoError('KTO_ERR_LAB_RESOLVER_FAILED',
    `resolver ${p.info.id} at ${p.info.address}:${p.info.port} ${p.running ? `did not answer the root SOA with NOERROR${validating ? ' and AD=1' : ''} within ${timeoutMs} ms (${last})` : 'exited'}: ${await p.logTail()}`,
    { id: p.info.id });
}
