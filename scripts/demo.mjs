#!/usr/bin/env node
// The demo (README: `npm run demo`): a lab with a few scripted rollovers, the observatory watching
// them and the dashboard showing it live, all on loopback and offline.
//   - the lab (packages/lab/dist startLab): by default one conformant roll (zsk-pre-publish), one
//     broken (broken-zsk-removed-early) and one multi-signer join (multi-signer-join), with Unbound
//     resolvers as vantage points when Unbound is installed;
//   - the collector (packages/collector/dist/cli.js serve) on an embedded chdb store in the state
//     directory; it serves the dashboard at / and analyses the zones live;
//   - one kto-agent per lab resolver, enrolled with the resolver's country and continent and pointed
//     at it; the scenario zones tracked through POST /v1/zones with query_authoritatives, so the
//     agents ask the zones' servers too.
// Without Unbound (the lab starts no resolvers) every agent asks one scenario zone's authoritative
// server directly (it answers for its own zone and refuses the others), and the dashboard URL carries
// ?demo=direct so that the page says so (data-testid="mode-note").
//
//   node scripts/demo.mjs [--listen 127.0.0.1:8090] [--base 127.66] [--speed 1] [--interval 2]
//     [--scenarios zsk-pre-publish,broken-zsk-removed-early,multi-signer-join]
//     [--resolvers default | none | id,id,...]   (ids of the lab's DEFAULT_RESOLVERS)
//     [--state DIR]   (kept; default a temporary directory removed at the end)
//
// Prints the dashboard URL to stderr and, once everything runs, one line `KTO_DEMO_READY <json>` to
// stdout (what test/browser/dashboard.test.ts waits for). Ctrl-C (or SIGTERM) stops everything by
// PID: the agents first (they flush their last batch), then the collector, then the lab.

import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runToEnd, startNode, waitFor } from './lib/processes.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const COLLECTOR_CLI = join(ROOT, 'packages/collector/dist/cli.js');
const AGENT_CLI = join(ROOT, 'packages/agent/dist/cli.js');
const LAB_MODULE = join(ROOT, 'packages/lab/dist/index.js');
const DEFAULT_SCENARIOS = 'zsk-pre-publish,broken-zsk-removed-early,multi-signer-join';

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:8090' },
    base: { type: 'string', default: '127.66' },
    speed: { type: 'string', default: '1' },
    interval: { type: 'string', default: '2' },
    scenarios: { type: 'string', default: DEFAULT_SCENARIOS },
    resolvers: { type: 'string', default: 'default' },
    state: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: node scripts/demo.mjs [--listen HOST:PORT] [--base 127.N] [--speed X] [--interval S] [--scenarios a,b] [--resolvers default|none|id,...] [--state DIR]\n');
  process.exit(0);
}

const log = (msg) => process.stderr.write(`[demo ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fail = (msg) => {
  log(msg);
  process.exit(2);
};

const speed = Number(values.speed);
const intervalS = Number(values.interval);
if (!(speed > 0)) fail(`--speed: expected a positive number, got ${values.speed}`);
if (!Number.isInteger(intervalS) || intervalS < 1) fail(`--interval: expected whole seconds >= 1, got ${values.interval}`);
if (!/^127\.\d{1,3}$/.test(values.base)) fail(`--base: expected 127.N, got ${values.base}`);
if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/.test(values.listen)) fail(`--listen: expected a loopback 127.x.y.z:port, got ${values.listen}`);

for (const f of [COLLECTOR_CLI, AGENT_CLI, LAB_MODULE]) {
  try {
    await access(f, fsConstants.R_OK);
  } catch {
    fail(`${f} is missing: build first (npm run demo builds, or npm run build)`);
  }
}
const labMod = await import(LAB_MODULE);
const scenarios = values.scenarios.split(',').filter((s) => s !== '').map((name) => {
  const s = labMod.scenarioByName(name);
  if (s === undefined) fail(`--scenarios: no scenario ${JSON.stringify(name)} in the lab's catalogue`);
  return s;
});

