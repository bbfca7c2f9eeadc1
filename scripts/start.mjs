#!/usr/bin/env node
// The main job (README: `npm ci && npm start`): the collector with its embedded store (chdb) and a
// local agent that tracks the root and a few TLDs through the system's resolver. State lives in .kto/.
// Options: --listen HOST:PORT (default 127.0.0.1:8053), --state DIR (default .kto),
//          --resolver ADDR (repeatable; default: the system's, from /etc/resolv.conf),
//          --zone NAME (repeatable; default: . com. net. org. nl. cz. se. de.), --interval SECONDS.
import { spawn } from 'node:child_process';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:8053' },
    state: { type: 'string', default: join(root, '.kto') },
    resolver: { type: 'string', multiple: true },
    zone: { type: 'string', multiple: true },
    interval: { type: 'string', default: '60' },
    country: { type: 'string', default: process.env.KTO_COUNTRY ?? 'ZZ' },
    continent: { type: 'string', default: process.env.KTO_CONTINENT ?? 'EU' },
  },
});
const DEFAULT_ZONES = ['.', 'com.', 'net.', 'org.', 'nl.', 'cz.', 'se.', 'de.'];
const zones = values.zone ?? DEFAULT_ZONES;
const state = resolve(values.state);
const dataDir = join(state, 'data');
const agentDir = join(state, 'agent');
const tokenFile = join(state, 'admin-token');
mkdirSync(dataDir, { recursive: true });
mkdirSync(agentDir, { recursive: true, mode: 0o700 });
const base = `http://${values.listen}`;
const children = [];

// Children get their own process group: a Ctrl-C reaches only this script, which then stops them
// once, gracefully, in order (agent first, so that its last batch still reaches the collector).
function run(name, args, opts = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true, ...opts });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[kto] ${name} exited (${signal ?? code}); stopping`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

function runToEnd(args) {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${args[0]} exited with ${code}`))));
  });
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.on('exit', r)));
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    process.exit(code);
  }, 20_000).unref();
  (async () => {
    for (const c of [...children].reverse()) {
      c.kill('SIGTERM');
      await exited(c);
    }
    process.exit(code);
  })();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitHealthy() {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`collector did not become healthy at ${base}`);
}

async function api(method, path, body) {
  const token = readFileSync(tokenFile, 'utf8').trim();
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${json.code ?? ''} ${json.message ?? ''}`);
  return json;
}

const collectorCli = join(root, 'packages/collector/dist/cli.js');
const agentCli = join(root, 'packages/agent/dist/cli.js');

run('collector', [collectorCli, 'serve', '--listen', values.listen, '--data-dir', dataDir, '--admin-token-file', tokenFile]);
await waitHealthy();
const tracked = new Set((await (await fetch(`${base}/v1/zones`)).json()).zones.map((z) => z.zone));
for (const zone of zones) {
  if (!tracked.has(zone)) await api('POST', '/v1/zones', { zone, interval_s: Number(values.interval) });
}
if (!existsSync(join(agentDir, 'agent.json'))) {
  const { token } = await api('POST', '/v1/enrolment-tokens', { label: 'local agent', max_uses: 1 });
  await runToEnd([agentCli, 'enroll', '--collector', base, '--token', token, '--state-dir', agentDir,
    '--country', values.country, '--continent', values.continent, '--name', 'local']);
}
const agentArgs = [agentCli, 'run', '--collector', base, '--state-dir', agentDir];
for (const r of values.resolver ?? []) agentArgs.push('--resolver', r);
run('agent', agentArgs);

console.error(`[kto] dashboard ${base}/  collector API ${base}/v1 (store: chdb in ${dataDir}); agent state ${agentDir}`);
console.error(`[kto] tracking ${zones.join(' ')}; API: ${base}/v1/zones, ${base}/v1/agents, ${base}/openapi.json`);

// Show observations arriving.
let last = 0;
setInterval(async () => {
  try {
    const { agents } = await (await fetch(`${base}/v1/agents`)).json();
    const total = agents.reduce((n, a) => n + (a.observations_24h ?? 0), 0);
    console.error(`[kto] observations stored in the last 24 h: ${total} (+${total - last})`);
    last = total;
  } catch (err) {
    console.error(`[kto] could not read /v1/agents: ${err.message}`);
  }
}, 15_000).unref();
