// The README's run command (`npm start` = build + scripts/start.mjs): the collector with its embedded
// store and a local agent come up, track the zones, observations arrive, and Ctrl-C stops everything.
// The agent is pointed at a lab resolver instead of the system's (tests never query this machine's
// resolver).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsWorld, type DnsWorld } from './support/dns-world.js';
import { startDaemon, waitFor, type Daemon } from './support/processes.js';
import { freePort } from './support/kto.js';

const START = resolve(import.meta.dirname, '../scripts/start.mjs');

/** PIDs of processes whose command line mentions `needle` (the test's private state dir). */
function pidsMentioning(needle: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(needle)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe('npm start (scripts/start.mjs)', () => {
  let world: DnsWorld;
  let dir: string;
  let job: Daemon;

  beforeAll(async () => {
    world = await startDnsWorld({ subnet: '127.57', resolvers: 1 });
    dir = await mkdtemp(join(tmpdir(), 'kto-main-job-'));
  });
  afterAll(async () => {
    await job?.stop();
    await world?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs collector + agent, stores validated observations, and stops cleanly on SIGINT', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    job = await startDaemon('npm start', process.execPath, [
      START, '--state', join(dir, 'state'), '--listen', `127.0.0.1:${port}`,
      '--resolver', `${world.resolvers[0]!.address}:53`, '--zone', 'alpha.kto-test.', '--zone', 'gamma.kto-test.', '--interval', '2',
    ], { logFile: join(dir, 'start.log') });

    const rows = await waitFor(async () => {
      await job.assertRunning();
      const r = await fetch(`${base}/v1/zones/alpha.kto-test./observations?qtype=DNSKEY`).catch(() => undefined);
      if (r === undefined || !r.ok) return undefined;
      const { observations } = (await r.json()) as { observations: { ad: number; rcode: number; dnskey_key_tags: number[] }[] };
      return observations.length >= 2 ? observations : undefined;
    }, { what: 'DNSKEY observations of alpha through the main job', timeoutMs: 90_000, intervalMs: 500 });
    expect(rows.every((o) => o.ad === 1 && o.rcode === 0)).toBe(true);
    expect(rows[0]!.dnskey_key_tags.length).toBe(world.zones.find((z) => z.name === 'alpha.kto-test.')!.keys.length);

    const { zones } = (await (await fetch(`${base}/v1/zones`)).json()) as { zones: { zone: string }[] };
    expect(zones.map((z) => z.zone).sort()).toEqual(['alpha.kto-test.', 'gamma.kto-test.']);

    // Ctrl-C: the script stops the agent, then the collector, and exits 0 with nothing left behind.
    expect(pidsMentioning(dir).length).toBeGreaterThanOrEqual(3);
    process.kill(job.pid, 'SIGINT');
    const status = await job.exited;
    expect(status.code).toBe(0);
    await waitFor(async () => (pidsMentioning(dir).length === 0 ? true : undefined), { what: 'no process of the main job left', timeoutMs: 20_000 });
    expect(await job.logTail(20_000)).toMatch(/kto-agent stopped[\s\S]*"stopped"/);
  });
});