let resolverSpecs;
if (values.resolvers === 'none') resolverSpecs = [];
else if (values.resolvers === 'default') resolverSpecs = [...labMod.DEFAULT_RESOLVERS];
else {
  resolverSpecs = values.resolvers.split(',').filter((s) => s !== '').map((id) => {
    const r = labMod.DEFAULT_RESOLVERS.find((d) => d.id === id);
    if (r === undefined) fail(`--resolvers: no resolver ${JSON.stringify(id)}; known: ${labMod.DEFAULT_RESOLVERS.map((d) => d.id).join(', ')}`);
    return r;
  });
}
if (resolverSpecs.length > 0 && (await labMod.findUnbound()) === undefined) {
  log('Unbound is not installed (Debian package unbound): the agents will ask the lab\'s authoritative servers directly');
  resolverSpecs = [];
}

const keepState = values.state !== undefined;
const dir = keepState ? resolve(values.state) : await mkdtemp(join(tmpdir(), 'kto-demo-'));
await mkdir(dir, { recursive: true });
const base = `http://${values.listen}`;

// --- processes, stopped by PID ------------------------------------------------------------------

const children = [];
let stopping = false;
let lab;

/** A child in its own process group (Ctrl-C reaches only this script); should it exit on its own, the demo stops. */
function startProcess(name, args, logFile) {
  const p = startNode(name, args, logFile, {
    group: true,
    onExit: (how) => {
      if (!stopping && !p.retired) {
        log(`${name} exited (${how}); its log: ${logFile}`);
        void stop(1);
      }
    },
  });
  p.retired = false;
  children.push(p);
  return p;
}

