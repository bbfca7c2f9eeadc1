#!/usr/bin/env node
// Agent memory while tracking many zones (issue goal: <= 80 MB RSS with 10,000 zones). Runs the real
// kto-agent (packages/agent/dist/cli.js run) as a child process, enrolled with a real kto-collector
// (packages/collector/dist/cli.js serve, embedded chdb in a temp dir), asking a UDP responder in this
// process on 127.0.0.1; samples the agent's VmRSS and VmHWM (/proc/PID/status) through the first full
// round over every zone and into the second. Needs the build (`npx tsc -b`). Prints one JSON line.
//
//   node bench/agent-memory.mjs [--zones 10000] [--interval 30] [--seconds 45] [--node-options='--flag ...']
//
// Zones z00001.bench.kto. ...; the agent's default qtypes (DNSKEY SOA DS CDS CDNSKEY CSYNC), so one
// round is 6 queries per zone; each zone's first run falls at a random point of the interval, later
// runs every interval +-10 %. DNSKEY is answered with the real root DNSKEY RRset and RRSIG of
// shared/real-data (first snapshot of root-dnskey-timeseries, ~0.9 kB responses) under the zone's
// name; every other type with NOERROR and no records. "Steady" is the median RSS once the first round
// is over (t >= interval). --node-options is passed to the agent as NODE_OPTIONS (e.g. V8 heap flags,
// to see what they change). Every process started here is stopped by its PID.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { freePort } from '../scripts/lib/processes.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AGENT_CLI = join(ROOT, 'packages/agent/dist/cli.js');
const COLLECTOR_CLI = join(ROOT, 'packages/collector/dist/cli.js');
const GOAL_MB = 80;

const { values: args } = parseArgs({
  options: {
    zones: { type: 'string', default: '10000' },
    interval: { type: 'string', default: '30' },
    seconds: { type: 'string', default: '45' },
    'node-options': { type: 'string', default: '' },
  },
});
const ZONES = Number(args.zones);
const INTERVAL_S = Number(args.interval);
const SECONDS = Number(args.seconds);
const QTYPES_PER_ZONE = 6;

let core;
try {
  core = await import(pathToFileURL(join(ROOT, 'packages/core/dist/index.js')).href);
} catch (err) {
  console.error(`bench/agent-memory: cannot load packages/core/dist (run npx tsc -b first): ${err.message}`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'kto-bench-agent-mem-'));
