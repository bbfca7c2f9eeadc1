// Runs the real KTO programs (packages/*/dist: build first) as separate processes for the
// cross-package tests: a collector on a free port with either store, and agents enrolled with it.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { KtoError } from '@kto/core';
import type { Daemon} from './processes.js';
import { runTool, startDaemon, waitFor } from './processes.js';

const ROOT = resolve(import.meta.dirname, '../..');
const COLLECTOR_CLI = join(ROOT, 'packages/collector/dist/cli.js');
const AGENT_CLI = join(ROOT, 'packages/agent/dist/cli.js');

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

export type StoreChoice = { dataDir: string } | { clickhouseUrl: string; database?: string };

export interface Collector {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  daemon: Daemon;
  /** SIGTERM (graceful: flushes what is pending) and wait. */
  stop(): Promise<void>;
  /** SIGKILL: a crash in the middle of whatever it was doing. */
  crash(): Promise<void>;
  /** Starts the collector again on the same port and store. */
  restart(): Promise<void>;
}

export async function startCollector(opts: { dir: string; store: StoreChoice; port?: number; args?: string[]; env?: Record<string, string> }): Promise<Collector> {
  const port = opts.port ?? (await freePort());
  const tokenFile = join(opts.dir, 'admin-token');
  const storeArgs = 'dataDir' in opts.store
    ? ['--data-dir', opts.store.dataDir]
    : ['--clickhouse-url', opts.store.clickhouseUrl, ...(opts.store.database ? ['--database', opts.store.database] : [])];
  const args = [COLLECTOR_CLI, 'serve', '--listen', `127.0.0.1:${port}`, ...storeArgs, '--admin-token-file', tokenFile, ...(opts.args ?? [])];
  const url = `http://127.0.0.1:${port}`;
  let generation = 0;
  const launch = async (): Promise<Daemon> => {
    const d = await startDaemon(`kto-collector#${generation++}`, process.execPath, args, { logFile: join(opts.dir, 'collector.log'), env: { ...process.env, ...opts.env } });
    await waitFor(async () => {
      await d.assertRunning();
      try {
        const r = await fetch(`${url}/healthz`);
        return r.ok ? true : undefined;
      } catch {
        return undefined;
      }
    }, { what: `collector healthy at ${url}`, timeoutMs: 30_000, intervalMs: 100 });
    return d;
  };
  const daemon = await launch();
  const adminToken = (await readFile(tokenFile, 'utf8')).trim();
  const c: Collector = {
    url, port, adminToken, daemon,
    stop: async () => { await c.daemon.stop(15_000); },
    crash: async () => {
      process.kill(c.daemon.pid, 'SIGKILL');
      await c.daemon.exited;
    },
    restart: async () => { c.daemon = await launch(); },
  };
  return c;
}

export async function api<T = unknown>(c: Collector, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${c.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${c.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new KtoError('KTO_ERR_PROC_TOOL_FAILED', `${method} ${path}: HTTP ${r.status}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Enrols a new agent identity in `stateDir` with the real `kto-agent enroll`; returns its agent id. */
export async function enrolAgent(c: Collector, stateDir: string, where = { country: 'CZ', continent: 'EU' }): Promise<string> {
  const { token } = await api<{ token: string }>(c, 'POST', '/v1/enrolment-tokens', { label: 'test', max_uses: 1 });
  await runTool(process.execPath, [AGENT_CLI, 'enroll', '--collector', c.url, '--token', token, '--state-dir', stateDir,
    '--country', where.country, '--continent', where.continent, '--name', 'test agent'], { timeoutMs: 30_000 });
  const enrolment = JSON.parse(await readFile(join(stateDir, 'agent.json'), 'utf8')) as { agent_id?: string; agentId?: string };
  const id = enrolment.agent_id ?? enrolment.agentId;
  if (id === undefined) throw new KtoError('KTO_ERR_PROC_TOOL_FAILED', `no agent id in ${stateDir}/agent.json`);
  return id;
}

export interface AgentProcess {
  daemon: Daemon;
  readonly logFile: string;
  stop(): Promise<void>;
}

export async function startAgent(opts: { stateDir: string; collector: Collector; resolvers: string[]; zones: string[]; args?: string[]; logFile: string }): Promise<AgentProcess> {
  const args = [AGENT_CLI, 'run', '--collector', opts.collector.url, '--state-dir', opts.stateDir,
    ...opts.resolvers.flatMap((r) => ['--resolver', r]), ...opts.zones.flatMap((z) => ['--zone', z]),
    '--log-level', 'debug', ...(opts.args ?? [])];
  const daemon = await startDaemon('kto-agent', process.execPath, args, { logFile: opts.logFile });
  return { daemon, logFile: opts.logFile, stop: async () => { await daemon.stop(15_000); } };
}

/** What the agent says it sealed: seq -> observation count, from its debug log lines. */
export async function sealedBatches(logFile: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    if (!line.includes('"batch sealed"')) continue;
    const rec = JSON.parse(line) as { seq: number; observations: number };
    if (out.has(rec.seq)) throw new KtoError('KTO_ERR_PROC_TOOL_FAILED', `seq ${rec.seq} sealed twice in ${logFile}`);
    out.set(rec.seq, rec.observations);
  }
  return out;
}

export interface ObservationJson {
  agent_id: string; seq: number; idx: number; zone: string; qname: string; qtype: number; status: string;
  vantage_kind: string; server: string; transport: string; tc_retry: number;
  rcode: number; header_flags: number; ad: number; tc: number; aa: number; ede_codes: number[]; raw: string;
  answer_ttl: number; soa_serial: number;
  dnskey_flags: number[]; dnskey_algorithms: number[]; dnskey_key_tags: number[];
  ds_key_tags: number[]; ds_algorithms: number[]; ds_digest_types: number[]; ds_digests: string[];
  csync_serial: number; csync_types: number[];
  rrsig_type_covered: number[]; rrsig_key_tags: number[]; rrsig_signers: string[]; rrsig_algorithms: number[];
  observed_at_ms: number; country: string; continent: string;
}

/** Every stored observation of a zone, through the NDJSON export of the API. */
export async function zoneObservations(c: Collector, zone: string, query = ''): Promise<ObservationJson[]> {
  const r = await fetch(`${c.url}/v1/zones/${encodeURIComponent(zone === '.' ? '@' : zone)}/observations?format=ndjson${query}`);
  if (!r.ok) throw new KtoError('KTO_ERR_PROC_TOOL_FAILED', `observations of ${zone}: HTTP ${r.status}: ${await r.text()}`);
  const text = await r.text();
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ObservationJson);
}