async function stopProcess(p, graceMs = 10_000) {
  p.retired = true;
  await p.stop(graceMs);
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping');
  // agents first, so that their last batches still reach the collector
  const agents = children.filter((p) => p.name.startsWith('agent'));
  await Promise.all(agents.map((p) => stopProcess(p)));
  await Promise.all(children.filter((p) => !agents.includes(p)).map((p) => stopProcess(p)));
  if (lab !== undefined) await lab.stop().catch((err) => log(`lab stop: ${err.message}`));
  if (!keepState) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

let adminToken = '';
async function api(method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function enrol(name, country, continent) {
  const stateDir = join(dir, `agent-${name}`);
  const { token } = await api('POST', '/v1/enrolment-tokens', { label: `demo ${name}`, max_uses: 1 });
  await runToEnd([AGENT_CLI, 'enroll', '--collector', base, '--token', token, '--state-dir', stateDir,
    '--country', country, '--continent', continent, '--name', `demo ${name}`]);
  return stateDir;
}

function startAgent(name, stateDir, server) {
  return startProcess(`agent-${name}`, [AGENT_CLI, 'run', '--collector', base, '--state-dir', stateDir, '--resolver', server,
    '--batch-max-age', '300ms', '--timeout', '400ms', '--retries', '1', '--log-level', 'info'], join(dir, `agent-${name}.log`));
}

// --- the demo -------------------------------------------------------------------------------------

try {
  const collector = startProcess('collector', [COLLECTOR_CLI, 'serve', '--listen', values.listen, '--data-dir', join(dir, 'data'),
    '--admin-token-file', join(dir, 'admin-token')], join(dir, 'collector.log'));
  await waitFor(`the collector at ${base}`, async () => {
    if (!collector.running()) throw new Error(`the collector exited: ${(await readFile(collector.logFile, 'utf8')).slice(-2000)}`);
    try {
      return (await fetch(`${base}/healthz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, 60_000);
  adminToken = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
  const index = await fetch(`${base}/`);
  if (!index.ok || !(index.headers.get('content-type') ?? '').includes('text/html')) {
    log(`the collector does not serve the dashboard at ${base}/ (HTTP ${index.status}): build it (npm run build -w @kto/web); the API works meanwhile`);
  }

  const tld = 'lab';
  const zones = scenarios.map((s) => `${s.label}.${tld}.`);
  const tracked = new Set((await api('GET', '/v1/zones')).zones.map((z) => z.zone));
  for (const zone of zones) {
    if (!tracked.has(zone)) await api('POST', '/v1/zones', { zone, interval_s: intervalS, query_authoritatives: true });
  }

  // The agents start before the lab's clock, on the addresses its resolvers will have (<base>.1.<i+1>,
  // packages/lab/README.md), so that the first lab seconds are observed; until Unbound answers their
  // queries time out and are stored as failed observations.
  const agentOf = new Map();
  await Promise.all(resolverSpecs.map(async (rs) => { agentOf.set(rs.id, await enrol(rs.id, rs.country, rs.continent)); }));
  const planned = resolverSpecs.map((rs, i) => ({ ...rs, address: `${values.base}.1.${i + 1}` }));
  for (const rr of planned) startAgent(rr.id, agentOf.get(rr.id), `${rr.address}:53`);

  lab = await labMod.startLab({ scenarios, speed, base: values.base, tld, resolvers: resolverSpecs, dir });
  for (const w of lab.warnings) log(`lab: ${w}`);
  for (const [i, rr] of lab.resolvers.entries()) {
    const p = planned[i];
    if (p === undefined || p.id !== rr.id || p.address !== rr.address || rr.port !== 53) {
      throw new Error(`resolver ${rr.id} is at ${rr.address}:${rr.port}, not where its agent asks (${p?.address}:53)`);
    }
  }

  const direct = lab.resolvers.length === 0;
  if (direct && planned.length > 0) {
    // Unbound failed to start after all: the agents started for it would only time out
    await Promise.all(children.filter((p) => p.name.startsWith('agent')).map((p) => stopProcess(p)));
  }
  if (direct) {
    // one agent per scenario zone, asking its first authoritative server
    for (const z of lab.zones) {
      const server = z.providers[0]?.servers[0];
      if (server === undefined) continue;
      const name = `direct-${z.scenario}`;
      startAgent(name, await enrol(name, 'ZZ', 'EU'), `${server.address}:53`);
    }
  }

  const url = `${base}/${direct ? '?demo=direct' : ''}#/`;
  const longest = Math.max(...lab.zones.map((z) => z.duration));
  log(`lab on ${values.base}.0.0/16 at speed ${speed}: ${lab.zones.map((z) => `${z.zone} (${z.scenario}, ${z.procedure})`).join(', ')}`);
  log(direct
    ? 'no lab resolvers (Unbound missing or not started): the agents query the lab\'s authoritative servers directly'
    : `vantage points: ${lab.resolvers.map((r) => `${r.id} ${r.continent}/${r.country} ${r.behaviour} at ${r.address}`).join(', ')}`);
  log(`the scenarios play out in about ${Math.ceil(longest / speed)} s; state in ${dir}${keepState ? '' : ' (removed at the end)'}`);
  log(`dashboard: ${url}   (Ctrl-C stops everything)`);
  process.stdout.write(`KTO_DEMO_READY ${JSON.stringify({
    url, api: base, dir, direct, speed, adminTokenFile: join(dir, 'admin-token'),
    zones: lab.zones.map((z) => ({ zone: z.zone, scenario: z.scenario, kind: z.kind, procedure: z.procedure, duration: z.duration })),
    resolvers: lab.resolvers.map((r) => ({ id: r.id, country: r.country, continent: r.continent, behaviour: r.behaviour, address: r.address, pid: r.pid })),
    pids: children.filter((p) => p.running()).map((p) => p.pid),
  })}\n`);
} catch (err) {
  log(`failed: ${err.message}`);
  await stop(1);
}