const children = [];
let responder;
try {
  const dnskey = firstRootDnskeySnapshot();
  responder = await startResponder(dnskey);
  const resolverPort = responder.address().port;

  const collectorPort = await freePort();
  const collectorUrl = `http://127.0.0.1:${collectorPort}`;
  const collector = start('collector', [COLLECTOR_CLI, 'serve', '--listen', `127.0.0.1:${collectorPort}`,
    '--data-dir', join(dir, 'chdb'), '--admin-token-file', join(dir, 'admin-token'), '--log-level', 'warn']);
  await waitFor(async () => (await fetch(`${collectorUrl}/healthz`)).ok, collector, 'collector /healthz');
  const adminToken = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const tok = await fetch(`${collectorUrl}/v1/enrolment-tokens`, {
    method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'bench', max_uses: 1 }),
  });
  if (tok.status !== 201) throw new Error(`enrolment token: HTTP ${tok.status} ${await tok.text()}`);
  const stateDir = join(dir, 'agent');
  await run([AGENT_CLI, 'enroll', '--collector', collectorUrl, '--token', (await tok.json()).token, '--state-dir', stateDir,
    '--country', 'NL', '--continent', 'EU', '--name', 'bench']);

  const zones = Array.from({ length: ZONES }, (_, i) => `z${String(i + 1).padStart(5, '0')}.bench.kto.`);
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ zones }));
  const metricsPort = await freePort();
  const agent = start('agent', [AGENT_CLI, 'run', '--config', config, '--state-dir', stateDir, '--collector', collectorUrl,
    '--resolver', `127.0.0.1:${resolverPort}`, '--interval', `${INTERVAL_S}s`, '--jitter', '10', '--log-level', 'warn',
    '--metrics-listen', `127.0.0.1:${metricsPort}`], args['node-options']);
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const t0 = performance.now();
  await waitFor(async () => (await fetch(metricsUrl)).ok, agent, 'agent metrics');

  // Sample until the end; read the agent's counters at each whole interval and at the end.
  const samples = [];
  const marks = [];
  let nextMark = INTERVAL_S;
  while (performance.now() - t0 < SECONDS * 1000) {
    const t = (performance.now() - t0) / 1000;
    samples.push({ t, ...procStatus(agent.pid) });
    if (t >= nextMark) {
      marks.push({ t, ...(await agentCounters(metricsUrl)) });
      nextMark += INTERVAL_S;
    }
    await sleep(200);
  }
  const end = await agentCounters(metricsUrl);
  const last = procStatus(agent.pid);
  const cpuS = cpuSeconds(agent.pid);
  await stop(agent);
  // Every acknowledged batch is stored; the collector counts the agent's rows of the last 24 h.
  const list = await (await fetch(`${collectorUrl}/v1/agents`)).json();
  const stored = list.agents.reduce((s, a) => s + a.observations_24h, 0);
  await stop(collector);

  const mb = (kb) => Math.round(kb / 102.4) / 10;
  const steady = samples.filter((s) => s.t >= INTERVAL_S).map((s) => s.rssKb).sort((a, b) => a - b);
  const firstRound = marks[0];
  const peakMb = mb(last.hwmKb);
  const steadyMb = steady.length > 0 ? mb(steady[Math.floor(steady.length / 2)]) : null;
  console.log(JSON.stringify({
    bench: 'agent-memory',
    zones: ZONES, qtypes_per_zone: QTYPES_PER_ZONE, interval_s: INTERVAL_S, seconds: SECONDS,
    ...(args['node-options'] === '' ? {} : { node_options: args['node-options'] }),
    rss_peak_mb: peakMb,
    rss_steady_median_mb: steadyMb,
    rss_end_mb: mb(last.rssKb),
    // RSS every 5 s from the start of the agent
    rss_timeline_mb: samples.filter((s, i) => i === 0 || Math.floor(s.t / 5) !== Math.floor(samples[i - 1].t / 5)).map((s) => mb(s.rssKb)),
    zones_tracked: end.zones,
    queries: end.queries,
    queries_ok: end.queriesOk,
    queries_first_round: firstRound?.queries ?? null,
    queries_per_round: ZONES * QTYPES_PER_ZONE,
    rounds_skipped: end.roundsSkipped,
    agent_cpu_s: cpuS,
    batches_sealed: end.batchesSealed,
    batches_acked_stored: end.batchesStored,
    observations: end.observations,
    observations_stored: stored,
    node_baseline_rss_mb: mb(await idleNodeRssKb()),
    goal_mb: GOAL_MB,
    goal_met: peakMb <= GOAL_MB,
    node: process.version,
  }));
} finally {
  for (const c of children.reverse()) await stop(c);
  responder?.close();
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------

function procStatus(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Sum of a Prometheus counter or gauge over its label sets, optionally only those matching `labels`. */
function metric(text, name, labels = '') {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function agentCounters(url) {
  const text = await (await fetch(url)).text();
  return {
    zones: metric(text, 'kto_agent_zones'),
    queries: metric(text, 'kto_agent_queries_total'),
    queriesOk: metric(text, 'kto_agent_queries_total', 'status="ok"'),
    roundsSkipped: metric(text, 'kto_agent_rounds_skipped_total'),
    observations: metric(text, 'kto_agent_observations_total'),
    batchesSealed: metric(text, 'kto_agent_batches_sealed_total'),
    batchesStored: metric(text, 'kto_agent_batches_acked_total', 'status="stored"'),
  };
}

/** RSS of a Node process that does nothing (the runtime's own share of the agent's RSS). */
async function idleNodeRssKb() {
  const c = start('idle-node', ['-e', 'setTimeout(() => {}, 5000)']);
  await sleep(1000);
  const { rssKb } = procStatus(c.pid);
  await stop(c);
  return rssKb;
}

/** DNSKEY + RRSIG(DNSKEY) of the first snapshot of the root apex time series (2023-11-04). */
function firstRootDnskeySnapshot() {
  const file = resolve(ROOT, '../shared/real-data/root-dnskey-timeseries/root-apex-2023-11-04_2026-08-22.txt.gz');
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  const block = text.split(/^; commit=/m)[1] ?? '';
  const lines = block.split('\n').filter((l) => /\sIN\s+(?:DNSKEY|RRSIG\s+DNSKEY)\s/.test(l)).join('\n');
  const records = core.parseZoneText(lines).records;
  if (!records.some((r) => r.type === 48) || !records.some((r) => r.type === 46)) throw new Error(`no DNSKEY snapshot in ${file}`);
  return records;
}

/**
 * A resolver stand-in: DNSKEY queries get `dnskey` under the query name (AD set, OPT with DO), every
 * other type NOERROR with no records. The query's id, RD bit and question are echoed.
 */
function startResponder(dnskey) {
  const answerParts = [];
  for (const r of dnskey) {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0xc00c, 0);
    h.writeUInt16BE(r.type, 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt32BE(3600, 6);
    h.writeUInt16BE(r.rdata.length, 10);
    answerParts.push(h, Buffer.from(r.rdata));
  }
  const answer = Buffer.concat(answerParts);
  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0]);
  const sock = createSocket('udp4');
  sock.on('message', (q, rinfo) => {
    if (q.length < 17) return;
    let p = 12;
    while (p < q.length && q[p] !== 0) p += q[p] + 1;
    const qend = p + 5;
    if (qend > q.length) return;
    const isDnskey = q.readUInt16BE(p + 1) === 48;
    const head = Buffer.from([q[0], q[1], 0x80 | (q[2] & 0x01), 0xa0, 0, 1, 0, isDnskey ? dnskey.length : 0, 0, 0, 0, 1]);
    const out = Buffer.concat(isDnskey ? [head, q.subarray(12, qend), answer, opt] : [head, q.subarray(12, qend), opt]);
    sock.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((ok, fail) => {
    sock.once('error', fail);
    sock.bind(0, '127.0.0.1', () => ok(sock));
  });
}

/** Starts `node args...` (NODE_OPTIONS=`nodeOptions` when given); its stderr is kept (last 4 kB) for error messages. */
function start(name, nodeArgs, nodeOptions = '') {
  const env = nodeOptions === '' ? process.env : { ...process.env, NODE_OPTIONS: nodeOptions };
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const c = { name, child, pid: child.pid, stderr: '', exited: false };
  child.stderr.on('data', (d) => {
    c.stderr = (c.stderr + d.toString()).slice(-4096);
  });
  c.exit = new Promise((ok) => child.once('exit', (code, signal) => {
    c.exited = true;
    ok({ code, signal });
  }));
  children.push(c);
  return c;
}

/** SIGTERM (graceful), then SIGKILL after 15 s, by PID; waits for the exit. */
async function stop(c) {
  if (c.exited) return;
  process.kill(c.pid, 'SIGTERM');
  const killed = setTimeout(() => {
    if (!c.exited) process.kill(c.pid, 'SIGKILL');
  }, 15_000);
  await c.exit;
  clearTimeout(killed);
}

async function run(nodeArgs) {
  const c = start(nodeArgs[1] ?? 'tool', nodeArgs);
  const { code, signal } = await c.exit;
  if (code !== 0) throw new Error(`node ${nodeArgs.slice(0, 2).join(' ')} exited ${code ?? signal}: ${c.stderr}`);
}

async function waitFor(check, c, what) {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (c.exited) throw new Error(`${c.name} exited while waiting for ${what}: ${c.stderr}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${what}: not ready within 30 s`);
}
