// Nothing lost, nothing twice: the real agent streams observations of a real signed world while the
// collector is killed (SIGKILL) in the middle of the stream and restarted, and while its ClickHouse
// server is frozen (SIGSTOP) and then down (connections refused). Afterwards the stored rows must equal
// the observations the agent made — every (seq, idx) it sealed, exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseServer, type ClickHouseServer } from './support/clickhouse-server.js';
import { startDnsWorld, type DnsWorld } from './support/dns-world.js';
import { runTool, waitFor } from './support/processes.js';
import {
  api, enrolAgent, sealedBatches, startAgent, startCollector, zoneObservations,
  type AgentProcess, type Collector, type StoreChoice,
} from './support/kto.js';

const ZONES = ['alpha.kto-test.', 'beta.kto-test.', 'gamma.kto-test.'];
const AGENT_CLI = resolve(import.meta.dirname, '../packages/agent/dist/cli.js');
const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

let world: DnsWorld;
beforeAll(async () => {
  world = await startDnsWorld({ subnet: '127.56', resolvers: 1 });
});
afterAll(async () => {
  await world?.stop();
});

interface Run {
  dir: string;
  collector: Collector;
  agent: AgentProcess;
  agentId: string;
}

async function begin(store: (dir: string) => StoreChoice, env: Record<string, string> = {}): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'kto-durability-'));
  // insert flushes every 200 ms so that many small inserts are in flight when things break
  const collector = await startCollector({ dir, store: store(dir), args: ['--insert-max-delay-ms', '200'], env });
  for (const zone of ZONES) await api(collector, 'POST', '/v1/zones', { zone, interval_s: 1 });
  const agentId = await enrolAgent(collector, join(dir, 'agent'));
  const agent = await startAgent({
    stateDir: join(dir, 'agent'), collector, resolvers: [`${world.resolvers[0]!.address}:53`], zones: [],
    args: ['--batch-max-age', '150ms', '--jitter', '0'], logFile: join(dir, 'agent.log'),
  });
  return { dir, collector, agent, agentId };
}

async function storedCount(c: Collector, agentId: string): Promise<number> {
  let n = 0;
  for (const zone of ZONES) n += (await zoneObservations(c, zone, `&agent=${agentId}`)).length;
  return n;
}

/** Waits until at least `more` rows beyond `from` are stored (the stream is flowing). */
async function flowing(r: Run, from: number, more: number): Promise<number> {
  return waitFor(async () => {
    await r.agent.daemon.assertRunning();
    const n = await storedCount(r.collector, r.agentId).catch(() => 0);
    return n >= from + more ? n : undefined;
  }, { what: `${more} more rows stored`, timeoutMs: 60_000, intervalMs: 250 });
}

/** Stops observing (zones removed), waits for the spool to drain, stops the agent; returns what it sealed. */
async function finish(r: Run): Promise<Map<number, number>> {
  for (const zone of ZONES) await api(r.collector, 'DELETE', `/v1/zones/${zone}`);
  let lastSeq = -1;
  await waitFor(async () => {
    await r.agent.daemon.assertRunning();
    const { stdout } = await runTool(process.execPath, [AGENT_CLI, 'status', '--json', '--state-dir', join(r.dir, 'agent')]);
    const s = JSON.parse(stdout) as { lastSeq: number; lastAckedSeq: number; spool: { batches: number } };
    // quiet: nothing spooled, everything acked, and no new batch since the previous look
    const quiet = s.spool.batches === 0 && s.lastAckedSeq === s.lastSeq && s.lastSeq === lastSeq;
    lastSeq = s.lastSeq;
    return quiet ? true : undefined;
  }, { what: 'agent spool drained', timeoutMs: 90_000, intervalMs: 1_000 });
  await r.agent.stop();
  return sealedBatches(r.agent.logFile);
}

async function expectExactlyOnce(r: Run, sealed: Map<number, number>): Promise<void> {
  const expected = new Set<string>();
  for (const [seq, n] of sealed) for (let i = 0; i < n; i++) expected.add(`${seq}/${i}`);
  const rows = [];
  for (const zone of ZONES) rows.push(...(await zoneObservations(r.collector, zone, `&agent=${r.agentId}`)));
  const stored = rows.map((row) => `${row.seq}/${row.idx}`);
  const distinct = new Set(stored);
  expect(sealed.size, 'batches sealed by the agent').toBeGreaterThan(10);
  expect(stored.length - distinct.size, 'duplicated rows').toBe(0);
  expect([...expected].filter((k) => !distinct.has(k)), 'observations lost').toEqual([]);
  expect([...distinct].filter((k) => !expected.has(k)), 'rows the agent never made').toEqual([]);
  expect(stored.length).toBe(expected.size);
}

describe('collector killed in the middle of a stream (embedded chdb)', () => {
  let run: Run;
  afterAll(async () => {
    await run?.agent.stop();
    await run?.collector.stop();
    if (run) await rm(run.dir, { recursive: true, force: true });
  });

  it('stores every observation exactly once across two crashes and restarts', async () => {
    // Acks are held 1.5 s after the rows are stored, so each crash falls between "stored" and
    // "acknowledged" for some batches (the agent must resend them and get DUPLICATE) and before
    // "stored" for others (they must be stored once, after the restart).
    run = await begin((dir) => ({ dataDir: join(dir, 'data') }), { KTO_FAULT_ACK_DELAY_MS: '1500' });
    let n = await flowing(run, 0, 30);
    for (let crash = 0; crash < 2; crash++) {
      await run.collector.crash();
      await sleep(2_500); // the agent keeps observing and spools
      await run.collector.restart();
      n = await flowing(run, n, 30);
    }
    const sealed = await finish(run);
    await expectExactlyOnce(run, sealed);
    // the last crash did hit stored-but-unacknowledged batches: the restarted collector answered DUPLICATE
    const metrics = await (await fetch(`${run.collector.url}/metrics`)).text();
    const duplicates = Number(/kto_collector_ingest_batches_total\{[^}]*outcome="duplicate"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    expect(duplicates).toBeGreaterThan(0);
  });
});

describe('ClickHouse server frozen, then down, under a stream', () => {
  let clickhouse: ClickHouseServer;
  let run: Run;
  beforeAll(async () => {
    clickhouse = await startClickHouseServer();
  });
  afterAll(async () => {
    await run?.agent.stop();
    await run?.collector.stop();
    await clickhouse?.stop();
    if (run) await rm(run.dir, { recursive: true, force: true });
  });

  it('stores every observation exactly once after the store comes back', async () => {
    run = await begin(() => ({ clickhouseUrl: clickhouse.url, database: `kto_durability_${process.pid}` }));
    let n = await flowing(run, 0, 30);
    clickhouse.pause(); // accepts connections, answers nothing
    await sleep(4_000);
    clickhouse.resume();
    n = await flowing(run, n, 30);
    await clickhouse.halt(); // connections refused
    await sleep(4_000);
    await clickhouse.start();
    await flowing(run, n, 30);
    const sealed = await finish(run);
    await expectExactlyOnce(run, sealed);
  });
});
