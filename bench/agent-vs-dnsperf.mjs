#!/usr/bin/env node
// Agent query rate against a local Unbound answering from its cache, beside dnsperf against the same
// Unbound in the same run (issue: agent >= 0.5 x dnsperf). Needs root (port 53 on 127.77.0.1), Debian's
// unbound and dnsperf, and a build (npm run build). Prints one JSON line.
//   node bench/agent-vs-dnsperf.mjs [--seconds 10] [--inflight 256]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Querier, UdpSocketPool, TcpConnector } from '../packages/agent/dist/index.js';
import { nameToWire, parseZoneText } from '../packages/core/dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, inflight: { type: 'string', default: '256' } } });
const seconds = Number(values.seconds);
const inflight = Number(values.inflight);
const ADDR = '127.77.0.1';
const AUTH = '127.77.0.2';
const ZONE = 'bench.kto.';

// The answer: the real root DNSKEY RRset of 2023-05-11 with its RRSIG (shared/real-data), served under a
// private name by a responder in this process. Unbound reaches it through a stub zone, without a trust
// anchor for it (no validation: the name changed), and then answers from its cache, which is what an
// agent's local resolver does most of the time.
const REAL = resolve(root, '../shared/real-data/root-zone/root-zone-2023-05-11.zone.gz');
const apex = parseZoneText(gunzipSync(readFileSync(REAL)).toString('utf8')).records
  .filter((r) => r.name === '.' && (r.type === 48 || (r.type === 46 && r.rdata[0] === 0 && r.rdata[1] === 48)));
const KEYS = apex.filter((r) => r.type === 48).length;

function u16(n) { return [n >> 8, n & 255]; }
function u32(n) { return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]; }
// Response to a DNSKEY query for ZONE, copying the query's id, question and DO bit.
function answerTo(query) {
  const qend = 12 + nameToWire(ZONE).length + 4;
  const out = [...query.subarray(0, 2), 0x84, 0x00, ...u16(1), ...u16(apex.length), 0, 0, 0, 1, ...query.subarray(12, qend)];
  for (const r of apex) out.push(0xc0, 12, ...u16(r.type), 0, 1, ...u32(3600), ...u16(r.rdata.length), ...r.rdata);
  out.push(0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0); // OPT: 4096, DO
  return Buffer.from(out);
}

function startResponder() {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => sock.send(answerTo(msg), rinfo.port, rinfo.address));
  return new Promise((ok) => sock.bind(53, AUTH, () => ok(sock)));
}

function unboundConf(dir) {
  return `server:
  interface: ${ADDR}@53
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: "${dir}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  num-threads: 1
  do-daemonize: no
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  module-config: "iterator"
  ratelimit: 0
  ip-ratelimit: 0
  so-reuseport: no
stub-zone:
  name: "${ZONE}"
  stub-addr: ${AUTH}@53
`;
}

async function waitUp(querier) {
  for (let i = 0; i < 100; i++) {
    const r = await querier.query(target());
    if (r.observation.status === 1 && r.observation.rcode === 0) return;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error('unbound did not answer');
}

function target() {
  return { kind: 'resolver', server: { address: ADDR, port: 53, family: 4 }, serverName: '', zone: ZONE, qname: ZONE, qtype: 48 };
}

async function runAgent(querier) {
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  async function worker() {
    while (performance.now() < deadline) {
      const r = await querier.query(target());
      if (r.observation.status === 1 && r.observation.answer.length === KEYS && r.observation.rrsigs.length === 1) {
        ok++;
        bytes += r.observation.raw.length;
      } else failed++;
    }
  }
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = (performance.now() - start) / 1000;
  return { qps: Math.round(ok / elapsed), ok, failed, avg_response_bytes: Math.round(bytes / Math.max(ok, 1)) };
}

function runDnsperf(dir) {
  const qfile = join(dir, 'queries.txt');
  writeFileSync(qfile, `${ZONE} DNSKEY\n`);
  const out = execFileSync('dnsperf', ['-s', ADDR, '-p', '53', '-d', qfile, '-l', String(seconds), '-c', '1', '-T', '1', '-q', String(inflight), '-D', '-e', '-b', '4096'], { encoding: 'utf8' });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1]);
  return { qps: Math.round(qps), lost };
}

const dir = mkdtempSync(join(tmpdir(), 'kto-bench-agent-'));
writeFileSync(join(dir, 'unbound.conf'), unboundConf(dir));
const responder = await startResponder();
const unbound = spawn('unbound', ['-d', '-c', join(dir, 'unbound.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
const udp = new UdpSocketPool();
const tcp = new TcpConnector();
try {
  const querier = new Querier({ transports: { udp, tcp }, timeoutMs: 2000, retries: 1, ednsUdpSize: 4096 });
  await waitUp(querier);
  const dnsperf = runDnsperf(dir);
  const agent = await runAgent(querier);
  console.log(JSON.stringify({
    bench: 'agent-vs-dnsperf', seconds, inflight, unbound_threads: 1,
    agent_qps: agent.qps, dnsperf_qps: dnsperf.qps, ratio: Number((agent.qps / dnsperf.qps).toFixed(2)),
    agent_failed: agent.failed, dnsperf_lost: dnsperf.lost, response_bytes: agent.avg_response_bytes,
  }));
} finally {
  await udp.close();
  await tcp.close?.();
  unbound.kill('SIGTERM');
  await new Promise((ok) => unbound.once('exit', ok));
  responder.close();
  rmSync(dir, { recursive: true, force: true });
}
